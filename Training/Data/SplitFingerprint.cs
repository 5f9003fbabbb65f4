using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AlexNet.Training.Data;

/// <summary>
/// One class's files as the split saw them: how many, their total size, how many of them were unreadable
/// and left out of the split, and a SHA-256 over each file's name and size (and, for an unreadable one, that mark).
/// <see cref="Unreadable"/> is null in runs split before unreadable files were left out: their split counted every file.
/// </summary>
public sealed record ClassFingerprint(string Name, int Files, long Bytes, string Sha256, int? Unreadable = null);

/// <summary>
/// What a run's split was made from, stored in its checkpoints. The split is a function of the seed
/// and the listed files, so a folder that gained, lost or renamed an image would be split differently
/// without a word: images would move between training, validation and test, and a "test" score could
/// include training images. Comparing this fingerprint with the folder as it is now catches that.
/// Names and sizes are hashed, not contents, so checking costs one directory listing (and the
/// header check of <see cref="ReadableImages"/>, which says which files the split left out).
/// </summary>
public sealed record SplitFingerprint(IReadOnlyList<ClassFingerprint> Classes)
{
    /// <summary>True when the split was drawn from the readable files only (every run since that check exists).</summary>
    public bool LeavesOutUnreadable => Classes.Count > 0 && Classes.All(c => c.Unreadable is not null);

    /// <summary>
    /// The fingerprint of <paramref name="catalog"/>'s files as they are now; with <paramref name="readable"/>,
    /// of a split that leaves its unreadable files out, otherwise of one over every listed file (the older runs').
    /// </summary>
    public static SplitFingerprint Of(DataCatalog catalog, ReadableImages? readable = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var unreadable = readable?.Rejected.Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
        var classes = new List<ClassFingerprint>();
        for (int label = 0; label < catalog.ClassNames.Count; label++)
        {
            // A file's name within its class is what the split sees; the folder above it may move (--data).
            var files = catalog.Items.Where(item => item.Label == label)
                .Select(item => (Name: Path.GetFileName(item.Source), Bytes: catalog.IsSynthetic ? 0 : SizeOf(item.Source), Unreadable: unreadable?.Contains(item.Source) == true))
                .OrderBy(file => file.Name, StringComparer.Ordinal)
                .ToList();
            var text = new StringBuilder();
            foreach (var (name, bytes, isUnreadable) in files)
            {
                // Readable files hash as they always did, so a folder without unreadable files keeps its fingerprint.
                text.Append(name).Append('\t').Append(bytes.ToString(CultureInfo.InvariantCulture)).Append(isUnreadable ? "\tunreadable" : "").Append('\n');
            }
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
            classes.Add(new ClassFingerprint(catalog.ClassNames[label], files.Count, files.Sum(f => Math.Max(0, f.Bytes)), hash,
                unreadable is null ? null : files.Count(f => f.Unreadable)));
        }
        return new SplitFingerprint(classes);
    }

    /// <summary>
    /// Refuses to go on when <paramref name="readable"/>'s catalog is not the data <paramref name="stored"/> describes.
    /// A checkpoint written before fingerprints were stored (null) cannot be checked: that is a warning.
    /// A run split before unreadable files were left out keeps its split over every listed file (see
    /// <see cref="ReadableImages.ForSplit"/>); when the folder holds unreadable files, a warning says so.
    /// </summary>
    /// <exception cref="AppException">The folder's files changed since the run was split; the message lists the classes that changed.</exception>
    public static void Verify(SplitFingerprint? stored, ReadableImages readable, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(readable);
        ArgumentNullException.ThrowIfNull(warn);
        var catalog = readable.Catalog;
        if (stored is null)
        {
            warn($"this checkpoint holds no fingerprint of its data, so whether {catalog.Location} still holds the files it was split from cannot be checked.");
            return;
        }
        var now = Of(catalog, stored.LeavesOutUnreadable ? readable : null);
        var changes = new List<string>();
        foreach (var before in stored.Classes)
        {
            var after = now.Classes.FirstOrDefault(c => c.Name == before.Name);
            if (after is null)
            {
                changes.Add($"'{before.Name}' is gone (it had {before.Files} files)");
            }
            else if (after.Files != before.Files)
            {
                changes.Add($"'{before.Name}' had {before.Files} files, now {after.Files}");
            }
            else if (after.Sha256 != before.Sha256)
            {
                changes.Add(before.Unreadable is { } was && after.Unreadable is { } @is && was != @is
                    ? $"'{before.Name}' has {after.Files} files as before, but {was} of them were unreadable then and {@is} are now"
                    : $"'{before.Name}' has {after.Files} files as before, but some were renamed or changed size");
            }
        }
        changes.AddRange(now.Classes.Where(c => stored.Classes.All(s => s.Name != c.Name)).Select(c => $"'{c.Name}' is new ({c.Files} files)"));
        if (changes.Count > 0)
        {
            throw new AppException($"The data in {catalog.Location} changed since the run was split: {string.Join("; ", changes)}. "
                + "Split again, its images would move between training, validation and test, and a test score could include training images. "
                + "Put the folder back as it was (or pass --data with an unchanged copy), or start a new run on the changed data.");
        }
        if (!stored.LeavesOutUnreadable && readable.Rejected.Count > 0)
        {
            warn($"this run was split by an earlier alexnet, which gave unreadable files a place in the split; {readable.Rejected.Count} file(s) of {catalog.Location} "
                + "are unreadable now, and they keep their places (and are skipped when decoding, as then) so that no image moves between training, validation and test. "
                + "A new run on this folder leaves them out of its split.");
        }
    }

    private static long SizeOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : -1;
    }
}
