using AlexNet.Tests.Training;

namespace AlexNet.Tests.Reliability;

/// <summary>The smallest real training the reliability tests use: <c>mini</c> on 4×8 synthetic images, 4 steps an epoch, one thread.</summary>
internal static class SoakRun
{
    /// <summary><c>alexnet train</c> arguments for a run named <paramref name="name"/>; the caller adds <c>--epochs</c>.</summary>
    public static string[] Args(string name) =>
        ["train", "--model", "mini", "--synthetic", "--synthetic-images", "8", "--batch-size", "4", "--seed", "3", "--threads", "1", "--name", name];

    /// <summary>Trains the run "run" in <paramref name="work"/> for one epoch and returns its folder; fails the test if training fails.</summary>
    public static async Task<string> TrainOneEpoch(TempFolder work)
    {
        var trained = await AppRunner.RunAsync(work.Path, null, [.. Args("run"), "--epochs", "1"]);
        Assert.True(trained.ExitCode == 0, trained.Error);
        return work.Combine("runs", "run");
    }
}
