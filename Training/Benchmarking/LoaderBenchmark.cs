using System.Diagnostics;
using System.Globalization;
using AlexNet.Training.Data;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// What <c>alexnet bench --loader DIR</c> measures: the first pass that fills the image cache
/// (decode + resize + write, images/s), then the input pipeline alone (read from the memory-mapped
/// cache, crop, flip, PCA lighting, into batches) with the batches dropped as soon as they arrive,
/// so the figure is the most a training step could be fed. Memory is reported as the managed heap's
/// peak and the process's anonymous resident memory (what the cache's mapped pages, which the
/// operating system can drop at any time, do not count in).
/// </summary>
public static class LoaderBenchmark
{
    /// <summary>One measured configuration of the loader.</summary>
    public sealed record Result(int LoaderThreads, int Images, double Seconds, double DataWaitSeconds)
    {
        public double ImagesPerSecond => Images / Seconds;
    }

    /// <summary>The cache pass: how many images were decoded (0 when the entry existed) and how long it took.</summary>
    public sealed record CachePass(int Decoded, double Seconds, long Bytes);

    /// <summary>Opens (building if needed) the cache of <paramref name="items"/>, or decodes them into memory when <paramref name="cacheFolder"/> is null.</summary>
    public static (ImageSet Images, CachePass Pass) Load(DataCatalog catalog, IReadOnlyList<DataItem> items, StoredForm form, ImageDecoder decoder,
        string? cacheFolder, List<ImageRejectedException> skipped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var counter = new DecodedCounter();
        var clock = Stopwatch.StartNew();
        var images = cacheFolder is null
            ? catalog.Decode(items, form, decoder, skipped, cancellationToken)
            : ImageCache.Open(cacheFolder, items, form, decoder, skipped, counter, cancellationToken);
        double seconds = clock.Elapsed.TotalSeconds;
        int decoded = cacheFolder is null ? items.Count : counter.Count;
        long bytes = 0;
        for (int i = 0; i < images.Count; i++)
        {
            bytes += (long)images.Height(i) * images.Width(i) * 3;
        }
        return (images, new CachePass(decoded, seconds, bytes));
    }

    /// <summary>
    /// Streams training batches of <paramref name="images"/> for at least <paramref name="minSeconds"/>
    /// and one epoch, sampling memory after every batch into <paramref name="memory"/>.
    /// </summary>
    public static Result Measure(ImageSet images, Preprocessing preprocessing, int batchSize, int loaderThreads, int prefetch, double minSeconds,
        MemoryPeak memory, CancellationToken cancellationToken, AugmentationSettings? augmentation = null, SoftTargetSettings? targets = null, int classes = 0)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var pipeline = new InputPipeline(images, preprocessing, batchSize, null, prefetch, loaderThreads, augmentation)
        {
            Targets = targets ?? SoftTargetSettings.None,
            TargetClasses = classes,
        };
        if (pipeline.TrainingBatches == 0)
        {
            throw new AppException($"The data set has {images.Count} images, fewer than one batch of {batchSize}; pass a smaller --batch-size.");
        }
        var clock = Stopwatch.StartNew();
        int seen = 0;
        double waited = 0;
        for (int epoch = 0; epoch == 0 || clock.Elapsed.TotalSeconds < minSeconds; epoch++)
        {
            using var queue = pipeline.Training(1, epoch, pipeline.EpochOrder(1, epoch), 0, cancellationToken);
            while (queue.Next() is { } batch)
            {
                seen += batch.Count;
                batch.Dispose();
                memory.Sample();
            }
            waited += queue.WaitSeconds;
        }
        return new Result(loaderThreads, seen, clock.Elapsed.TotalSeconds, waited);
    }

    /// <summary>Counts the images the cache decoded, on the decoding threads.</summary>
    private sealed class DecodedCounter : ICacheProgress
    {
        private int _decoded;

        public int Count => Volatile.Read(ref _decoded);

        public void Stored(int images)
        {
            // The pass times the decoding alone; what the store held costs nothing to count.
        }

        public void Decoded() => Interlocked.Increment(ref _decoded);
    }
}

/// <summary>The largest managed heap and anonymous resident memory seen by <see cref="Sample"/>.</summary>
public sealed class MemoryPeak
{
    public long HeapBytes { get; private set; }

    /// <summary>Anonymous resident bytes (Linux <c>RssAnon</c>); 0 where the system does not say.</summary>
    public long AnonymousBytes { get; private set; }

    public void Sample()
    {
        HeapBytes = Math.Max(HeapBytes, GC.GetGCMemoryInfo().HeapSizeBytes);
        AnonymousBytes = Math.Max(AnonymousBytes, AnonymousResidentBytes());
    }

    /// <summary>The process's resident memory that is not a mapped file: heaps, stacks, the runtime (Linux only; 0 elsewhere).</summary>
    public static long AnonymousResidentBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                return long.Parse(line["RssAnon:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}
