using AlexNet.Tests.Reliability;

namespace AlexNet.Tests.Training;

/// <summary>evaluate and report stream their batches like train: --loader-threads and --prefetch change the speed, never a score.</summary>
public sealed class EvaluateLoaderOptionsTests
{
    [Fact]
    public async Task Evaluate_scores_the_same_with_any_loader_threads_and_prefetch()
    {
        using var work = TestFiles.NewFolder();
        PetsFolder.Write(work);
        string run = await PetsFolder.TrainOneEpoch(work);
        string checkpoint = Path.Combine(run, "last.safetensors");

        var one = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", checkpoint, "--loader-threads", "1", "--prefetch", "1");
        var four = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", checkpoint, "--loader-threads", "4", "--prefetch", "3");
        var reported = await AppRunner.RunAsync(work.Path, null, "report", run, "--loader-threads", "3", "--prefetch", "1");

        Assert.True(one.ExitCode == 0, one.Error);
        Assert.True(four.ExitCode == 0, four.Error);
        Assert.True(reported.ExitCode == 0, reported.Error);
        Assert.Contains("top-1", one.Output, StringComparison.Ordinal);
        Assert.Equal(one.Output, four.Output);
    }
}
