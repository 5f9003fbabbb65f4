using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

/// <summary>
/// Label smoothing, mixup and cutmix below the command line: the Gamma and Beta samplers' moments,
/// the target rows, each batch's draw, the mixing of inputs, and the loader's soft-target batches.
/// </summary>
public sealed class SoftTargetTests
{
    private const int Draws = 200_000;

    private static (double Mean, double Variance) Moments(Func<RandomStream.Sequence, double> draw)
    {
        var random = new RandomStream.Sequence(20261203, RandomStream.Purpose.Mix, 0, 0);
        double sum = 0, squares = 0;
        for (int i = 0; i < Draws; i++)
        {
            double x = draw(random);
            sum += x;
            squares += x * x;
        }
        double mean = sum / Draws;
        return (mean, (squares / Draws) - (mean * mean));
    }

    // Tolerances of five standard errors: the sample mean's is √(σ²/n), the sample variance's
    // √((μ₄ − σ⁴)/n) = σ²·√((kurtosis − 1)/n); a correct sampler is outside it with probability below 10⁻⁶.
    private static void AssertMoments(string what, (double Mean, double Variance) sample, double mean, double variance, double kurtosis)
    {
        double meanTolerance = 5 * Math.Sqrt(variance / Draws);
        double varianceTolerance = 5 * variance * Math.Sqrt((kurtosis - 1) / Draws);
        Assert.True(Math.Abs(sample.Mean - mean) <= meanTolerance, $"{what}: mean {sample.Mean}, expected {mean} ± {meanTolerance}");
        Assert.True(Math.Abs(sample.Variance - variance) <= varianceTolerance, $"{what}: variance {sample.Variance}, expected {variance} ± {varianceTolerance}");
    }

    [Theory]
    [InlineData(0.2)] // below 1: Gamma(shape + 1) times u^(1/shape)
    [InlineData(1)]
    [InlineData(2.5)]
    [InlineData(10)]
    public void Gamma_draws_have_mean_and_variance_equal_to_the_shape(double shape)
    {
        // Gamma(k, 1): mean k, variance k, kurtosis 3 + 6/k.
        AssertMoments($"Gamma({shape})", Moments(random => BetaSampler.Gamma(shape, random)), shape, shape, 3 + (6 / shape));
    }

