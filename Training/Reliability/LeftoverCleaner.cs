using System.Text.RegularExpressions;

namespace AlexNet.Training.Reliability;

/// <summary>
/// Removes what a killed process of ours left behind, on the next start: in a run folder the
/// temporary files of atomic writes (<c>.last.safetensors.&lt;guid&gt;.tmp</c>, about 455 MB each for
/// <c>alexnet</c>; <c>.loss.png.&lt;guid&gt;.tmp</c>; write probes), and in the data cache the
/// <c>.NAME.&lt;id&gt;.download</c> files and <c>.NAME.&lt;id&gt;.unpacking</c> folders of a download.
/// Only names of exactly those shapes, in those folders, are touched. A run folder belongs to one
/// training at a time, so its leftovers go at once; the cache is shared, so a download's leftovers
/// go only once nothing has been written to them for <see cref="CacheQuietTime"/> (a live download writes every second).
/// </summary>
public static partial class LeftoverCleaner
{
    /// <summary>How long a download's temporaries must have been untouched before they count as left over.</summary>
    public static readonly TimeSpan CacheQuietTime = TimeSpan.FromMinutes(10);

    /// <summary>Removes the temporary files of interrupted writes in <paramref name="runFolder"/>; <paramref name="report"/> gets one line when something went.</summary>
    public static void CleanRunFolder(string runFolder, Action<string> report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!Directory.Exists(runFolder))
        {
            return;
        }
        var removed = Directory.EnumerateFiles(runFolder).Where(f => AtomicTemporary().IsMatch(Path.GetFileName(f)))
            .Select(f => (Path: f, Bytes: TryDeleteFile(f))).Where(r => r.Bytes >= 0).ToList();
        Report(report, runFolder, "interrupted writes", removed);
    }

    /// <summary>Removes the download temporaries in <paramref name="cacheRoot"/> untouched since <paramref name="now"/> − <see cref="CacheQuietTime"/>.</summary>
    public static void CleanDataCache(string cacheRoot, DateTime now, Action<string> report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!Directory.Exists(cacheRoot))
        {
            return;
        }
        DateTime before = now - CacheQuietTime;
        var removed = new List<(string Path, long Bytes)>();
        foreach (string file in Directory.EnumerateFiles(cacheRoot).Where(f => DownloadTemporary().IsMatch(Path.GetFileName(f))))
        {
            if (File.GetLastWriteTimeUtc(file) < before && TryDeleteFile(file) is long bytes and >= 0)
            {
                removed.Add((file, bytes));
            }
        }
        foreach (string folder in Directory.EnumerateDirectories(cacheRoot).Where(d => UnpackTemporary().IsMatch(Path.GetFileName(d))))
        {
            if (LastWrite(folder) < before && TryDeleteFolder(folder) is long bytes and >= 0)
            {
                removed.Add((folder, bytes));
            }
        }
        Report(report, cacheRoot, "interrupted downloads", removed);
    }

    private static void Report(Action<string> report, string folder, string what, List<(string Path, long Bytes)> removed)
    {
        if (removed.Count == 0)
        {
            return;
        }
        string names = string.Join(", ", removed.Take(3).Select(r => Path.GetFileName(r.Path))) + (removed.Count > 3 ? $" and {removed.Count - 3} more" : "");
        report($"Removed {removed.Count} leftover(s) of {what} from {folder} ({names}), freeing {RunFolderCheck.Megabytes(removed.Sum(r => r.Bytes))}.");
    }

    /// <summary>The newest write time of a folder or anything in it.</summary>
    private static DateTime LastWrite(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(File.GetLastWriteTimeUtc)
            .Append(Directory.GetLastWriteTimeUtc(folder)).Max();

    /// <summary>Deletes a file; its size, or −1 when it could not be deleted (it stays, and is tried again next time).</summary>
    private static long TryDeleteFile(string path)
    {
        try
        {
            long bytes = new FileInfo(path).Length;
            File.Delete(path);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private static long TryDeleteFolder(string path)
    {
        try
        {
            long bytes = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Directory.Delete(path, recursive: true);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary><see cref="Checkpoints.AtomicFile"/>'s temporaries: <c>.NAME.&lt;32 hex digits&gt;.tmp</c>.</summary>
    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex AtomicTemporary();

    /// <summary><see cref="Data.DatasetDownloader"/>'s archive: <c>.NAME.&lt;12 hex digits&gt;.download</c>.</summary>
    [GeneratedRegex(@"^\..+\.[0-9a-f]{12}\.download$")]
    private static partial Regex DownloadTemporary();

    /// <summary><see cref="Data.DatasetDownloader"/>'s unpacking folder: <c>.NAME.&lt;12 hex digits&gt;.unpacking</c>.</summary>
    [GeneratedRegex(@"^\..+\.[0-9a-f]{12}\.unpacking$")]
    private static partial Regex UnpackTemporary();
}
