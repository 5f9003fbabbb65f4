using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// The soak of issue 16: a <c>mini</c> training on synthetic data, killed ten times at random moments
/// (SIGKILL or SIGTERM, from a fixed seed) and resumed each time, must end with checkpoints bit-identical
/// to an uninterrupted run's and no temporary file left. A kill can land anywhere: in a step, in
/// validation, in the middle of writing a checkpoint or a plot.
/// </summary>
public sealed class SoakTests
{
    private const int Epochs = 16, Kills = 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_run_killed_ten_times_and_resumed_ends_bit_identical_with_no_leftovers()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX signals");
        using var work = TestFiles.NewFolder();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var reference = await AppRunner.RunAsync(work.Path, null, [.. SoakRun.Args("reference"), "--epochs", $"{Epochs}"]);
        Assert.True(reference.ExitCode == 0, reference.Error);
        // Kills come at random moments within a slice of the whole run's time, so that on a fast machine as on
        // a slow one the ten kills land while the run is still going rather than after it has finished.
        int slice = Math.Max(100, (int)(clock.ElapsedMilliseconds / (Kills + 2)));
        string run = work.Combine("runs", "run");
        var random = new Random(16);
        int landed = 0;
        var log = new List<string>();

        for (int kill = 0; kill < Kills; kill++)
        {
            string[] args = File.Exists(Path.Combine(run, "last.safetensors"))
                ? ["train", "--resume", run, "--epochs", $"{Epochs}", "--threads", "1"]
                : [.. SoakRun.Args("run"), "--epochs", $"{Epochs}"]; // killed before its first checkpoint: it starts again
            using var app = AppProcess.Start(work.Path, args);
            Assert.True(app.WaitForOutput("Output: runs/run/", Patience), $"attempt {kill + 1} did not start training:\n{app.Output}\n{app.Error}");
            Thread.Sleep(random.Next(slice / 4, slice));
            int signal = random.Next(2) == 0 ? AppProcess.SigKill : AppProcess.SigTerm;
            bool running = !app.HasExited;
            app.Signal(signal);
            int code = app.WaitForExit(Patience);
            landed += running ? 1 : 0;
            log.Add($"attempt {kill + 1}: {(signal == AppProcess.SigKill ? "SIGKILL" : "SIGTERM")} {(running ? "while running" : "after it ended")}, exit {code}");
            if (signal == AppProcess.SigTerm && running)
            {
                Assert.True(code is 143 or 0, $"{string.Join("\n", log)}\n{app.Output}\n{app.Error}");
            }
        }
        var finished = await AppRunner.RunAsync(work.Path, null, "train", "--resume", run, "--epochs", $"{Epochs}", "--threads", "1");

        string report = string.Join("\n", log);
        Assert.True(finished.ExitCode == 0, $"{report}\n{finished.Error}");
        Assert.True(landed >= Kills / 2, $"only {landed} of {Kills} kills found the run still going:\n{report}");
        foreach (string file in new[] { "last.safetensors", "best.safetensors" })
        {
            AssertBitIdentical(work.Combine("runs", "reference", file), Path.Combine(run, file), report);
        }
        Assert.Equal(Epochs, Checkpoint.Read(Path.Combine(run, "last.safetensors")).State.Epoch);
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp"));
    }

    private static void AssertBitIdentical(string expectedFile, string actualFile, string report)
    {
        var expected = Checkpoint.Read(expectedFile).Tensors;
        var actual = Checkpoint.Read(actualFile).Tensors;
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            int same = tensor.Data.AsSpan().CommonPrefixLength(actual[name].Data);
            Assert.True(same == tensor.Data.Length, $"{Path.GetFileName(actualFile)}: {name} differs from byte {same} of {tensor.Data.Length}\n{report}");
        }
    }
}
