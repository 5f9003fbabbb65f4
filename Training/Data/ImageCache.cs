using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AlexNet.Training.Data;

/// <summary>
/// The on-disk cache of decoded images: a list of files is decoded once (EXIF orientation applied,
/// resized and cropped as <see cref="ImageDecoder"/> does), written as raw uint8 HWC records into
/// shard files of at most <see cref="ShardBytes"/> bytes with an index, and read back memory-mapped
/// (<see cref="ImageShard"/>) by every later run. An entry is a folder named after a key that hashes
/// the preprocessing settings and every source's path, label, size and modification time, so a changed
/// file or setting gives a new entry and an unchanged list reuses the old one. An entry is written
/// under a temporary name and renamed only once complete, so an interrupted build leaves nothing that
/// is ever read (the leftover is removed by the next build).
/// </summary>
public static class ImageCache
{
    /// <summary>The first line of every index: bump it when the record format changes.</summary>
    public const string FormatLine = "alexnet image cache v1";

    /// <summary>The largest shard file, 1 GiB: few files, each well within any file system's limits.</summary>
    public const long ShardBytes = 1L << 30;

    /// <summary>Images decoded and written together: bounds the build's memory to this many decoded images.</summary>
    public const int ChunkSize = 256;

    private const string IndexName = "index.tsv";
    private const string PartialMark = ".partial-";

    /// <summary>The folder of the cache's entries inside the data cache folder <paramref name="dataCacheRoot"/>.</summary>
    public static string Folder(string dataCacheRoot) => Path.Combine(dataCacheRoot, "images");

    /// <summary>The key of <paramref name="items"/> decoded at <paramref name="size"/> with <paramref name="decoder"/>'s limits.</summary>
    public static string Key(IReadOnlyList<DataItem> items, int size, ImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(decoder);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"{FormatLine}\tsquare {size}\tmax pixels {decoder.MaxPixels}");
        foreach (var item in items)
        {
            var file = new FileInfo(item.Source);
            Add(file.Exists
                ? string.Create(CultureInfo.InvariantCulture, $"{item.Source}\t{item.Label}\t{file.Length}\t{file.LastWriteTimeUtc.Ticks}")
                : $"{item.Source}\t{item.Label}\tmissing");
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    /// <summary>
    /// The images of <paramref name="items"/> from the cache in <paramref name="folder"/>, built first if
    /// absent. Files the decoder rejects are left out and reported in <paramref name="skipped"/> (the
    /// rejections are cached too, so a later run reports them again). <paramref name="progress"/> counts
    /// images decoded by the build; it is not called when the entry already exists. <paramref name="shardBytes"/>
    /// bounds each shard file (tests make it small to get several).
    /// </summary>
    public static ImageSet Open(string folder, IReadOnlyList<DataItem> items, int size, ImageDecoder decoder, List<ImageRejectedException> skipped,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default, long shardBytes = ShardBytes)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(skipped);
        string entry = Path.Combine(folder, Key(items, size, decoder));
        if (!File.Exists(Path.Combine(entry, IndexName)))
        {
            Build(entry, items, size, decoder, shardBytes, progress, cancellationToken);
        }
        return Read(entry, size, skipped);
    }

