using AlexNet.Tests.Training;

namespace AlexNet.Tests.Reliability;

/// <summary>Item 2 of issue 16: evaluate and resume refuse a data folder that changed since the run was split, and say what changed.</summary>
public sealed class ChangedDataTests
{
    public static TheoryData<string> Changes => ["added", "removed", "renamed"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_changed_folder_is_refused_by_evaluate_and_resume_with_the_counts_per_class(string change)
    {
        using var work = TestFiles.NewFolder();
        PetsFolder.Write(work);
        string run = await PetsFolder.TrainOneEpoch(work);
        switch (change)
        {
            case "added":
                TestFiles.WriteImage(work.Combine("pets", "cats", "new.png"), 20, 20, 99);
                break;
            case "removed":
                File.Delete(work.Combine("pets", "cats", "3.png"));
                break;
            default:
                File.Move(work.Combine("pets", "cats", "3.png"), work.Combine("pets", "cats", "3b.png"));
                break;
        }

        var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", Path.Combine(run, "last.safetensors"));
        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", run, "--epochs", "2");

        string expected = change switch
        {
            "added" => "'cats' had 8 files, now 9",
            "removed" => "'cats' had 8 files, now 7",
            _ => "'cats' has 8 files as before, but some were renamed or changed size",
        };
        foreach (var result in new[] { evaluated, resumed })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"The data in {work.Combine("pets")} changed since the run was split: {expected}.", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("'dogs'", result.Error, StringComparison.Ordinal);
            Assert.Contains("Put the folder back as it was", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unchanged_folder_that_moved_is_accepted_through_data()
    {
        using var work = TestFiles.NewFolder();
        PetsFolder.Write(work);
        string run = await PetsFolder.TrainOneEpoch(work);
        Directory.Move(work.Combine("pets"), work.Combine("moved"));

        var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", Path.Combine(run, "last.safetensors"), "--data", work.Combine("moved"));

        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.Contains("top-1", evaluated.Output, StringComparison.Ordinal);
    }
}
