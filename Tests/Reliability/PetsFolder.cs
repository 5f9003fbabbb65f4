using AlexNet.Tests.Training;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// The small data folder the split and data-change tests start from: work/pets with 8 readable 20×20 PNGs
/// per class ('cats' coloured by seeds 0–7, 'dogs' by 40–47), and one epoch of mini trained on it.
/// </summary>
internal static class PetsFolder
{
    public static void Write(TempFolder work)
    {
        for (int i = 0; i < 8; i++)
        {
            TestFiles.WriteImage(work.Combine("pets", "cats", $"{i}.png"), 20, 20, i);
            TestFiles.WriteImage(work.Combine("pets", "dogs", $"{i}.png"), 20, 20, 40 + i);
        }
    }

    /// <summary>Trains mini for one epoch on work/pets as the run "run" and returns its folder; fails the test if training fails.</summary>
    public static async Task<string> TrainOneEpoch(TempFolder work)
    {
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--data", work.Combine("pets"), "--batch-size", "2",
            "--epochs", "1", "--threads", "1", "--name", "run");
        Assert.True(trained.ExitCode == 0, trained.Error);
        return work.Combine("runs", "run");
    }
}
