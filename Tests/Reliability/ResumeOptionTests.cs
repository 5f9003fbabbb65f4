using System.Text.RegularExpressions;
using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;

namespace AlexNet.Tests.Reliability;

/// <summary>Item 3 of issue 16: a resumed run may change its rate, patience, epochs and (between epochs) batch size; a divergence names the command that goes on.</summary>
public sealed partial class ResumeOptionTests
{
    [Fact]
    public async Task A_divergence_prints_the_exact_command_that_continues_and_following_it_finishes_the_run()
    {
        using var work = TestFiles.NewFolder();
        await SoakRun.TrainOneEpoch(work);
        string[] next = ["train", "--resume", "runs/run", "--epochs", "4", "--lr", "1"]; // a hundred times the rate: it diverges at once
        var log = new List<string>();
        string firstOutput = "";

        // Follow the advice as a user would: each divergence names the command to run next, at a tenth of the rate.
        AppRunner.Result result;
        int attempts = 0;
        while (true)
        {
            result = await AppRunner.RunAsync(work.Path, null, [.. next, "--threads", "1"]);
            log.Add($"{string.Join(' ', next)} → {result.ExitCode}: {result.Error.Trim()}");
            firstOutput = firstOutput.Length == 0 ? result.Output : firstOutput;
            var command = ContinueCommand().Match(result.Error);
            if (result.ExitCode == 0 || !command.Success || ++attempts == 5)
            {
                break;
            }
            next = command.Groups[1].Value.Split(' ')[1..];
        }

        Assert.True(result.ExitCode == 0, string.Join("\n", log));
        Assert.Contains("Changed on resuming: epochs 1 → 4, learning rate 0.01 → 1.", firstOutput, StringComparison.Ordinal);
        Assert.StartsWith("train --resume runs/run --epochs 4 --lr 1 → 1: alexnet: error: The training loss ", log[0], StringComparison.Ordinal);
        Assert.Contains("Continue from it with a smaller learning rate: alexnet train --resume runs/run --epochs 4 --lr 0.1.", log[0], StringComparison.Ordinal);
        var state = Checkpoint.Read(work.Combine("runs", "run", "last.safetensors")).State;
        Assert.Equal(4, state.Epoch);
    }

    [Fact]
    public async Task A_loss_that_grows_by_orders_of_magnitude_is_reported_as_diverging_before_it_is_NaN()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. SoakRun.Args("run"), "--epochs", "3", "--lr", "0.1"]);

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Matches(@"The training loss reached [0-9.E+]+ at epoch 1, step \d, over 100 times the loss of guessing \(ln 4 = 1\.39\): the training is diverging", result.Error);
        Assert.Contains("No checkpoint was written yet. Start the run again with a smaller learning rate than 0.1, e.g. --lr 0.01.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patience_and_batch_size_may_change_between_epochs()
    {
        using var work = TestFiles.NewFolder();
        var first = await AppRunner.RunAsync(work.Path, null, [.. SoakRun.Args("run"), "--epochs", "1", "--schedule", "plateau"]);
        Assert.True(first.ExitCode == 0, first.Error);

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/run", "--epochs", "2", "--patience", "2", "--batch-size", "2", "--threads", "1");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("Changed on resuming: epochs 1 → 2, patience 5 → 2, batch size 4 → 2.", resumed.Output, StringComparison.Ordinal);
        var state = Checkpoint.Read(work.Combine("runs", "run", "last.safetensors")).State;
        Assert.Equal((2, 2, 2, 12L), (state.BatchSize, state.SchedulePatience, state.Epoch, state.GlobalStep)); // 4 steps of 4, then 8 steps of 2
    }

    [Fact]
    public async Task The_batch_size_cannot_change_inside_an_epoch_and_the_message_says_how_to_get_there()
    {
        using var work = TestFiles.NewFolder();
        var first = await AppRunner.RunAsync(work.Path, null, [.. SoakRun.Args("run"), "--epochs", "2", "--max-steps", "2"]);
        Assert.True(first.ExitCode == 0, first.Error);

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/run", "--epochs", "2", "--batch-size", "2");

        Assert.Equal(AppHost.UsageError, resumed.ExitCode);
        Assert.Contains("--batch-size can change only between epochs: the run stopped at epoch 1, step 2, inside an epoch cut into batches of 4. Finish that epoch first (alexnet train --resume runs/run --epochs 1), then resume with --batch-size 2.", resumed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--model", "alexnet")]
    [InlineData("--classes", "3")]
    [InlineData("--split", "0.6/0.2/0.2")]
    [InlineData("--optimizer", "adam")]
    [InlineData("--decay-biases", "false")]
    [InlineData("--dropout", "0.2")]
    [InlineData("--decay-biases", "true")]
    [InlineData("--dropout", "0")]
    public async Task Options_that_define_the_run_are_refused_naming_those_that_may_change(string option, string value)
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/nothing", option, value);

        Assert.Equal(AppHost.UsageError, result.ExitCode);
        Assert.Contains($"{option} cannot change when resuming: the run keeps the settings it started with. Only --epochs, --lr, --patience, --batch-size (between epochs),", result.Error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Continue from it with a smaller learning rate: (alexnet train [^\n]*?)\.\s*$")]
    private static partial Regex ContinueCommand();
}
