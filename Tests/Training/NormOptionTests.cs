// NormOptionTests: train --norm batch end to end, its checkpoint read back by evaluate and resume, summary --norm, and the refusals.

using System.Text.RegularExpressions;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;
using AlexNet.Training.Run;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>--norm</c> on the command line: a short synthetic training of the batch-normalized <c>mini</c>,
/// whose choice the checkpoint keeps for evaluate and resume (which refuses a change); the summary of
/// the batch-normalized paper network; and the combinations that are refused with a clear line.
/// </summary>
public sealed partial class NormOptionTests
{
    private static readonly string[] Mini = ["train", "--model", "mini", "--synthetic", "--batch-size", "8", "--seed", "7"];

    [GeneratedRegex(@"top-1 (\d+\.\d)%")]
    private static partial Regex TopOne();

    [Fact]
    public async Task A_batch_normalized_mini_learns_the_synthetic_data_and_its_checkpoint_keeps_the_choice_for_evaluate_and_resume()
    {
        using var work = TestFiles.NewFolder();

        var trained = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--norm", "batch", "--epochs", "3", "--name", "run"]);

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Contains("norm batch;", trained.Output, StringComparison.Ordinal);
        string best = work.Combine("runs", "run", "best.safetensors");
        var checkpoint = Checkpoint.Read(best);
        Assert.Equal("batch", checkpoint.State.Normalization);
        Assert.Contains("bn5.running_var", checkpoint.Tensors.Keys);
        Assert.DoesNotContain(checkpoint.Tensors.Keys, name => name.StartsWith("conv", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal));
        Assert.DoesNotContain(checkpoint.Tensors.Keys, name => name.StartsWith("norm", StringComparison.Ordinal));
        // 4 classes: chance is 25% top-1 and a loss of ln 4.
        Assert.True(checkpoint.State.BestValidationTop1 >= 0.5, $"best validation top-1 {checkpoint.State.BestValidationTop1:P1} after 3 epochs");
        Assert.True(checkpoint.State.History[^1].TrainLoss < checkpoint.State.History[0].TrainLoss, "the training loss did not fall");

        var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", best);
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        // The model evaluate rebuilds from the checkpoint is the batch-normalized one: the same test score as the run's own.
        string testLine = trained.Output.Split('\n').Single(line => line.StartsWith("Test (", StringComparison.Ordinal));
        Assert.Equal(TopOne().Match(testLine).Groups[1].Value, TopOne().Match(evaluated.Output).Groups[1].Value);

        var changed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", work.Combine("runs", "run"), "--epochs", "4", "--norm", "lrn");
        Assert.Equal(2, changed.ExitCode);
        Assert.Contains("--norm cannot change when resuming", changed.Error, StringComparison.Ordinal);
        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", work.Combine("runs", "run"), "--epochs", "4");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var last = Checkpoint.Read(work.Combine("runs", "run", "last.safetensors")).State;
        Assert.Equal((4, "batch"), (last.Epoch, last.Normalization));
    }

    [Fact]
    public void The_normalization_survives_the_round_trip_through_the_checkpoint_state_and_an_old_state_means_the_variants_own()
    {
        var state = TestStates.Mini() with { Normalization = "batch" };

        var config = RunState.Config(TrainingState.FromJson(state.ToJson()));
        var again = RunState.Of(config, RunState.Progress(state));

        Assert.Equal(NormKind.Batch, config.Normalization);
        Assert.Equal("batch", again.Normalization);
        Assert.Contains("\"normalization\":\"batch\"", state.ToJson(), StringComparison.Ordinal);
        // A checkpoint written before the option has no such field: the variant's own normalization.
        string old = TestStates.Mini().ToJson().Replace(",\"normalization\":null", "", StringComparison.Ordinal);
        Assert.DoesNotContain("normalization", old, StringComparison.Ordinal);
        var before = RunState.Config(TrainingState.FromJson(old));
        Assert.Null(before.Normalization);
        Assert.Null(RunState.Of(before, RunState.Progress(TestStates.Mini())).Normalization);
    }

