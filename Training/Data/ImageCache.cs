using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AlexNet.Training.Data;

/// <summary>
/// The on-disk cache of decoded images. One store per preprocessing setting (a folder named after a
/// key hashing the <see cref="StoredForm"/> and the decoder's pixel limit) holds one record per
/// source file: the file decoded once (EXIF orientation applied, resized as <see cref="ImageDecoder"/>
/// does), kept as raw uint8 HWC bytes in append-only shard files of at most <see cref="ShardBytes"/>
/// bytes, and listed in an index with the file's size and modification time, its shard, offset and
/// shape (or why the decoder rejected it). Every split part and split seed of a data set shares the
/// store, and opening a list of files decodes only those the index lacks or lists with another size
/// or time: one changed, added or replaced file costs one decode, and the rest stay where they are.
/// New records go to new shards, written under a temporary <c>.partial-PID</c> name and renamed
/// when complete, and the index is replaced whole after each finished shard, so an interrupted build
/// keeps what it finished and never reads a half-written file (the leftover goes at the next build).
/// Records of files that changed or went are garbage; a shard with nothing listed is deleted, and
/// once garbage exceeds <see cref="MaxGarbageShare"/> of the shards the live records are compacted
/// into new shards. One process at a time changes a store (a lock file); readers map shards that are
/// never rewritten.
/// </summary>
public static class ImageCache
{
    /// <summary>The first field of every index: bump it when the record format changes.</summary>
    public const string FormatLine = "alexnet image cache v2";

    /// <summary>The largest shard file, 1 GiB: few files, each well within any file system's limits.</summary>
    public const long ShardBytes = 1L << 30;

    /// <summary>Images decoded and written together: bounds the build's memory to this many decoded images.</summary>
    public const int ChunkSize = 256;

    /// <summary>The share of shard bytes no record uses above which the store is compacted.</summary>
    public const double MaxGarbageShare = 0.5;

    private const string IndexName = "index.tsv";
    private const string LockName = "store.lock";
    private const string PartialMark = ".partial-";

    /// <summary>The folder of the cache's stores inside the data cache folder <paramref name="dataCacheRoot"/>.</summary>
    public static string Folder(string dataCacheRoot) => Path.Combine(dataCacheRoot, "images");

    /// <summary>The key of the store of images decoded into <paramref name="form"/> with <paramref name="decoder"/>'s limits.</summary>
    public static string Key(StoredForm form, ImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{FormatLine}\t{form}\tmax pixels {decoder.MaxPixels}\n"));
        return Convert.ToHexStringLower(hash)[..32];
    }

    /// <summary>The paper's squares of <paramref name="size"/>: <see cref="Open(string, IReadOnlyList{DataItem}, StoredForm, ImageDecoder, List{ImageRejectedException}, ICacheProgress?, CancellationToken, long)"/>.</summary>
    public static ImageSet Open(string folder, IReadOnlyList<DataItem> items, int size, ImageDecoder decoder, List<ImageRejectedException> skipped,
        ICacheProgress? progress = null, CancellationToken cancellationToken = default, long shardBytes = ShardBytes) =>
        Open(folder, items, StoredForm.Square(size), decoder, skipped, progress, cancellationToken, shardBytes);

