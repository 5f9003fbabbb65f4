using AlexNet.Tests.Training;

namespace AlexNet.Tests.Browser;

/// <summary>
/// A <c>mini</c> run on the synthetic data (4 classes; 80 train / 40 val / 40 test images), trained for
/// three epochs in a temporary folder, with its <c>report.html</c> and an explorer page for one image:
/// the pages the browser tests open. Built once for the <see cref="BrowserPages"/> collection, which the
/// report and explorer tests share: they only read it.
/// </summary>
public sealed class TrainedRun : IAsyncLifetime
{
    private readonly TempFolder _work = TestFiles.NewFolder();

    public string Folder => _work.Combine("runs", "r");

    public string Report => Path.Combine(Folder, "report.html");

    public string Explorer => _work.Combine("flower.html");

    public string Checkpoint => Path.Combine(Folder, "best.safetensors");

    public string Work => _work.Path;

    public async ValueTask InitializeAsync()
    {
        var trained = await AppRunner.RunAsync(_work.Path, null,
            "train", "--model", "mini", "--synthetic", "--epochs", "3", "--batch-size", "8", "--name", "r", "--seed", "3");
        Assert.True(trained.ExitCode == 0, trained.Error);
        var report = await AppRunner.RunAsync(_work.Path, null, "report", Folder);
        Assert.True(report.ExitCode == 0, report.Error);
        TestFiles.WriteImage(_work.Combine("flower.png"), 90, 70, 5);
        var explored = await AppRunner.RunAsync(_work.Path, null, "explore", "--checkpoint", Checkpoint, _work.Combine("flower.png"));
        Assert.True(explored.ExitCode == 0, explored.Error);
    }

    public ValueTask DisposeAsync()
    {
        _work.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The browser test classes that open <see cref="TrainedRun"/>'s pages: one run trained for all of them.</summary>
[CollectionDefinition(nameof(BrowserPages))]
public sealed class BrowserPages : ICollectionFixture<TrainedRun>;
