using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Tests.Reliability;

/// <summary>Item 5 of issue 16: SIGTERM stops training as Ctrl+C does (saved, resumable, exit 143); a second signal ends it at once.</summary>
public sealed class SignalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void Sigterm_saves_the_run_says_how_to_resume_and_exits_143()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX signals");
        using var work = TestFiles.NewFolder();
        using var app = AppProcess.Start(work.Path, [.. SoakRun.Args("run"), "--epochs", "1000"]);
        Assert.True(app.WaitForOutput("Output: runs/run/", Patience), app.Error);

        app.Signal(AppProcess.SigTerm);
        int code = app.WaitForExit(Patience);

        Assert.True(code == 143, $"exit code {code}; output:\n{app.Output}\nerrors:\n{app.Error}");
        Assert.Contains("Resume with: alexnet train --resume runs/run --epochs 1000", app.Output, StringComparison.Ordinal);
        var state = Checkpoint.Read(work.Combine("runs", "run", "last.safetensors")).State;
        Assert.True(state.GlobalStep > 0);
        Assert.Empty(Directory.EnumerateFiles(work.Combine("runs", "run"), "*.tmp"));
    }

    [Fact]
    public void A_second_signal_ends_the_process_at_once_and_leaves_no_damaged_checkpoint()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX signals");
        using var work = TestFiles.NewFolder();
        // Batches of 64 make every step slow enough that the first signal's "finish the step" is still under way.
        using var app = AppProcess.Start(work.Path, ["train", "--model", "mini", "--synthetic", "--synthetic-images", "200", "--batch-size", "64",
            "--threads", "1", "--epochs", "1000", "--name", "run"]);
        Assert.True(app.WaitForOutput("Output: runs/run/", Patience), app.Error);

        app.Signal(AppProcess.SigTerm);
        Thread.Sleep(50);
        app.Signal(AppProcess.SigTerm);
        int code = app.WaitForExit(TimeSpan.FromSeconds(10));

        Assert.NotEqual(0, code);
        Assert.DoesNotContain("Resume with:", app.Output, StringComparison.Ordinal);
        string last = work.Combine("runs", "run", "last.safetensors");
        if (File.Exists(last))
        {
            _ = Checkpoint.Read(last); // whole, or not there at all
        }
    }
}
