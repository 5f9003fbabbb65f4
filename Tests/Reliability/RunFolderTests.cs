using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Tests.Reliability;

/// <summary>Item 8 of issue 16: a read-only or full run folder is found before the first step, and a failed write mid-run says what is safe.</summary>
public sealed class RunFolderTests
{
    private static Task<AppRunner.Result> Run(TempFolder work, FaultyDisk disk, params string[] args) =>
        AppRunner.RunAsync(work.Path, null, app => app with { Disk = disk }, TestContext.Current.CancellationToken, args);

    [Fact]
    public async Task A_read_only_run_folder_is_refused_before_the_first_step()
    {
        using var work = TestFiles.NewFolder();
        var disk = new FaultyDisk { Matching = "", ReadOnly = true };
        long steps = 0;

        var result = await AppRunner.RunAsync(work.Path, null, app => app with { Disk = disk, AfterTrainingStep = (_, _) => steps++ },
            TestContext.Current.CancellationToken, [.. SoakRun.Args("run"), "--epochs", "1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"The run folder {work.Combine("runs", "run")} cannot be written (Access to the path", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, steps);
    }

    [Fact]
    public async Task A_disk_without_room_for_two_checkpoints_is_refused_before_the_first_step()
    {
        using var work = TestFiles.NewFolder();

        var result = await Run(work, new FaultyDisk { FreeBytes = 1_000_000 }, [.. SoakRun.Args("run"), "--epochs", "1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"The disk holding .* has 1 MB free, but training needs room for two checkpoints of about [0-9.]+ MB each", result.Error);
        Assert.False(File.Exists(work.Combine("runs", "run", "last.safetensors")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_checkpoint_write_that_fails_mid_run_says_the_previous_one_is_intact_and_how_to_resume(bool readOnly)
    {
        using var work = TestFiles.NewFolder();
        // The first checkpoint (end of epoch 1) is written; the second fails part-way, as a disk that fills up does.
        var disk = new FaultyDisk { Matching = ".last.safetensors.", GoodFiles = 1, ReadOnly = readOnly, BytesBeforeFull = 4096 };
        string run = work.Combine("runs", "run");
        string last = Path.Combine(run, "last.safetensors");

        var result = await Run(work, disk, [.. SoakRun.Args("run"), "--epochs", "3"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Writing {last} failed (", result.Error, StringComparison.Ordinal);
        Assert.Contains($"The previous checkpoint, {last} (end of epoch 1), is intact; free some space or fix the folder, then resume with: alexnet train --resume runs/run --epochs 3.", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, Checkpoint.Read(last).State.Epoch);
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp"));

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", run, "--epochs", "3");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(3, Checkpoint.Read(last).State.Epoch);
    }
}