    [Fact]
    public async Task Summary_shows_the_batch_normalized_paper_network()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "summary", "--model", "alexnet", "--norm", "batch", "--classes", "1000");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("With --norm batch: batch normalization after each convolution, before its ReLU, in place of LRN", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^conv1\s+Conv2d 3->96 11x11 /4 no bias\s+\[N, 96, 55, 55\]\s+34,848", result.Output);
        Assert.Matches(@"(?m)^bn1\s+BatchNorm eps=1E-05 momentum=0.1\s+\[N, 96, 55, 55\]\s+384", result.Output);
        Assert.DoesNotMatch(@"(?m)^norm1\s", result.Output);
        // 60,965,224 for the paper's network, less 1,376 conv biases, plus 1,376 γ and 1,376 β; and 2 × 1,376 running statistics.
        Assert.Contains("Total params: 60,969,352 (trainable 60,966,600, non-trainable 2,752)", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("summary --model keras-blog --norm none", 2, "--norm none does not apply to keras-blog, which is built with batch (its own: batch).")]
    [InlineData("train --model torchvision --synthetic --norm lrn", 2, "--norm lrn does not apply to torchvision, which is built with none or batch (its own: none).")]
    [InlineData("train --model mini --synthetic --norm group", 2, "Argument 'group' not recognized")]
    [InlineData("train --model keras-blog --synthetic --model-parallel 2 --epochs 1", 1, "--model-parallel 2 cannot split keras-blog: bn6 (BatchNorm eps=0.001 momentum=0.01) has no two-device form in this teaching mode.")]
    public async Task A_normalization_that_does_not_fit_is_refused_in_one_line(string command, int exitCode, string message)
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, command.Split(' '));

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at AlexNet.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_batch_normalized_mini_trains_split_over_two_devices_as_the_papers_two_gpus()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--norm", "batch", "--model-parallel", "2", "--epochs", "1", "--max-steps", "3", "--name", "run"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("split as the paper's two GPUs", result.Output, StringComparison.Ordinal);
        var checkpoint = Checkpoint.Read(work.Combine("runs", "run", "last.safetensors"));
        // The running statistics came back from the two devices: no longer the starting 0 and 1.
        Assert.Contains(checkpoint.Tensors["bn1.running_mean"].ToFloats(), value => value != 0);
        Assert.Equal(3, checkpoint.State.GlobalStep);
    }

    [Fact]
    public async Task Fine_tuning_keeps_the_normalization_of_the_checkpoint_and_refuses_another()
    {
        using var work = TestFiles.NewFolder();
        var source = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--norm", "batch", "--epochs", "1", "--name", "source"]);
        Assert.True(source.ExitCode == 0, source.Error);
        string checkpoint = work.Combine("runs", "source", "best.safetensors");

        var refused = await AppRunner.RunAsync(work.Path, null, "train", "--init-from", checkpoint, "--synthetic", "--norm", "lrn", "--epochs", "1");
        var tuned = await AppRunner.RunAsync(work.Path, null, "train", "--init-from", checkpoint, "--freeze", "features", "--synthetic", "--classes", "3",
            "--epochs", "1", "--batch-size", "8", "--name", "tuned");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("was trained with --norm batch; leave --norm out", refused.Error, StringComparison.Ordinal);
        Assert.True(tuned.ExitCode == 0, tuned.Error);
        var tunedCheckpoint = Checkpoint.Read(work.Combine("runs", "tuned", "last.safetensors"));
        Assert.Equal("batch", tunedCheckpoint.State.Normalization);
        // The frozen batch norms ran in inference mode: their running statistics are the source's.
        Assert.Equal(Checkpoint.Read(checkpoint).Tensors["bn2.running_mean"].ToFloats(), tunedCheckpoint.Tensors["bn2.running_mean"].ToFloats());
    }
}
