using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>train --classes-file</c> is recorded in the checkpoint: a resume, <c>evaluate</c> and <c>report</c>
/// read the classes in the same order from the same file, and a file changed since is refused with what changed.
/// </summary>
public sealed class ClassesFileTests
{
    [Fact]
    public async Task Resume_evaluate_and_report_use_the_recorded_class_list_and_refuse_a_changed_one_naming_the_difference()
    {
        using var work = TestFiles.NewFolder();
        foreach (var (folder, seed) in new[] { ("a", 1), ("b", 20), ("c", 40) })
        {
            for (int i = 0; i < 8; i++)
            {
                TestFiles.WriteImage(work.Combine("data", folder, $"{i}.png"), 30, 24, seed + i);
            }
        }
        string list = work.Combine("order.txt");
        // Not the folders' name order, so reading the folders without the list would give other labels.
        File.WriteAllText(list, "c Cherry\na Apple\nb Banana\n");
        string best = work.Combine("runs", "r", "best.safetensors");

        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--data", work.Combine("data"), "--classes-file", list,
            "--split", "0.5/0.25/0.25", "--epochs", "1", "--batch-size", "4", "--name", "r");
        Assert.True(trained.ExitCode == 0, trained.Error);
        var state = Checkpoint.Read(best).State;
        Assert.Equal(list, state.ClassesFile);
        Assert.Equal(["Cherry", "Apple", "Banana"], state.ClassNames);

        var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", best);
        var reported = await AppRunner.RunAsync(work.Path, null, "report", work.Combine("runs", "r"));
        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/r", "--epochs", "2");
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.True(reported.ExitCode == 0, reported.Error);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(["Cherry", "Apple", "Banana"], Checkpoint.Read(work.Combine("runs", "r", "last.safetensors")).State.ClassNames);
        Assert.Equal(list, Checkpoint.Read(work.Combine("runs", "r", "last.safetensors")).State.ClassesFile);

        File.WriteAllText(list, "a Apple\nc Cherry\nb Banana\n");
        var reordered = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", best);
        File.WriteAllText(list, "c Cherry\na Apple\nb Blueberry\n");
        var renamed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/r", "--epochs", "3");
        var renamedReport = await AppRunner.RunAsync(work.Path, null, "report", work.Combine("runs", "r"));
        File.Delete(list);
        var gone = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", best);

        Assert.Equal(AppHost.Failure, reordered.ExitCode);
        Assert.Contains($"The classes of the data in {work.Combine("data")}, read with the class list {list} (changed since?), are not those the checkpoint was trained on: "
            + "the same classes in another order: label 0 was 'Cherry', is now 'Apple', label 1 was 'Apple', is now 'Cherry'.", reordered.Error, StringComparison.Ordinal);
        Assert.Equal(AppHost.Failure, renamed.ExitCode);
        Assert.Contains("are not those the run was trained on: missing 'Banana'; new 'Blueberry'.", renamed.Error, StringComparison.Ordinal);
        Assert.Equal(AppHost.Failure, renamedReport.ExitCode);
        Assert.Contains("missing 'Banana'; new 'Blueberry'.", renamedReport.Error, StringComparison.Ordinal);
        Assert.Equal(AppHost.Failure, gone.ExitCode);
        Assert.Contains($"The run was trained with --classes-file {list}, which is gone", gone.Error, StringComparison.Ordinal);
        // Nothing was written by the refused commands.
        Assert.Equal(2, Checkpoint.Read(work.Combine("runs", "r", "last.safetensors")).State.History.Count);
    }
}
