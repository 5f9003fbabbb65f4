using System.Security.Cryptography;
using AlexNet.Training.Cli;

namespace AlexNet.Tests.Training;

public sealed class DataCommandTests
{
    [Fact]
    public async Task Data_command_downloads_verifies_and_describes_the_data_set_once()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 80);
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
        Assert.Contains("1360 images", first.Output, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Error);
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
    public async Task Data_command_follows_a_class_list_file()
    {
        using var work = TestFiles.NewFolder();
        TestFiles.WriteImage(work.Combine("data", "cats", "a.png"), 9, 9, 1);
        TestFiles.WriteImage(work.Combine("data", "dogs", "b.png"), 9, 9, 2);
        TestFiles.WriteImage(work.Combine("data", "dogs", "c.png"), 9, 9, 3);
        File.WriteAllLines(work.Combine("order.txt"), ["dogs", "cats"]);

        var result = await AppRunner.RunAsync(work.Path, null, "data", "--data", work.Combine("data"), "--classes-file", work.Combine("order.txt"));

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Output.Split('\n').Select(line => line.Trim()).ToList();
        Assert.Contains(lines, line => line.StartsWith("0  dogs", StringComparison.Ordinal) && line.EndsWith("2 images", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("1  cats", StringComparison.Ordinal) && line.EndsWith("1 images", StringComparison.Ordinal));
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
    public async Task Data_command_fails_on_a_class_without_one_readable_image()
    {
        using var work = TestFiles.NewFolder();
        TestFiles.WriteImage(work.Combine("data", "cats", "a.png"), 9, 9, 1);
        Directory.CreateDirectory(work.Combine("data", "junk"));
        File.WriteAllText(work.Combine("data", "junk", "b.jpg"), "not a JPEG");

        var result = await AppRunner.RunAsync(work.Path, null, "data", "--data", work.Combine("data"));

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains("alexnet: error: Class 'junk' has no readable image, so training on this data would stop; expected at least one per class", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partial_archive_is_not_kept_in_the_cache()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 79);
        using var server = new LocalHttpServer(archive);
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "data", "--url", server.Url.ToString(), "--sha256", Convert.ToHexStringLower(SHA256.HashData(archive)));

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains("does not unpack to the expected layout", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.Combine("cache", "oxflower17")));
    }

    [Fact]
    public async Task An_incomplete_cached_data_set_is_refused_naming_what_is_missing()
    {
        using var work = TestFiles.NewFolder();
        Directory.CreateDirectory(work.Combine("cache", "oxflower17", "jpg"));
        foreach (int number in Enumerable.Range(1, 1360).Except([5, 100, 1360]))
        {
            File.WriteAllBytes(work.Combine("cache", "oxflower17", "jpg", $"image_{number:D4}.jpg"), []);
        }

        var data = await AppRunner.RunAsync(work.Path, null, "data");
        var train = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--epochs", "1");

        foreach (var result in new[] { data, train })
        {
            Assert.Equal(AppHost.Failure, result.ExitCode);
            Assert.Equal($"alexnet: error: The cached Oxford 17 Flowers in {work.Combine("cache", "oxflower17")} is incomplete: 3 of 1360 images are missing (image_0005.jpg, image_0100.jpg, image_1360.jpg); delete the folder to download the data set again, or pass --data DIR to use another copy.",
                result.Error.TrimEnd());
        }
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz38a60f8b4a95e657551247d3e7d799a3fafcdbc595be504b12839967823d70")]
    [InlineData("fe38a60f8b4a95e657551247d3e7d799a3fafcdbc595be504b12839967823d70aa")]
    public async Task A_sha256_that_is_not_64_hex_digits_is_refused_before_downloading(string sha256)
    {
        using var server = new LocalHttpServer([]);
        using var work = TestFiles.NewFolder();
        var fromEnvironment = new Dictionary<string, string> { [DataLocator.UrlVariable] = server.Url.ToString(), [DataLocator.Sha256Variable] = sha256 };

        var option = await AppRunner.RunAsync(work.Path, null, "data", "--url", server.Url.ToString(), "--sha256", sha256);
        var environment = await AppRunner.RunAsync(work.Path, fromEnvironment, "data");

        Assert.Equal(AppHost.UsageError, option.ExitCode);
        Assert.Equal($"alexnet: error: --sha256 '{sha256}' is not a SHA-256: expected 64 hexadecimal digits (0-9, a-f), as sha256sum prints them.", option.Error.TrimEnd());
        Assert.Equal(AppHost.Failure, environment.ExitCode);
        Assert.StartsWith($"alexnet: error: {DataLocator.Sha256Variable} '{sha256}' is not a SHA-256", environment.Error, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }
}