    [Theory]
    [InlineData(0.2, 0.2)] // mixup's usual α: λ piles up near 0 and 1
    [InlineData(1, 1)] // cutmix's usual α: uniform
    [InlineData(2, 5)]
    public void Beta_draws_have_the_distributions_mean_and_variance_and_stay_in_0_to_1(double a, double b)
    {
        double s = a + b;
        double mean = a / s, variance = a * b / (s * s * (s + 1));
        double excess = 6 * ((((a - b) * (a - b)) * (s + 1)) - (a * b * (s + 2))) / (a * b * (s + 2) * (s + 3));
        double lowest = 1, highest = 0;
        var sample = Moments(random =>
        {
            double x = BetaSampler.Beta(a, b, random);
            (lowest, highest) = (Math.Min(lowest, x), Math.Max(highest, x));
            return x;
        });
        AssertMoments($"Beta({a}, {b})", sample, mean, variance, 3 + excess);
        Assert.InRange(lowest, 0, 1);
        Assert.InRange(highest, 0, 1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void A_gamma_shape_that_is_not_positive_is_refused(double shape)
    {
        var random = new RandomStream.Sequence(1, RandomStream.Purpose.Mix, 0, 0);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BetaSampler.Gamma(shape, random));
        Assert.Contains("shape must be a positive number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_rows_are_smoothed_mixed_distributions()
    {
        var row = new float[4];

        BatchMixing.WriteTarget(2, 2, 1, 0, row);
        Assert.Equal([0f, 0f, 1f, 0f], row);

        BatchMixing.WriteTarget(1, 1, 1, 0.1, row);
        Assert.Equal([0.025f, 0.925f, 0.025f, 0.025f], row);

        BatchMixing.WriteTarget(0, 3, 0.7, 0.2, row);
        Assert.Equal([(float)(0.05 + (0.8 * 0.7)), 0.05f, 0.05f, (float)(0.05 + (0.8 * 0.3))], row);
        Assert.Equal(1, row.Sum(), 6);

        BatchMixing.WriteTarget(3, 3, 0.4, 0, row); // a partner of the same class: still one-hot
        Assert.Equal([0f, 0f, 0f, 1f], row);
        Assert.Equal(0, BatchMixing.DominantLabel(0, 3, 0.5));
        Assert.Equal(3, BatchMixing.DominantLabel(0, 3, 0.49));
    }

    [Fact]
    public void A_batch_draw_is_a_pure_function_of_seed_epoch_and_batch_and_cutmix_lambda_is_the_area_kept()
    {
        var cutmix = new SoftTargetSettings(CutmixAlpha: 1);
        const int Crop = 20, Batch = 8;
        var kinds = new HashSet<MixKind>();
        for (int b = 0; b < 200; b++)
        {
            var draw = BatchMixing.Draw(cutmix, 3, 1, b, Batch, Crop);
            var again = BatchMixing.Draw(cutmix, 3, 1, b, Batch, Crop);
            Assert.Equal((draw.Kind, draw.Lambda, draw.BoxX, draw.BoxY, draw.BoxWidth, draw.BoxHeight), (again.Kind, again.Lambda, again.BoxX, again.BoxY, again.BoxWidth, again.BoxHeight));
            Assert.Equal(draw.Partners, again.Partners);
            Assert.Equal(Enumerable.Range(0, Batch), draw.Partners.Order());
            Assert.Equal(MixKind.Cutmix, draw.Kind);
            Assert.True(draw.BoxX >= 0 && draw.BoxY >= 0 && draw.BoxX + draw.BoxWidth <= Crop && draw.BoxY + draw.BoxHeight <= Crop, $"box {draw} leaves the {Crop}×{Crop} crop");
            Assert.Equal(1 - ((double)draw.BoxWidth * draw.BoxHeight / (Crop * Crop)), draw.Lambda, 12);
            kinds.Add(BatchMixing.Draw(new SoftTargetSettings(MixupAlpha: 0.2, CutmixAlpha: 1), 3, 1, b, Batch, Crop).Kind);
        }
        Assert.Equal([MixKind.Mixup, MixKind.Cutmix], kinds.Order());
        Assert.NotEqual(BatchMixing.Draw(cutmix, 3, 1, 0, Batch, Crop).Lambda, BatchMixing.Draw(cutmix, 3, 2, 0, Batch, Crop).Lambda);
        Assert.Same(MixDraw.None, BatchMixing.Draw(new SoftTargetSettings(LabelSmoothing: 0.1), 3, 1, 0, Batch, Crop));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void The_share_of_mixed_batches_is_the_mix_probability(double p)
    {
        const int Batches = 4000;
        var settings = new SoftTargetSettings(MixupAlpha: 0.2, MixProbability: p);
        int mixed = Enumerable.Range(0, Batches).Count(b => BatchMixing.Draw(settings, 9, 0, b, 4, 8).Kind != MixKind.None);
        double tolerance = 5 * Math.Sqrt(p * (1 - p) / Batches); // five standard errors of a binomial share
        Assert.True(Math.Abs(((double)mixed / Batches) - p) <= tolerance, $"{mixed} of {Batches} batches mixed, expected a share of {p} ± {tolerance}");
    }

    [Fact]
    public void Mixup_blends_the_inputs_and_cutmix_pastes_exactly_the_box()
    {
        const int Crop = 4;
        float[] own = [.. Enumerable.Range(0, 3 * Crop * Crop).Select(i => (float)i)];
        float[] partner = [.. own.Select(v => -1 - v)];

        var blended = own.ToArray();
        BatchMixing.MixInput(blended, partner, new MixDraw(MixKind.Mixup, 0.75, 0, 0, 0, 0, [0]), Crop);
        Assert.Equal(own.Zip(partner, (x, y) => (0.75f * x) + (0.25f * y)), blended);

        var pasted = own.ToArray();
        BatchMixing.MixInput(pasted, partner, new MixDraw(MixKind.Cutmix, 0.75, 1, 2, 2, 2, [0]), Crop);
        for (int i = 0; i < pasted.Length; i++)
        {
            int x = i % Crop, y = i / Crop % Crop;
            bool inBox = x is >= 1 and < 3 && y is >= 2 and < 4;
            Assert.Equal(inBox ? partner[i] : own[i], pasted[i]);
        }

        var unmixed = own.ToArray();
        BatchMixing.MixInput(unmixed, partner, MixDraw.None, Crop);
        Assert.Equal(own, unmixed);
        Assert.Throws<ArgumentException>(() => BatchMixing.MixInput(own.AsSpan(1), partner, MixDraw.None, Crop));
    }

    [Theory]
    [InlineData(-0.1, 0, 0, 1, "--label-smoothing -0.1 is out of range")]
    [InlineData(1, 0, 0, 1, "--label-smoothing 1 is out of range")]
    [InlineData(0, -1, 0, 1, "--mixup -1 is out of range")]
    [InlineData(0, 0, double.PositiveInfinity, 1, "--cutmix Infinity is out of range")]
    [InlineData(0, 0.2, 0, 1.5, "--mix-prob 1.5 is out of range")]
    public void Values_out_of_range_are_refused_naming_the_option(double smoothing, double mixup, double cutmix, double p, string message)
    {
        var error = Assert.Throws<AlexNet.Training.AppException>(() => new SoftTargetSettings(smoothing, mixup, cutmix, p).Validated());
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    private static Preprocessing Plain(int stored, int crop) =>
        new(stored, crop, [10, 20, 30], [1, 1, 1], [0.05, 0.01, 0.002], [1, 0, 0, 0, 1, 0, 0, 0, 1]);

    private static ImageSet Images(int count, int size) => new(size,
        [.. Enumerable.Range(0, count).Select(i => Enumerable.Range(0, size * size * 3).Select(p => (byte)(((p * 37) + (i * 11)) % 251)).ToArray())],
        [.. Enumerable.Range(0, count).Select(i => i % 4)], [.. Enumerable.Range(0, count).Select(i => $"{i}")]);

    /// <summary>Every training batch of one epoch as (inputs, labels, targets), from batch <paramref name="firstBatch"/> on.</summary>
    private static List<(float[] Inputs, int[] Labels, float[] Targets)> Epoch(InputPipeline pipeline, int firstBatch = 0)
    {
        var result = new List<(float[], int[], float[])>();
        using var queue = pipeline.Training(5, 2, pipeline.EpochOrder(5, 2), firstBatch, TestContext.Current.CancellationToken);
        while (queue.Next() is { } batch)
        {
            using (batch)
            {
                result.Add((batch.Inputs.ToArray(), batch.Labels.ToArray(), batch.Targets.ToArray()));
            }
        }
        return result;
    }

    [Fact]
    public void Without_the_options_batches_have_no_targets_and_smoothing_alone_leaves_the_inputs_as_they_were()
    {
        var set = Images(24, 12);
        var hard = Epoch(new InputPipeline(set, Plain(12, 8), batchSize: 6));
        var none = Epoch(new InputPipeline(set, Plain(12, 8), batchSize: 6) { Targets = SoftTargetSettings.None, TargetClasses = 4 });
        var smoothed = Epoch(new InputPipeline(set, Plain(12, 8), batchSize: 6) { Targets = new SoftTargetSettings(LabelSmoothing: 0.2), TargetClasses = 4 });

        Assert.All(hard, b => Assert.Empty(b.Targets));
        Assert.Equal(hard, none, new BatchComparer());
        Assert.Equal(hard.Count, smoothed.Count);
        for (int b = 0; b < hard.Count; b++)
        {
            Assert.Equal(hard[b].Inputs, smoothed[b].Inputs);
            Assert.Equal(hard[b].Labels, smoothed[b].Labels);
            float[] expected = [.. hard[b].Labels.SelectMany(label => Enumerable.Range(0, 4).Select(k => k == label ? 0.85f : 0.05f))];
            Assert.Equal(expected, smoothed[b].Targets);
        }
    }

    [Fact]
    public void Mixed_batches_repeat_across_thread_counts_mid_epoch_starts_and_ranks()
    {
        var set = Images(32, 12);
        var settings = new SoftTargetSettings(LabelSmoothing: 0.1, MixupAlpha: 0.4, CutmixAlpha: 1);
        InputPipeline Pipeline(int threads, BatchShard? shard = null) =>
            new(set, Plain(12, 8), batchSize: 8, shard, prefetch: threads, loaderThreads: threads) { Targets = settings, TargetClasses = 4 };

        var whole = Epoch(Pipeline(4));
        var hard = Epoch(new InputPipeline(set, Plain(12, 8), batchSize: 8));

        Assert.Equal(whole, Epoch(Pipeline(1)), new BatchComparer());
        Assert.Equal(whole.Skip(2), Epoch(Pipeline(2), firstBatch: 2), new BatchComparer());
        // Two data-parallel ranks build the halves of each batch, the partners' inputs included.
        var first = Epoch(Pipeline(2, new BatchShard(0, 2)));
        var second = Epoch(Pipeline(2, new BatchShard(1, 2)));
        for (int b = 0; b < whole.Count; b++)
        {
            Assert.Equal(whole[b].Inputs, first[b].Inputs.Concat(second[b].Inputs));
            Assert.Equal(whole[b].Targets, first[b].Targets.Concat(second[b].Targets));
            Assert.Equal(whole[b].Labels, first[b].Labels.Concat(second[b].Labels));
        }
        // Every row a distribution; mixing changed the inputs of some batch.
        Assert.All(whole, b => Assert.All(b.Targets.Chunk(4), row => Assert.Equal(1, row.Sum(), 5)));
        Assert.Contains(Enumerable.Range(0, whole.Count), b => !whole[b].Inputs.SequenceEqual(hard[b].Inputs));
    }

    [Fact]
    public void Soft_targets_without_the_number_of_classes_are_refused()
    {
        var pipeline = new InputPipeline(Images(8, 12), Plain(12, 8), batchSize: 4) { Targets = new SoftTargetSettings(LabelSmoothing: 0.1) };
        var error = Assert.Throws<InvalidOperationException>(() => pipeline.Training(1, 0, pipeline.EpochOrder(1, 0), 0, TestContext.Current.CancellationToken));
        Assert.Contains("need the number of classes", error.Message, StringComparison.Ordinal);
    }

    private sealed class BatchComparer : IEqualityComparer<(float[] Inputs, int[] Labels, float[] Targets)>
    {
        public bool Equals((float[] Inputs, int[] Labels, float[] Targets) x, (float[] Inputs, int[] Labels, float[] Targets) y) =>
            x.Inputs.SequenceEqual(y.Inputs) && x.Labels.SequenceEqual(y.Labels) && x.Targets.SequenceEqual(y.Targets);

        public int GetHashCode((float[] Inputs, int[] Labels, float[] Targets) obj) => obj.Labels.Length;
    }
}