    /// <summary>
    /// The images of <paramref name="items"/> from the store of <paramref name="form"/> in
    /// <paramref name="folder"/>, decoding first the files it lacks or holds at another size or time.
    /// Files the decoder rejects are left out and reported in <paramref name="skipped"/> (the rejections
    /// are cached too, so a later run reports them again). <paramref name="progress"/> hears once how many
    /// of <paramref name="items"/> the store held, then of each image decoded. <paramref name="shardBytes"/> bounds
    /// each shard file (tests make it small to get several).
    /// </summary>
    public static ImageSet Open(string folder, IReadOnlyList<DataItem> items, StoredForm form, ImageDecoder decoder, List<ImageRejectedException> skipped,
        ICacheProgress? progress = null, CancellationToken cancellationToken = default, long shardBytes = ShardBytes)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(skipped);
        string store = Path.Combine(folder, Key(form, decoder));
        var stamps = items.Select(item => FileStamp.Of(item.Source)).ToArray();
        var index = CacheIndex.Read(store, form);
        if (index is not null && Lacking(index, items, stamps).Count == 0 && TryRead(store, index, items, form, skipped) is { } ready)
        {
            progress?.Stored(items.Count);
            return ready;
        }
        Directory.CreateDirectory(store);
        using var held = StoreLock.Acquire(Path.Combine(store, LockName), cancellationToken);
        // Another process may have added the files while this one waited for the lock.
        index = CacheIndex.Read(store, form) ?? new CacheIndex(form);
        var lacking = Lacking(index, items, stamps);
        progress?.Stored(items.Count - lacking.Count);
        if (lacking.Count > 0)
        {
            new CacheBuilder(store, index, decoder, shardBytes).Add(lacking, progress, cancellationToken);
        }
        return TryRead(store, index, items, form, skipped)
            ?? throw new AppException($"The image cache '{store}' lost a shard while it was locked; delete the folder and it is rebuilt.");
    }

    /// <summary>The items the index lacks or lists with another size or modification time, each file once.</summary>
    private static List<(DataItem Item, FileStamp Stamp)> Lacking(CacheIndex index, IReadOnlyList<DataItem> items, FileStamp[] stamps)
    {
        var lacking = new List<(DataItem, FileStamp)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            if (!index.Matches(items[i].Source, stamps[i]) && seen.Add(items[i].Source))
            {
                lacking.Add((items[i], stamps[i]));
            }
        }
        return lacking;
    }

    /// <summary>Maps the shards the items' records lie in; null when a shard went (compacted away by another process since the index was read).</summary>
    private static ImageSet? TryRead(string store, CacheIndex index, IReadOnlyList<DataItem> items, StoredForm form, List<ImageRejectedException> skipped)
    {
        var shardNumbers = new Dictionary<int, int>();
        var used = new List<(int Number, int Records, long End)>();
        var records = new List<CachedRecord>(items.Count);
        var labels = new List<int>(items.Count);
        var sources = new List<string>(items.Count);
        var rejected = new List<ImageRejectedException>();
        for (int i = 0; i < items.Count; i++)
        {
            var entry = index.Entries[items[i].Source];
            if (entry.Reason is { } reason)
            {
                rejected.Add(new ImageRejectedException(items[i].Source, reason));
                continue;
            }
            if (!shardNumbers.TryGetValue(entry.Shard, out int position))
            {
                position = used.Count;
                shardNumbers[entry.Shard] = position;
                used.Add((entry.Shard, 0, 0));
            }
            var record = new CachedRecord(position, entry.Offset, entry.Height, entry.Width);
            used[position] = (entry.Shard, used[position].Records + 1, Math.Max(used[position].End, record.Offset + record.Length));
            records.Add(record);
            labels.Add(items[i].Label);
            sources.Add(items[i].Source);
        }
        var shards = new List<ImageShard>(used.Count);
        try
        {
            foreach (var (number, count, end) in used)
            {
                shards.Add(new ImageShard(Path.Combine(store, CacheIndex.ShardName(number)), count, end));
            }
        }
        catch (FileNotFoundException)
        {
            shards.ForEach(s => s.Dispose());
            return null;
        }
        skipped.AddRange(rejected);
        return new ImageSet(form, shards, records, labels, sources);
    }

    /// <summary>Removes the temporary files of interrupted builds in <paramref name="store"/>: those whose process is no longer running.</summary>
    internal static void RemoveLeftovers(string store)
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(store, "*" + PartialMark + "*"))
        {
            string name = Path.GetFileName(path);
            string pid = name[(name.IndexOf(PartialMark, StringComparison.Ordinal) + PartialMark.Length)..];
            if (!int.TryParse(pid, CultureInfo.InvariantCulture, out int id) || !IsRunning(id))
            {
                TryDelete(path);
            }
        }
    }

    /// <summary>The temporary name <paramref name="path"/> is written under by this process.</summary>
    internal static string Partial(string path) => path + PartialMark + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

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

    internal static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process holds it (or maps it, on Windows); the next build tries again.
        }
    }
}

/// <summary>A source file's size and modification time, what tells the cache the file is the one it decoded; size −1 for a missing file.</summary>
internal readonly record struct FileStamp(long Length, long Ticks)
{
    public static FileStamp Of(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? new FileStamp(file.Length, file.LastWriteTimeUtc.Ticks) : new FileStamp(-1, 0);
    }
}

/// <summary>The one process that may change a store: an exclusive lock on a file, which the operating system drops when the process ends however it ends.</summary>
internal static class StoreLock
{
    public static FileStream Acquire(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process is adding images to this store; wait for it.
                Task.Delay(100, cancellationToken).GetAwaiter().GetResult();
            }
        }
    }
}
