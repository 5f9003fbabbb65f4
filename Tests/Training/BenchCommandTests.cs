using System.Globalization;
using System.Text.RegularExpressions;

namespace AlexNet.Tests.Training;

/// <summary>
/// The output contract of <c>alexnet bench</c> on a tiny model and one timed step: the lines scripts
/// and the performance docs read. No timing is asserted — speed is measured by the command, not tested.
/// </summary>
public sealed partial class BenchCommandTests
{
    /// <summary>The contract line: the mode, then the throughput as "&lt;number&gt; img/s".</summary>
    [GeneratedRegex(@"(?m)^.*\btrain\b.*?(?<rate>\d+(\.\d+)?) img/s")]
    private static partial Regex TrainLine();

    private static readonly string[] OneQuickStep = ["--warmup", "0", "--iterations", "1", "--max-iterations", "1", "--min-seconds", "0"];

    private static async Task<AppRunner.Result> Run(params string[] args)
    {
        using var work = TestFiles.NewFolder();
        return await AppRunner.RunAsync(work.Path, null, [.. args, .. OneQuickStep]);
    }

    [Fact]
    public async Task Train_prints_a_line_with_the_throughput_in_images_per_second()
    {
        var result = await Run("bench", "--model", "mini", "--classes", "3", "--batch-size", "2", "--threads", "1", "--train");

        Assert.True(result.ExitCode == 0, result.Error);
        var match = TrainLine().Match(result.Output);
        Assert.True(match.Success, result.Output);
        Assert.True(double.Parse(match.Groups["rate"].Value, CultureInfo.InvariantCulture) > 0, match.Value);
        Assert.DoesNotContain("inference", result.Output, StringComparison.Ordinal);
        Assert.Contains("memory: peak resident", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"GC \d+/\d+/\d+", result.Output);
    }

    [Fact]
    public async Task Layers_lists_every_layer_with_forward_and_backward_times_and_a_closing_table()
    {
        var result = await Run("bench", "--model", "mini", "--classes", "3", "--batch-size", "2", "1", "--threads", "1", "--layers");

        Assert.True(result.ExitCode == 0, result.Error);
        foreach (string layer in new[] { "conv1", "norm1", "pool1", "conv5", "flatten", "fc6", "drop7", "fc8", "loss", "update" })
        {
            Assert.Matches($@"(?m)^\s+{layer}\s", result.Output);
        }
        Assert.Matches(@"(?m)^\s+mini b=2 threads=1 inference: .* img/s", result.Output);
        Assert.Matches(@"(?m)^\s+mini b=1 threads=1 train: .* img/s", result.Output);
        Assert.Matches(@"(?m)^\| mini \| 1 \| 2 \| \d+\.\d \| \d+\.\d \|", result.Output);
        // Each layer is placed against the measured ceilings: bytes, GB/s and the share of the bandwidth.
        Assert.Matches(@"roofline, 1 thread\(s\): peak \d+\.\d GFLOP/s .* \d+\.\d GB/s triad", result.Output);
        Assert.Matches(@"(?m)^\s+pool1\s.*\s\d+\.\d+\s+\d+\.\d+\s+\d+\.\d\s+\d+\.\d\s+\d+%\s+\d+%$", result.Output);
        // relu5's forward is done by conv5's (the fused write-out), its backward by pool5's.
        Assert.Matches(@"(?m)^\s+relu5\s+ReLU\s.*\sfused\s+fused\s", result.Output);
        Assert.Matches(@"(?m)^\s+conv5\s+Conv2d\s.*\s\d+\.\d\d\s+\d+\.\d\d\s", result.Output);
        Assert.Matches(@"(?m)^\s+update\s.*\s\d+\.\d\s+\d+\.\d\s+\d+%$", result.Output);
    }

    [Fact]
    public async Task Layers_with_adamw_reports_the_adamw_update_and_its_bandwidth()
    {
        var result = await Run("bench", "--model", "mini", "--classes", "3", "--batch-size", "1", "--threads", "1", "--train", "--layers", "--optimizer", "adamw");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"(?m)^\s+update\s+zero gradients \+ AdamW\s.*\s\d+\.\d\s+\d+\.\d\s+\d+%$", result.Output);
    }

    [Fact]
    public async Task Gemm_alone_measures_the_matrix_multiply_and_no_model()
    {
        var result = await Run("bench", "--gemm", "37", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"GEMM fp32 37x37x37, 1 thread\(s\): .* \d+(\.\d+)? GFLOP/s \(median\)", result.Output);
        Assert.DoesNotContain("img/s", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_with_batch_norm_on_one_image_is_skipped_with_the_reason()
    {
        var result = await Run("bench", "--model", "keras-blog", "--classes", "3", "--batch-size", "1", "--threads", "1", "--train");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("keras-blog b=1 threads=1 train: skipped, batch norm", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "bench", "--batch-size", "0" }, "--batch-size must be at least 1")]
    [InlineData(new[] { "bench", "--model", "vgg16" }, "vgg16")]
    [InlineData(new[] { "bench", "--gemm", "0" }, "--gemm must be at least 1")]
    public async Task Bad_options_are_one_line_usage_errors(string[] args, string expected)
    {
        using var work = TestFiles.NewFolder();
        var result = await AppRunner.RunAsync(work.Path, null, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }
}
