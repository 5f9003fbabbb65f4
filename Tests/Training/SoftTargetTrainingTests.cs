using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

/// <summary><c>train --label-smoothing</c>, <c>--mixup</c>, <c>--cutmix</c> and <c>--mix-prob</c> end to end, on the <c>mini</c> model and the synthetic data set.</summary>
public sealed class SoftTargetTrainingTests
{
    // 4 classes × 40 images → 80 training images; batch 8 → 10 steps per epoch.
    private static readonly string[] Mini = ["train", "--model", "mini", "--synthetic", "--batch-size", "8", "--seed", "7"];

    private static string[] Args(params string[] more) => [.. Mini, .. more];

    private static double[][] Metrics(string runFolder) =>
        [.. File.ReadAllLines(Path.Combine(runFolder, "metrics.csv")).Skip(1)
            .Select(line => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];

    private static void AssertSameTensors(string expectedFile, string actualFile)
    {
        var expected = Checkpoint.Read(expectedFile).Tensors.ToDictionary();
        var actual = Checkpoint.Read(actualFile).Tensors.ToDictionary();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.All(expected, pair => Assert.True(pair.Value.Data.AsSpan().SequenceEqual(actual[pair.Key].Data), $"{pair.Key} differs"));
    }

    [Theory]
    [InlineData("label smoothing 0.1 (train loss against these targets)", "--label-smoothing", "0.1")]
    [InlineData("mixup α 0.4, 100% of the batches mixed (train loss against these targets, train top-1 against each image's dominant label)", "--mixup", "0.4")]
    [InlineData("cutmix α 1, 100% of the batches mixed", "--cutmix", "1")]
    [InlineData("label smoothing 0.1, mixup α 0.2, cutmix α 1, 50% of the batches mixed, one of the two per batch", "--label-smoothing", "0.1", "--mixup", "0.2", "--cutmix", "1", "--mix-prob", "0.5")]
    public async Task Each_option_trains_with_a_finite_falling_loss_and_is_kept_in_the_checkpoint(string said, params string[] options)
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, Args([.. options, "--epochs", "4", "--name", "run"]));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"Targets: {said}", result.Output, StringComparison.Ordinal);
        var metrics = Metrics(work.Combine("runs", "run"));
        Assert.Equal(4, metrics.Length);
        Assert.All(metrics, m => Assert.True(double.IsFinite(m[2]) && double.IsFinite(m[4]), $"epoch {m[0]}: train loss {m[2]}, validation loss {m[4]}"));
        Assert.True(metrics[^1][2] < metrics[0][2], $"train loss went from {metrics[0][2]} to {metrics[^1][2]}");
        Assert.True(metrics[^1][4] < Math.Log(4), $"final validation loss {metrics[^1][4]} (hard labels) is not below chance (ln 4)");
        var state = Checkpoint.Read(work.Combine("runs", "run", "last.safetensors")).State;
        Assert.NotNull(state.SoftTargets);
        Assert.True(state.SoftTargets.Enabled);
    }

    [Fact]
    public async Task Options_at_zero_are_hard_labels_bit_for_bit_and_store_no_soft_targets()
    {
        using var work = TestFiles.NewFolder();
        var plain = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "plain"));
        var zeros = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "zeros", "--label-smoothing", "0", "--mixup", "0", "--cutmix", "0"));

        Assert.Equal((0, 0), (plain.ExitCode, zeros.ExitCode));
        Assert.DoesNotContain("Targets:", zeros.Output, StringComparison.Ordinal);
        AssertSameTensors(work.Combine("runs", "plain", "last.safetensors"), work.Combine("runs", "zeros", "last.safetensors"));
        Assert.Null(Checkpoint.Read(work.Combine("runs", "zeros", "last.safetensors")).State.SoftTargets);
    }

    [Fact]
    public async Task A_run_with_mixup_stopped_mid_epoch_and_resumed_ends_with_the_weights_of_an_uninterrupted_one()
    {
        using var work = TestFiles.NewFolder();
        string[] mixing = ["--label-smoothing", "0.1", "--mixup", "0.4", "--cutmix", "1", "--mix-prob", "0.8"];
        var whole = await AppRunner.RunAsync(work.Path, null, Args([.. mixing, "--epochs", "2", "--name", "whole"]));

        // 13 steps cross the end of epoch 1 (10 steps); the run stops at step 3 of epoch 2.
        var first = await AppRunner.RunAsync(work.Path, null, Args([.. mixing, "--epochs", "2", "--max-steps", "13", "--name", "parts"]));
        var stopped = Checkpoint.Read(work.Combine("runs", "parts", "last.safetensors")).State;
        var rest = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/parts", "--epochs", "2");

        Assert.Equal((0, 0, 0), (whole.ExitCode, first.ExitCode, rest.ExitCode));
        Assert.Equal((1, 3), (stopped.Epoch, stopped.StepInEpoch));
        Assert.Equal(new SoftTargetSettings(0.1, 0.4, 1, 0.8), stopped.SoftTargets);
        Assert.Contains("Targets: label smoothing 0.1, mixup α 0.4, cutmix α 1, 80% of the batches mixed", rest.Output, StringComparison.Ordinal);
        AssertSameTensors(work.Combine("runs", "whole", "last.safetensors"), work.Combine("runs", "parts", "last.safetensors"));
        Assert.Equal(Metrics(work.Combine("runs", "whole")).Select(m => m[..^2]), Metrics(work.Combine("runs", "parts")).Select(m => m[..^2])); // all but the timings
    }

    [Fact]
    public void A_checkpoint_without_soft_targets_reads_as_hard_labels_and_damaged_ones_are_named()
    {
        var state = TestStates.Mini();
        string old = state.ToJson().Replace(",\"soft_targets\":null", "", StringComparison.Ordinal);
        Assert.DoesNotContain("soft_targets", old, StringComparison.Ordinal);
        Assert.Same(SoftTargetSettings.None, AlexNet.Training.Run.RunState.Config(TrainingState.FromJson(old)).SoftTargets);

        var mixed = state with { SoftTargets = new SoftTargetSettings(0.1, 0.2, 0, 0.5) };
        Assert.Equal(mixed.SoftTargets, TrainingState.FromJson(mixed.ToJson()).SoftTargets);
        Assert.Empty(TrainingStateValidation.Problems(mixed));
        var problems = TrainingStateValidation.Problems(state with { SoftTargets = new SoftTargetSettings(MixupAlpha: -1) });
        Assert.Equal(["soft_targets is not usable: --mixup -1 is out of range; expected an α ≥ 0, such as 0.2 (0: off)."], problems);
    }

    [Theory]
    [InlineData("--label-smoothing", "0.1")]
    [InlineData("--mixup", "0.2")]
    [InlineData("--cutmix", "1")]
    [InlineData("--mix-prob", "0.5")]
    public async Task The_options_cannot_change_on_resuming(string option, string value)
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/nothing", option, value);

        Assert.Equal(AppHost.UsageError, result.ExitCode);
        Assert.Contains($"{option} cannot change when resuming: the run keeps the settings it started with.", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--mix-prob says how many batches mixup or cutmix mixes; give --mixup α or --cutmix α too.", "--mix-prob", "0.5")]
    [InlineData("--label-smoothing 1 is out of range; expected a number in [0, 1), such as 0.1.", "--label-smoothing", "1")]
    [InlineData("--mixup -0.2 is out of range; expected an α ≥ 0, such as 0.2 (0: off).", "--mixup", "-0.2")]
    [InlineData("--mix-prob 2 is out of range; expected a probability in [0, 1].", "--cutmix", "1", "--mix-prob", "2")]
    public async Task Values_out_of_range_are_refused_before_training(string message, params string[] options)
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, Args([.. options, "--epochs", "1", "--name", "r"]));

        Assert.Equal(AppHost.UsageError, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.Combine("runs", "r")), "a refused run leaves no folder");
    }
}
