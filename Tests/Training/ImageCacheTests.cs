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

    private static ImageSet Open(string cache, DataCatalog catalog, List<ImageRejectedException>? skipped = null, IProgress<int>? progress = null, long shardBytes = ImageCache.ShardBytes) =>
        ImageCache.Open(cache, catalog.Items, 12, new ImageDecoder(), skipped ?? [], progress, TestContext.Current.CancellationToken, shardBytes);

    private sealed class Counter : IProgress<int>
    {
        public int Calls;

        public void Report(int value) => Interlocked.Increment(ref Calls);
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
    public void An_unchanged_list_is_read_from_the_cache_and_a_changed_file_builds_a_new_entry()
    {
        var (folder, catalog) = Folder(perClass: 3);
        using var _ = folder;
        string cache = folder.Combine("cache");
        var first = new Counter();
        Open(cache, catalog, progress: first);
        var second = new Counter();
        Open(cache, catalog, progress: second);
        File.SetLastWriteTimeUtc(catalog.Items[0].Source, DateTime.UtcNow.AddMinutes(-5));
        var third = new Counter();
        var changed = Open(cache, DataCatalog.FromFolder(folder.Combine("data")), progress: third);

        Assert.Equal(6, first.Calls);
        Assert.Equal(0, second.Calls);
        Assert.Equal(6, third.Calls);
        Assert.Equal(6, changed.Count);
        Assert.Equal(2, Directory.GetDirectories(cache).Length);
        Assert.NotEqual(ImageCache.Key(catalog.Items, 12, new ImageDecoder()), ImageCache.Key(catalog.Items, 16, new ImageDecoder()));
    }

    [Fact]
    public void An_interrupted_build_is_never_read_and_its_leftover_is_removed()
    {
        var (folder, catalog) = Folder(perClass: 3);
        using var _ = folder;
        string cache = folder.Combine("cache");
        string key = ImageCache.Key(catalog.Items, 12, new ImageDecoder());
        // What a killed build leaves: a half-written shard under the temporary name of a process that no longer runs.
        string leftover = Path.Combine(cache, key + ".partial-999999999");
        Directory.CreateDirectory(leftover);
        File.WriteAllBytes(Path.Combine(leftover, "shard-0000.bin"), new byte[100]);
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                ImageCache.Open(cache, catalog.Items, 12, new ImageDecoder(), [], null, cancelled.Token));
        }

        Assert.Empty(Directory.GetDirectories(cache));
        var counter = new Counter();
        var images = Open(cache, catalog, progress: counter);

        Assert.Equal(6, counter.Calls);
        Assert.Equal(6, images.Count);
        Assert.Equal([key], Directory.GetDirectories(cache).Select(Path.GetFileName));
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

        var error = Assert.Throws<InvalidDataException>(() => Open(folder.Combine("cache"), catalog));

        Assert.Contains("has 10 bytes; its index says 4 records of 432 bytes", error.Message, StringComparison.Ordinal);
    }
}
