using AlexNet.Training;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

/// <summary>
/// The on-disk image cache: the same bytes as decoding in memory, so the same batches; reused while
/// nothing changed, rebuilt when a file or a setting did; an interrupted build never read.
/// </summary>
public sealed class ImageCacheTests
{
    private static (TempFolder Folder, DataCatalog Catalog) Folder(int perClass)
    {
        var folder = TestFiles.NewFolder();
        for (int i = 0; i < perClass; i++)
        {
            TestFiles.WriteImage(folder.Combine("data", "a", $"{i}.png"), 20 + i, 14, i);
            TestFiles.WriteImage(folder.Combine("data", "b", $"{i}.png"), 14, 17 + i, i + 50);
        }
        return (folder, DataCatalog.FromFolder(folder.Combine("data")));
    }

    private static ImageSet Open(string cache, DataCatalog catalog, List<ImageRejectedException>? skipped = null, ICacheProgress? progress = null, long shardBytes = ImageCache.ShardBytes) =>
        ImageCache.Open(cache, catalog.Items, 12, new ImageDecoder(), skipped ?? [], progress, TestContext.Current.CancellationToken, shardBytes);

    /// <summary>The cache's progress reports: what the store held (null until said), and the images decoded.</summary>
    private sealed class Counter : ICacheProgress
    {
        private int _decoded;

        public int? Stored { get; private set; }

        public int Decoded => Volatile.Read(ref _decoded);

        public int Ready => (Stored ?? 0) + Decoded;

        void ICacheProgress.Stored(int images)
        {
            Assert.Null(Stored); // said once, before any image is decoded
            Assert.Equal(0, Decoded);
            Stored = images;
        }

        void ICacheProgress.Decoded() => Interlocked.Increment(ref _decoded);
    }

    [Fact]
    public void Cached_images_are_the_decoded_bytes_and_give_the_same_batches_bit_for_bit()
    {
        var (folder, catalog) = Folder(perClass: 9);
        using var _ = folder;
        var memory = catalog.Decode(catalog.Items, 12, new ImageDecoder(), [], cancellationToken: TestContext.Current.CancellationToken);
        // Shards of 5 records: 18 images over four files.
        var cached = Open(folder.Combine("cache"), catalog, shardBytes: 5 * 12 * 12 * 3);

        Assert.Equal(4, Directory.GetFiles(Directory.GetDirectories(folder.Combine("cache")).Single(), "shard-*.bin").Length);
        Assert.Equal(memory.Count, cached.Count);
        for (int i = 0; i < memory.Count; i++)
        {
            Assert.Equal(memory.Pixels(i).ToArray(), cached.Pixels(i).ToArray());
            Assert.Equal(memory.Label(i), cached.Label(i));
            Assert.Equal(memory.Source(i), cached.Source(i));
        }
        var preprocessing = Preprocessing.Measure(memory, 8, standardize: false);
        Assert.Equal(preprocessing.Mean, Preprocessing.Measure(cached, 8, standardize: false).Mean);
        List<float[]> Batches(ImageSet set)
        {
            var pipeline = new InputPipeline(set, preprocessing, batchSize: 4, prefetch: 2, loaderThreads: 2);
            var result = new List<float[]>();
            using var queue = pipeline.Training(7, 2, pipeline.EpochOrder(7, 2), 0, TestContext.Current.CancellationToken);
            while (queue.Next() is { } batch)
            {
                using (batch)
                {
                    result.Add([.. batch.Inputs.ToArray(), .. batch.Labels.ToArray()]);
                }
            }
            return result;
        }
        Assert.Equal(Batches(memory), Batches(cached));
    }

