using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Distributed;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;
using AlexNet.Training.Distributed;

namespace AlexNet.Tests.Distributed;

/// <summary>
/// One data-parallel step on ranks as threads: N copies of mini, each with its rows of a batch, with
/// their gradients averaged by <see cref="GradientBuckets"/>, hold the gradient one model computes on
/// the whole batch (dropout included: the shards draw their rows of the whole batch's mask).
/// </summary>
public sealed class DataParallelStepTests
{
    private const int Batch = 8, Classes = 4;
    private const ulong Seed = 11;

    [Theory]
    [InlineData(2, true, GradientBuckets.DefaultBucketBytes)]
    [InlineData(2, false, GradientBuckets.DefaultBucketBytes)]
    [InlineData(4, true, 64 << 10)]
    [InlineData(4, false, 64 << 10)]
    public void Averaged_shard_gradients_equal_the_whole_batchs_gradient(int ranks, bool overlap, int bucketBytes)
    {
        var (images, labels) = RandomBatch();
        var expected = WholeBatchGradients(images, labels);

        var results = CommunicatorTests.OnRanks(ranks, communicator =>
        {
            using var backend = Cpu();
            using var model = Mini(backend);
            using var parallel = new DataParallel(communicator, model, overlap, bucketBytes);
            int rows = Batch / ranks, first = communicator.Rank * rows;
            GradientStep.Run(model, images.AsSpan(first * ImageLength, rows * ImageLength).ToArray(), labels.AsSpan(first, rows).ToArray(), parallel);
            return model.Parameters.Select(p => p.Gradient.ToArray()).ToArray();
        });

        foreach (var gradients in results)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                var shape = new Shape(expected[i].Length);
                Compare.Close($"{ranks} ranks, gradient {i}", shape, gradients[i], [.. expected[i].Select(v => (double)v)], 1e-6, 1e-4);
            }
        }
        // Every rank ends with bit-identical gradients, so their updates keep the weights identical.
        Assert.All(results, r => Assert.Equal(results[0].SelectMany(g => g), r.SelectMany(g => g)));
    }

    [Fact]
    public void Buckets_follow_backwards_order_and_stay_under_the_size_unless_one_parameter_is_larger()
    {
        using var backend = Cpu();
        using var model = Mini(backend);
        using var group = new InProcessGroup(1, TimeSpan.FromSeconds(5));
        const int limit = 40 << 10;

        using var buckets = new GradientBuckets(model.Parameters, backend, group.Members[0], limit, overlap: false);

        var order = buckets.Buckets.SelectMany(b => b).ToList();
        Assert.Equal(model.Parameters.Reverse(), order);
        Assert.All(buckets.Buckets, b => Assert.True(b.Count == 1 || b.Sum(p => p.Length) * sizeof(float) <= limit, $"a bucket of {b.Count} parameters holds {b.Sum(p => p.Length) * 4} bytes"));
        Assert.True(buckets.BucketCount > 2);
        Assert.Equal(model.ParameterCount * sizeof(float), buckets.BytesPerStep);
    }

    [Fact]
    public void Finishing_before_backward_reported_every_layer_is_refused()
    {
        using var backend = Cpu();
        using var model = Mini(backend);
        using var group = new InProcessGroup(1, TimeSpan.FromSeconds(5));
        using var buckets = new GradientBuckets(model.Parameters, backend, group.Members[0], overlap: false);
        buckets.LayerDone(model["fc8"]);

        var e = Assert.Throws<InvalidOperationException>(buckets.Finish);

        Assert.Contains("every layer must report through LayerDone before Finish", e.Message, StringComparison.Ordinal);
    }

    private static int ImageLength => 3 * 64 * 64;

    private static IBackend Cpu() => new CpuBackend(new CpuBackendOptions { Threads = 1 });

    private static Sequential Mini(IBackend backend)
    {
        var model = ModelVariants.Get("mini").Build(backend, Classes, Seed);
        model.IsTraining = true;
        return model;
    }

    private static (float[] Images, float[] Labels) RandomBatch()
    {
        var random = new Random(3);
        float[] images = [.. Enumerable.Range(0, Batch * ImageLength).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        float[] labels = [.. Enumerable.Range(0, Batch).Select(i => (float)(i % Classes))];
        return (images, labels);
    }

    private static float[][] WholeBatchGradients(float[] images, float[] labels)
    {
        using var backend = Cpu();
        using var model = Mini(backend);
        GradientStep.Run(model, images, labels, null);
        return [.. model.Parameters.Select(p => p.Gradient.ToArray())];
    }
}
