using AlexNet.Tests.Training;

namespace AlexNet.Tests.Reliability;

/// <summary>Item 6 of issue 16: a killed run's temporaries are removed on the next start (only our own names), and the freed space is reported.</summary>
public sealed class LeftoverTests
{
    private const string Guid32 = "0123456789abcdef0123456789abcdef", Id12 = "0123456789ab";

    [Fact]
    public async Task Resuming_removes_the_temporaries_of_interrupted_writes_and_nothing_else()
    {
        using var work = TestFiles.NewFolder();
        string run = await SoakRun.TrainOneEpoch(work);
        string[] leftovers = [$".last.safetensors.{Guid32}.tmp", $".loss.png.{Guid32.Replace('0', '1')}.tmp"];
        string[] kept = ["notes.tmp", ".last.safetensors.tmp", $"last.safetensors.{Guid32}.tmp", $".last.safetensors.{Guid32}.tmp.bak"];
        File.WriteAllBytes(Path.Combine(run, leftovers[0]), new byte[2_000_000]);
        File.WriteAllBytes(Path.Combine(run, leftovers[1]), new byte[500_000]);
        foreach (string name in kept)
        {
            File.WriteAllText(Path.Combine(run, name), "mine");
        }

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", run, "--epochs", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"Removed 2 leftover(s) of interrupted writes from {run} (", resumed.Output, StringComparison.Ordinal);
        Assert.Contains("freeing 2.5 MB.", resumed.Output, StringComparison.Ordinal);
        Assert.All(leftovers, name => Assert.False(File.Exists(Path.Combine(run, name)), name));
        Assert.All(kept, name => Assert.True(File.Exists(Path.Combine(run, name)), name));
    }

    [Fact]
    public async Task A_download_left_over_in_the_cache_is_removed_once_it_has_been_quiet_and_a_live_one_is_kept()
    {
        using var work = TestFiles.NewFolder();
        string cache = work.Combine("cache");
        string oldArchive = Path.Combine(cache, $".oxflower17.{Id12}.download");
        string oldFolder = Path.Combine(cache, $".oxflower17.{Id12.Replace('0', '1')}.unpacking");
        string liveArchive = Path.Combine(cache, $".oxflower17.{Id12.Replace('0', '2')}.download");
        string other = Path.Combine(cache, ".oxflower17.download");
        Directory.CreateDirectory(Path.Combine(oldFolder, "jpg"));
        File.WriteAllBytes(oldArchive, new byte[1_000_000]);
        File.WriteAllBytes(Path.Combine(oldFolder, "jpg", "image_0001.jpg"), new byte[300_000]);
        File.WriteAllBytes(liveArchive, new byte[10]);
        File.WriteAllBytes(other, new byte[10]);
        var old = DateTime.UtcNow.AddHours(-1);
        foreach (string path in new[] { oldArchive, Path.Combine(oldFolder, "jpg", "image_0001.jpg") })
        {
            File.SetLastWriteTimeUtc(path, old);
        }
        Directory.SetLastWriteTimeUtc(Path.Combine(oldFolder, "jpg"), old);
        Directory.SetLastWriteTimeUtc(oldFolder, old);
        using var server = new LocalHttpServer([], status: 404);
        var environment = new Dictionary<string, string> { ["ALEXNET_DATA_URL"] = server.Url.ToString(), ["ALEXNET_DATA_SHA256"] = new string('a', 64) };

        var result = await AppRunner.RunAsync(work.Path, environment, "data");

        Assert.Equal(1, result.ExitCode); // the server has no archive; the cleaning came first
        Assert.Contains($"Removed 2 leftover(s) of interrupted downloads from {cache} (", result.Output, StringComparison.Ordinal);
        Assert.Contains("freeing 1.3 MB.", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(oldArchive));
        Assert.False(Directory.Exists(oldFolder));
        Assert.True(File.Exists(liveArchive));
        Assert.True(File.Exists(other));
    }
}