    [Fact]
    public void An_unchanged_list_is_read_from_the_cache_and_a_changed_added_or_removed_file_decodes_only_itself()
    {
        var (folder, catalog) = Folder(perClass: 3);
        using var _ = folder;
        string cache = folder.Combine("cache");
        var first = new Counter();
        var before = Open(cache, catalog, progress: first);
        var second = new Counter();
        Open(cache, catalog, progress: second);
        TestFiles.WriteImage(catalog.Items[0].Source, 30, 14, 99);
        File.SetLastWriteTimeUtc(catalog.Items[0].Source, DateTime.UtcNow.AddMinutes(-5));
        var third = new Counter();
        var changed = Open(cache, DataCatalog.FromFolder(folder.Combine("data")), progress: third);
        TestFiles.WriteImage(folder.Combine("data", "a", "new.png"), 22, 15, 7);
        var fourth = new Counter();
        var added = Open(cache, DataCatalog.FromFolder(folder.Combine("data")), progress: fourth);
        File.Delete(folder.Combine("data", "b", "1.png"));
        var fifth = new Counter();
        var removed = Open(cache, DataCatalog.FromFolder(folder.Combine("data")), progress: fifth);

        Assert.Equal<(int?, int, int)>((0, 6, 6), (first.Stored, first.Decoded, first.Ready));
        Assert.Equal<(int?, int)>((6, 0), (second.Stored, second.Decoded));
        Assert.Equal<(int?, int, int)>((5, 1, 6), (third.Stored, third.Decoded, third.Ready));
        Assert.Equal<(int?, int, int)>((6, 1, 7), (fourth.Stored, fourth.Decoded, fourth.Ready));
        Assert.Equal<(int?, int)>((6, 0), (fifth.Stored, fifth.Decoded));
        Assert.Equal([6, 6, 7, 6], new[] { before.Count, changed.Count, added.Count, removed.Count });
        Assert.NotEqual(before.Pixels(0).ToArray(), changed.Pixels(0).ToArray());
        Assert.Equal(before.Pixels(1).ToArray(), changed.Pixels(1).ToArray());
        Assert.Single(Directory.GetDirectories(cache));
        Assert.NotEqual(ImageCache.Key(StoredForm.Square(12), new ImageDecoder()), ImageCache.Key(StoredForm.Square(16), new ImageDecoder()));
        Assert.NotEqual(ImageCache.Key(StoredForm.Square(12), new ImageDecoder()), ImageCache.Key(StoredForm.ShortSideOf(12), new ImageDecoder()));
    }

    [Fact]
    public void Short_side_records_keep_each_images_aspect_with_the_shorter_side_resized()
    {
        var (folder, catalog) = Folder(perClass: 2);
        using var _ = folder;
        var images = ImageCache.Open(folder.Combine("cache"), catalog.Items, StoredForm.ShortSideOf(12), new ImageDecoder(), [], null, TestContext.Current.CancellationToken);

        Assert.Equal(4, images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            using var source = SixLabors.ImageSharp.Image.Load(images.Source(i));
            var (width, height) = ImageDecoder.ShortSideShape(source.Width, source.Height, 12);
            Assert.Equal((height, width), (images.Height(i), images.Width(i)));
            Assert.Equal(12, Math.Min(height, width));
            Assert.Equal(height * width * 3, images.Pixels(i).Length);
        }
    }

