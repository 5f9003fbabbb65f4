using AlexNet.Tests.Training;
using AlexNet.Training;
using AlexNet.Training.Cli;
using AlexNet.Training.Reliability;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// Issue 16: one training per run folder. A second training (fresh or resumed) on a folder in use is
/// refused at once, naming the process that holds it; reading the run still works; a killed training
/// leaves no lock that blocks the next, and its lock file is no leftover to clean.
/// </summary>
public sealed class RunLockTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_second_lock_is_refused_with_the_holders_pid_host_and_start_until_the_first_is_released()
    {
        using var work = TestFiles.NewFolder();
        string run = work.Combine("runs", "run");

        var first = RunLock.Acquire(run);
        var error = Assert.Throws<AppException>(() => RunLock.Acquire(run));
        first.Dispose();
        using var again = RunLock.Acquire(run);

        Assert.StartsWith($"The run folder {run} is in use by another training: process {Environment.ProcessId} on host {Environment.MachineName}, training there since {DateTime.UtcNow:yyyy-MM-dd}",
            error.Message, StringComparison.Ordinal);
        Assert.False(error.IsUsageError);
    }

    [Fact]
    public async Task Train_and_resume_are_refused_on_a_run_in_use_and_evaluate_and_report_still_read_it()
    {
        using var work = TestFiles.NewFolder();
        string run = await SoakRun.TrainOneEpoch(work);
        byte[] last = File.ReadAllBytes(Path.Combine(run, "last.safetensors"));

        using (RunLock.Acquire(run))
        {
            var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", run, "--epochs", "2");
            var fresh = await AppRunner.RunAsync(work.Path, null, [.. SoakRun.Args("run"), "--epochs", "2"]);
            var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", Path.Combine(run, "last.safetensors"));
            var reported = await AppRunner.RunAsync(work.Path, null, "report", run);

            foreach (var refused in new[] { resumed, fresh })
            {
                Assert.Equal(AppHost.Failure, refused.ExitCode);
                Assert.Contains($"The run folder {run} is in use by another training: process {Environment.ProcessId} on host {Environment.MachineName}", refused.Error, StringComparison.Ordinal);
            }
            Assert.True(evaluated.ExitCode == 0, evaluated.Error);
            Assert.True(reported.ExitCode == 0, reported.Error);
        }
        Assert.Equal(last, File.ReadAllBytes(Path.Combine(run, "last.safetensors")));
        var continued = await AppRunner.RunAsync(work.Path, null, "train", "--resume", run, "--epochs", "2");
        Assert.True(continued.ExitCode == 0, continued.Error);
    }

    [Fact]
    public void A_killed_training_leaves_no_lock_behind_and_its_lock_file_is_not_a_leftover()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX signals");
        using var work = TestFiles.NewFolder();
        string run = work.Combine("runs", "run");
        using var app = AppProcess.Start(work.Path, [.. SoakRun.Args("run"), "--epochs", "1000"]);
        Assert.True(app.WaitForOutput("Output: runs/run/", Patience), app.Error);

        // The child's lock keeps this process out too: the lock is the OS's, not a file's existence.
        var error = Assert.Throws<AppException>(() => RunLock.Acquire(run));
        Assert.Contains($"process {app.Id} on host {Environment.MachineName}", error.Message, StringComparison.Ordinal);
        app.Signal(AppProcess.SigKill);
        app.WaitForExit(Patience);

        var removed = new List<string>();
        LeftoverCleaner.CleanRunFolder(run, removed.Add);
        Assert.True(File.Exists(Path.Combine(run, RunLock.LockFile)));
        Assert.True(File.Exists(Path.Combine(run, RunLock.HolderFile)));
        Assert.DoesNotContain(removed, line => line.Contains("run.lock", StringComparison.Ordinal));
        using (RunLock.Acquire(run))
        {
            Assert.Contains($"pid={Environment.ProcessId}\n", File.ReadAllText(Path.Combine(run, RunLock.HolderFile)), StringComparison.Ordinal);
        }
    }
}
