using AlexNet.Training.Checkpoints;
using AlexNet.Training.Reporting;

namespace AlexNet.Tests.Training;

/// <summary><c>train --max-steps N</c>: stops after N steps with a resumable checkpoint (the debugger walk-through runs one step).</summary>
public sealed class MaxStepsTests
{
    // 4 classes × 40 images → 80 training images; batch 8 → 10 steps per epoch.
    private static readonly string[] Mini = ["train", "--model", "mini", "--synthetic", "--batch-size", "8", "--seed", "7"];

    [Fact]
    public async Task One_step_saves_a_checkpoint_at_step_one_and_says_how_to_continue()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--epochs", "1", "--max-steps", "1", "--name", "one"]);

        Assert.True(result.ExitCode == 0, result.Error);
        var state = Checkpoint.Read(work.Combine("runs", "one", "last.safetensors")).State;
        Assert.Equal((0, 1, 1L, 1L), (state.Epoch, state.StepInEpoch, state.GlobalStep, state.OptimizerSteps));
        Assert.Contains("Stopped after 1 step(s) (--max-steps) at epoch 1, step 1; saved runs/one/last.safetensors. Continue with: alexnet train --resume runs/one --epochs 1",
            result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("runs", "one", "best.safetensors")), "no epoch finished, so there is no best checkpoint yet");
        Assert.Contains("batch 8, 1 epoch; ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_reached_with_the_last_step_of_an_epoch_says_that_the_epoch_finished()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--epochs", "2", "--max-steps", "10", "--name", "e"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Stopped after 10 step(s) (--max-steps) when epoch 1 finished; saved runs/e/last.safetensors. Continue with: alexnet train --resume runs/e --epochs 2",
            result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_continue_command_repeats_tta_so_the_resumed_run_is_tested_with_ten_crops()
    {
        using var work = TestFiles.NewFolder();

        var first = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--epochs", "2", "--max-steps", "10", "--tta", "--name", "t"]);
        string hint = Assert.Single(first.Output.Split('\n'), line => line.Contains("Continue with: ", StringComparison.Ordinal));
        string[] command = hint[(hint.IndexOf("Continue with: alexnet ", StringComparison.Ordinal) + "Continue with: alexnet ".Length)..].Trim().Split(' ');
        var rest = await AppRunner.RunAsync(work.Path, null, command);

        Assert.Equal((0, 0), (first.ExitCode, rest.ExitCode));
        Assert.Equal(["train", "--resume", "runs/t", "--epochs", "2", "--tta"], command);
        Assert.Equal(10, TestScore.Read(work.Combine("runs", "t"))!.Crops);
    }

    [Fact]
    public async Task Steps_split_by_max_steps_end_where_one_uninterrupted_run_ends()
    {
        using var work = TestFiles.NewFolder();
        var whole = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--epochs", "2", "--name", "whole"]);

        // 13 steps cross the end of epoch 1 (10 steps): that epoch validates and saves, then the run stops in epoch 2.
        var first = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--epochs", "2", "--max-steps", "13", "--name", "parts"]);
        var stopped = Checkpoint.Read(work.Combine("runs", "parts", "last.safetensors")).State;
        var rest = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/parts", "--epochs", "2", "--max-steps", "100");

        Assert.Equal((0, 0, 0), (whole.ExitCode, first.ExitCode, rest.ExitCode));
        Assert.Equal((1, 3, 13L), (stopped.Epoch, stopped.StepInEpoch, stopped.GlobalStep));
        Assert.Single(stopped.History);
        var expected = Checkpoint.Read(work.Combine("runs", "whole", "last.safetensors")).Tensors.ToDictionary();
        var actual = Checkpoint.Read(work.Combine("runs", "parts", "last.safetensors")).Tensors.ToDictionary();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.All(expected, pair => Assert.True(pair.Value.Data.AsSpan().SequenceEqual(actual[pair.Key].Data), $"{pair.Key} differs"));
    }

    [Fact]
    public async Task Max_steps_must_be_a_positive_number()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--max-steps", "0"]);

        Assert.Equal(AlexNet.Training.Cli.AppHost.UsageError, result.ExitCode);
        Assert.Contains("--max-steps must be at least 1, not 0", result.Error, StringComparison.Ordinal);
    }
}