    [Fact]
    public void An_interrupted_build_is_never_read_and_its_leftover_is_removed()
    {
        var (folder, catalog) = Folder(perClass: 3);
        using var _ = folder;
        string cache = folder.Combine("cache");
        string store = Path.Combine(cache, ImageCache.Key(StoredForm.Square(12), new ImageDecoder()));
        // What a killed build leaves: a half-written shard under the temporary name of a process that no longer runs.
        Directory.CreateDirectory(store);
        string leftover = Path.Combine(store, "shard-0000.bin.partial-999999999");
        File.WriteAllBytes(leftover, new byte[100]);
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                ImageCache.Open(cache, catalog.Items, 12, new ImageDecoder(), [], null, cancelled.Token));
        }

        Assert.False(File.Exists(leftover));
        Assert.Empty(Directory.GetFiles(store, "shard-*"));
        var counter = new Counter();
        var images = Open(cache, catalog, progress: counter);

        Assert.Equal<(int?, int)>((0, 6), (counter.Stored, counter.Decoded));
        Assert.Equal(6, images.Count);
        Assert.Empty(Directory.GetFiles(store, "*.partial-*"));
    }

    /// <summary>Cancels the build once <paramref name="ready"/> images are reported ready.</summary>
    private sealed class StopAt(int ready, CancellationTokenSource stop) : ICacheProgress
    {
        private int _ready;

        public void Stored(int images) => _ready = images;

        public void Decoded()
        {
            if (Interlocked.Increment(ref _ready) >= ready)
            {
                stop.Cancel();
            }
        }
    }

    [Fact]
    public void A_build_stopped_half_way_keeps_its_finished_shards_and_the_next_decodes_only_the_rest()
    {
        var (folder, catalog) = Folder(perClass: 150); // 300 images: more than one chunk of 256
        using var _ = folder;
        string cache = folder.Combine("cache");
        const long tenSquares = 10 * 12 * 12 * 3;
        using (var stop = new CancellationTokenSource())
        {
            // Stopped while the second chunk decodes: the first chunk's 256 are written, 25 shards of 10 finished, the 26th not.
            Assert.ThrowsAny<OperationCanceledException>(() =>
                ImageCache.Open(cache, catalog.Items, 12, new ImageDecoder(), [], new StopAt(280, stop), stop.Token, tenSquares));
        }
        string store = Assert.Single(Directory.GetDirectories(cache));
        Assert.Empty(Directory.GetFiles(store, "*.partial-*"));
        Assert.Equal(25, Directory.GetFiles(store, "shard-*.bin").Length);

        var counter = new Counter();
        var resumed = Open(cache, catalog, progress: counter, shardBytes: tenSquares);
        var fresh = Open(folder.Combine("fresh"), catalog, shardBytes: tenSquares);

        Assert.Equal<(int?, int)>((250, 50), (counter.Stored, counter.Decoded));
        Assert.Equal(300, resumed.Count);
        for (int i = 0; i < fresh.Count; i++)
        {
            Assert.True(fresh.Pixels(i).SequenceEqual(resumed.Pixels(i)), $"image {i} differs from a build that was never stopped");
        }
    }

    [Fact]
    public void Rejected_files_are_reported_again_when_read_from_the_cache()
    {
        var (folder, catalog) = Folder(perClass: 2);
        using var _ = folder;
        File.WriteAllText(folder.Combine("data", "b", "bad.jpg"), "garbage");
        catalog = DataCatalog.FromFolder(folder.Combine("data"));
        var built = new List<ImageRejectedException>();
        var reread = new List<ImageRejectedException>();

        var first = Open(folder.Combine("cache"), catalog, built);
        var second = Open(folder.Combine("cache"), catalog, reread);

        Assert.Equal(4, first.Count);
        Assert.Equal(4, second.Count);
        Assert.Equal(built.Select(e => e.Message), reread.Select(e => e.Message));
        Assert.Equal("bad.jpg", Path.GetFileName(Assert.Single(reread).Path));
    }

    [Fact]
    public void A_shard_shorter_than_its_index_says_is_refused()
    {
        var (folder, catalog) = Folder(perClass: 2);
        using var _ = folder;
        Open(folder.Combine("cache"), catalog);
        string shard = Directory.GetFiles(Directory.GetDirectories(folder.Combine("cache")).Single(), "shard-*.bin").Single();
        File.WriteAllBytes(shard, new byte[10]);

        var error = Assert.Throws<AppException>(() => Open(folder.Combine("cache"), catalog));

        Assert.Contains("has 10 bytes; its index says its 4 records take 1728 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Delete the folder '{Path.GetDirectoryName(shard)}'", error.Message, StringComparison.Ordinal);
    }
}
