using AlexNet.Training.Checkpoints;
using AlexNet.Training.Run;

namespace AlexNet.Tests.Training;

/// <summary>How a run's progress is told to a listener (where a live view of the run plugs in).</summary>
public sealed class RunProgressTests
{
    [Fact]
    public async Task A_listener_hears_every_step_and_every_finished_epoch_and_the_last_is_what_the_checkpoint_holds()
    {
        using var work = TestFiles.NewFolder();
        var listener = new Recorder();

        // 4 classes of 12 images, half of each for training: 24 images, 3 steps of 8 an epoch.
        var result = await AppRunner.RunAsync(work.Path, null, null, listener, TestContext.Current.CancellationToken,
            "train", "--model", "mini", "--synthetic", "--synthetic-images", "12", "--batch-size", "8", "--epochs", "2", "--name", "r");

        Assert.True(result.ExitCode == 0, result.Error);
        (int Epoch, int Step, long GlobalStep, int Finished)[] expected =
        [
            (0, 1, 1, 0), (0, 2, 2, 0), (0, 3, 3, 0), (1, 0, 3, 1),
            (1, 1, 4, 1), (1, 2, 5, 1), (1, 3, 6, 1), (2, 0, 6, 2),
        ];
        Assert.Equal(expected, listener.Heard.Select(p => (p.Epoch, p.StepInEpoch, p.GlobalStep, p.History.Count)));
        var saved = RunState.Progress(Checkpoint.Read(Path.Combine(work.Path, "runs", "r", "last.safetensors")).State);
        var last = listener.Heard[^1];
        Assert.Equal((saved.Position(), saved.GlobalStep, saved.OptimizerSteps, saved.BestEpoch), (last.Position(), last.GlobalStep, last.OptimizerSteps, last.BestEpoch));
        Assert.Equal(saved.History, last.History);
    }

    /// <summary>Keeps what it is told, synchronously (<see cref="Progress{T}"/> would post to a thread pool).</summary>
    private sealed class Recorder : IProgress<RunProgress>
    {
        public List<RunProgress> Heard { get; } = [];

        public void Report(RunProgress value) => Heard.Add(value);
    }
}