    /// <summary>Decodes <paramref name="items"/> in parallel, chunk by chunk, into a temporary folder renamed to <paramref name="entry"/> when complete.</summary>
    private static void Build(string entry, IReadOnlyList<DataItem> items, int size, ImageDecoder decoder, long shardBytes, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        string parent = Path.GetDirectoryName(entry)!;
        Directory.CreateDirectory(parent);
        RemoveLeftovers(parent);
        string partial = entry + PartialMark + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, recursive: true);
        }
        Directory.CreateDirectory(partial);
        int recordLength = size * size * 3;
        int recordsPerShard = (int)Math.Clamp(shardBytes / recordLength, 1, int.MaxValue);
        var index = new StringBuilder();
        index.Append(CultureInfo.InvariantCulture, $"{FormatLine}\t{size}\t{recordsPerShard}\n");
        FileStream? shard = null;
        int kept = 0, done = 0;
        try
        {
            var options = new ParallelOptions { CancellationToken = cancellationToken };
            for (int chunk = 0; chunk < items.Count; chunk += ChunkSize)
            {
                int count = Math.Min(ChunkSize, items.Count - chunk);
                var pixels = new byte[]?[count];
                var errors = new string?[count];
                Parallel.For(0, count, options, i =>
                {
                    try
                    {
                        pixels[i] = decoder.Load(items[chunk + i].Source, size);
                    }
                    catch (ImageRejectedException e)
                    {
                        errors[i] = e.Reason;
                    }
                    progress?.Report(Interlocked.Increment(ref done));
                });
                for (int i = 0; i < count; i++)
                {
                    var item = items[chunk + i];
                    if (errors[i] is { } reason)
                    {
                        index.Append(CultureInfo.InvariantCulture, $"skip\t{item.Label}\t{Escape(item.Source)}\t{Escape(reason)}\n");
                        continue;
                    }
                    if (kept % recordsPerShard == 0)
                    {
                        shard?.Dispose();
                        shard = new FileStream(Path.Combine(partial, ShardName(kept / recordsPerShard)), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                    }
                    shard!.Write(pixels[i]);
                    index.Append(CultureInfo.InvariantCulture, $"ok\t{item.Label}\t{Escape(item.Source)}\n");
                    kept++;
                }
            }
            shard?.Flush(flushToDisk: true);
            shard?.Dispose();
            shard = null;
            File.WriteAllText(Path.Combine(partial, IndexName), index.ToString());
            try
            {
                Directory.Move(partial, entry);
            }
            catch (IOException) when (File.Exists(Path.Combine(entry, IndexName)))
            {
                TryDelete(partial); // another process finished the same entry first
            }
        }
        catch
        {
            shard?.Dispose();
            TryDelete(partial);
            throw;
        }
    }

    /// <summary>Reads a complete entry's index and maps its shards.</summary>
    private static ImageSet Read(string entry, int size, List<ImageRejectedException> skipped)
    {
        string indexPath = Path.Combine(entry, IndexName);
        var lines = File.ReadAllLines(indexPath);
        var header = lines.Length > 0 ? lines[0].Split('\t') : [];
        if (header.Length != 3 || header[0] != FormatLine || header[1] != size.ToString(CultureInfo.InvariantCulture) || !int.TryParse(header[2], CultureInfo.InvariantCulture, out int recordsPerShard) || recordsPerShard < 1)
        {
            throw new AppException($"The image cache index '{indexPath}' does not start with '{FormatLine}\\t{size}\\tRECORDS'; delete the folder '{entry}' and it is rebuilt.");
        }
        var labels = new List<int>();
        var sources = new List<string>();
        for (int n = 1; n < lines.Length; n++)
        {
            var fields = lines[n].Split('\t');
            if (fields.Length < 3 || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out int label) || (fields[0] == "skip" && fields.Length != 4) || (fields[0] != "skip" && fields[0] != "ok"))
            {
                throw new AppException($"Line {n + 1} of the image cache index '{indexPath}' is not 'ok LABEL SOURCE' or 'skip LABEL SOURCE REASON'; delete the folder '{entry}' and it is rebuilt.");
            }
            if (fields[0] == "skip")
            {
                skipped.Add(new ImageRejectedException(Unescape(fields[2]), Unescape(fields[3])));
                continue;
            }
            labels.Add(label);
            sources.Add(Unescape(fields[2]));
        }
        int recordLength = size * size * 3;
        var shards = new List<ImageShard>();
        for (int first = 0; first < labels.Count; first += recordsPerShard)
        {
            shards.Add(new ImageShard(Path.Combine(entry, ShardName(first / recordsPerShard)), Math.Min(recordsPerShard, labels.Count - first), recordLength));
        }
        return new ImageSet(size, shards, recordsPerShard, labels, sources);
    }

    /// <summary>Removes the temporary folders of interrupted builds: those whose process is no longer running.</summary>
    private static void RemoveLeftovers(string parent)
    {
        foreach (string folder in Directory.EnumerateDirectories(parent, "*" + PartialMark + "*"))
        {
            string name = Path.GetFileName(folder);
            string pid = name[(name.IndexOf(PartialMark, StringComparison.Ordinal) + PartialMark.Length)..];
            if (!int.TryParse(pid, CultureInfo.InvariantCulture, out int id) || !IsRunning(id))
            {
                TryDelete(folder);
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return processId == Environment.ProcessId || !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process holds it; the next build tries again.
        }
    }

    private static string ShardName(int number) => string.Create(CultureInfo.InvariantCulture, $"shard-{number:0000}.bin");

    // Paths and reasons may hold tabs or line breaks; the index is one record per line.
    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static string Unescape(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                result.Append(text[i] switch { 't' => '\t', 'n' => '\n', 'r' => '\r', _ => text[i] });
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }
}
