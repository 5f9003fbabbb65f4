using System.Security.Cryptography;
using AlexNet.Training.Cli;

namespace AlexNet.Tests.Training;

public sealed class DataCommandTests
{
    [Fact]
    public async Task Data_command_downloads_verifies_and_describes_the_data_set_once()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive);
        using var work = TestFiles.NewFolder();
        var env = new Dictionary<string, string>
        {
            ["ALEXNET_DATA"] = work.Combine("cache"),
            [DataLocator.UrlVariable] = server.Url.ToString(),
            [DataLocator.Sha256Variable] = Convert.ToHexStringLower(SHA256.HashData(archive)),
        };

        var first = await AppRunner.RunAsync(work.Path, env, "data");
        var second = await AppRunner.RunAsync(work.Path, env, "data");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("downloading", first.Output, StringComparison.Ordinal);
        Assert.Contains("17 classes", first.Output, StringComparison.Ordinal);
        Assert.Contains("Sunflower", first.Output, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.DoesNotContain("downloading", second.Output, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Data_command_with_a_wrong_checksum_fails_with_one_line()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive);
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "data", "--url", server.Url.ToString(), "--sha256", new string('a', 64));

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("alexnet: error: The download from", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.Combine("cache", "oxflower17")));
    }

    [Fact]
    public async Task Data_command_reports_unreadable_files_by_name()
    {
        using var work = TestFiles.NewFolder();
        TestFiles.WriteImage(work.Combine("data", "cats", "a.png"), 9, 9, 1);
        TestFiles.WriteImage(work.Combine("data", "dogs", "b.png"), 9, 9, 2);
        File.WriteAllText(work.Combine("data", "dogs", "broken.jpg"), "this is not a JPEG");
        TestFiles.WriteImage(work.Combine("data", "dogs", "cut.jpg"), 40, 30, 3);
        File.WriteAllBytes(work.Combine("data", "dogs", "cut.jpg"), TestFiles.CutInScanData(File.ReadAllBytes(work.Combine("data", "dogs", "cut.jpg"))));

        var result = await AppRunner.RunAsync(work.Path, null, "data", "--data", work.Combine("data"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("broken.jpg", result.Error, StringComparison.Ordinal);
        Assert.Contains($"warning: skipped {work.Combine("data", "dogs", "cut.jpg")}: truncated: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("2 file(s) could not be read", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_command_warns_about_a_class_without_one_readable_image()
    {
        using var work = TestFiles.NewFolder();
        TestFiles.WriteImage(work.Combine("data", "cats", "a.png"), 9, 9, 1);
        Directory.CreateDirectory(work.Combine("data", "junk"));
        File.WriteAllText(work.Combine("data", "junk", "b.jpg"), "not a JPEG");

        var result = await AppRunner.RunAsync(work.Path, null, "data", "--data", work.Combine("data"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("warning: class 'junk' has no readable image: training on this data will stop until it has some.", result.Error, StringComparison.Ordinal);
    }
}
