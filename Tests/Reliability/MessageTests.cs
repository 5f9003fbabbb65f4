using AlexNet.Tests.Training;
using AlexNet.Training.Cli;

namespace AlexNet.Tests.Reliability;

/// <summary>Items 9 and 10 of issue 16: each mistake is named with what was expected, and small leftovers and wrong exit codes are gone.</summary>
public sealed class MessageTests
{
    [Fact]
    public async Task Predict_on_a_folder_classifies_every_image_in_it()
    {
        using var work = TestFiles.NewFolder();
        string run = await SoakRun.TrainOneEpoch(work);
        TestFiles.WriteImage(work.Combine("photos", "b.png"), 30, 20, 1);
        TestFiles.WriteImage(work.Combine("photos", "a.jpg"), 20, 30, 2);
        File.WriteAllText(work.Combine("photos", "notes.txt"), "not an image");

        var result = await AppRunner.RunAsync(work.Path, null, "predict", "--checkpoint", Path.Combine(run, "best.safetensors"), work.Combine("photos"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("denied", result.Error, StringComparison.OrdinalIgnoreCase);
        var named = result.Output.Split('\n').Where(line => line.EndsWith(':')).ToList();
        Assert.Equal(["a.jpg:", "b.png:"], named);
    }

    [Fact]
    public async Task Predict_on_a_folder_without_images_says_what_it_expected()
    {
        using var work = TestFiles.NewFolder();
        string run = await SoakRun.TrainOneEpoch(work);
        Directory.CreateDirectory(work.Combine("empty"));

        var result = await AppRunner.RunAsync(work.Path, null, "predict", "--checkpoint", Path.Combine(run, "best.safetensors"), work.Combine("empty"));

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains($"The folder {work.Combine("empty")} holds no image files; expected images with one of the extensions", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_pointing_at_a_file_says_it_is_a_file_and_a_folder_was_expected()
    {
        using var work = TestFiles.NewFolder();
        File.WriteAllBytes(work.Combine("17flowers.tgz"), [0x1F, 0x8B]);

        var train = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--data", work.Combine("17flowers.tgz"), "--epochs", "1");
        var data = await AppRunner.RunAsync(work.Path, null, "data", "--data", work.Combine("17flowers.tgz"));

        foreach (var result in new[] { train, data })
        {
            Assert.Equal(AppHost.Failure, result.ExitCode);
            Assert.Contains($"The data path '{work.Combine("17flowers.tgz")}' is a file; expected a folder", result.Error, StringComparison.Ordinal);
            Assert.Contains("To use an archive, unpack it first", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("does not exist", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_last_checkpoint_that_is_a_folder_is_named_as_such_not_as_a_missing_run()
    {
        using var work = TestFiles.NewFolder();
        string run = await SoakRun.TrainOneEpoch(work);
        File.Delete(Path.Combine(run, "last.safetensors"));
        Directory.CreateDirectory(Path.Combine(run, "last.safetensors"));

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--resume", run, "--epochs", "2");

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains($"{Path.Combine(run, "last.safetensors")} is a folder, but a run keeps its last checkpoint in a file of that name; move the folder aside, and to resume from the best epoch copy best.safetensors to last.safetensors.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no run to resume", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_name_too_long_for_the_file_system_is_named_without_a_raw_exception()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. SoakRun.Args(new string('r', 300)), "--epochs", "1"]);

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.Contains("cannot be written", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
    }

    public static TheoryData<Exception, string> FileSystemErrors => new()
    {
        { new PathTooLongException("The path '/a/b' is too long."), "A path is longer than this system allows (The path '/a/b' is too long); expected a shorter path" },
        { new UnauthorizedAccessException("Access to the path '/x' is denied."), "Permission denied (Access to the path '/x' is denied); expected a file or folder this user may read" },
        { new DirectoryNotFoundException("Could not find a part of the path '/gone/x'."), "A folder is missing (Could not find a part of the path '/gone/x'); expected it to exist" },
        { new IOException("Input/output error"), "A file operation failed (Input/output error); check that the disk is neither full nor read-only" },
    };

    [Theory]
    [MemberData(nameof(FileSystemErrors))]
    public void A_raw_file_system_error_is_worded_with_what_was_expected(Exception error, string expected)
    {
        string message = ErrorMessages.Explain(error);

        Assert.StartsWith(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_diverges_before_its_first_checkpoint_leaves_no_empty_run_folder()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. SoakRun.Args("boom"), "--epochs", "3", "--lr", "1e30"]);

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains("No checkpoint was written yet.", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.Combine("runs", "boom")));
    }
}
