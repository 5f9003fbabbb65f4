using System.Diagnostics;
using System.Security.Cryptography;
using AlexNet.Tests.Training;
using AlexNet.Training;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Reliability;

/// <summary>Items 7 and 9 of issue 16: downloads are bounded in bytes, entries, unpacked size, free space and silence, and say clearly which bound stopped them.</summary>
public sealed class DownloadTests
{
    // A loaded CI machine can take a second to set up the first connection: only the stall tests use a short stall timeout.
    private static readonly DownloadLimits Quick = new() { StallTimeout = TimeSpan.FromSeconds(10), FirstBackoff = TimeSpan.FromMilliseconds(50) };

    private static readonly DownloadLimits Stalling = Quick with { StallTimeout = TimeSpan.FromSeconds(1) };

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static Task<string> Download(Uri url, byte[] expected, TempFolder cache, DownloadLimits? limits = null, FaultyDisk? disk = null, List<string>? report = null) =>
        new DatasetDownloader(new HttpClient(), disk, limits ?? Quick, report is null ? null : report.Add)
            .DownloadAsync(url, Sha256(expected), cache.Path, "oxflower17", f => Oxford17.FindImageFolder(f) is not null, null, TestContext.Current.CancellationToken);

    private static void AssertNothingLeft(TempFolder cache) => Assert.Empty(Directory.EnumerateFileSystemEntries(cache.Path));

    [Fact]
    public async Task A_response_announcing_more_than_the_hard_cap_is_refused_before_its_body()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache, Quick with { HardCapBytes = 1000 }));

        Assert.Contains($"announces {archive.Length:N0} bytes, more than the 1,000 accepted (the hard cap on any download); refusing to fill the disk.", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task An_archive_much_larger_than_its_known_size_is_refused()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache, Quick with { KnownBytes = 1000 }));

        Assert.Contains("more than the 2,000 accepted (2× the archive's known size of 1,000 bytes)", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task An_endless_response_without_a_length_is_stopped_at_the_cap()
    {
        using var server = new ScriptedHttpServer(async (_, stream, token) =>
        {
            await ScriptedHttpServer.HeaderAsync(stream, null, token);
            var block = new byte[1 << 16];
            while (true)
            {
                await stream.WriteAsync(block, token);
            }
        });
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, [], cache, Quick with { HardCapBytes = 1 << 20 }));

        Assert.Contains("sent more than 1,048,576 bytes (the hard cap on any download); refusing to fill the disk.", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task An_archive_with_too_many_entries_is_not_unpacked()
    {
        byte[] archive = TestFiles.TarGz(Enumerable.Range(0, 30).Select(i => new TestFiles.Entry($"jpg/{i}.txt", [1])));
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache, Quick with { MaxEntries = 10 }));

        Assert.Contains("The archive has more than 10 entries (at 'jpg/10.txt'); refusing to extract it.", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task An_archive_unpacking_to_more_than_the_limit_is_stopped()
    {
        byte[] archive = TestFiles.TarGz([new("jpg/big.bin", new byte[200_000])]);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache, Quick with { MaxUnpackedBytes = 100_000 }));

        Assert.Contains("The archive unpacks to more than 100,000 bytes", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task Free_space_is_checked_before_downloading()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache, disk: new FaultyDisk { FreeBytes = 10 }));

        Assert.Contains($"The cache folder {cache.Path} has 0 MB free, but the download needs", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task Free_space_is_checked_before_unpacking()
    {
        byte[] archive = TestFiles.TarGz([new("jpg/zeros.bin", new byte[3_000_000])]); // compresses to a few kB
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache, disk: new FaultyDisk { FreeBytes = archive.Length + 100 }));

        Assert.Contains("but the archive unpacks to about 3", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task A_disk_that_fills_up_during_the_download_is_named_as_the_cause_not_the_connection()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache, disk: new FaultyDisk { Matching = ".download", BytesBeforeFull = 1000 }));

        Assert.Contains("failed (No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the disk holding the cache {cache.Path} is full or not writable", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("connection", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task A_server_that_accepts_and_sends_nothing_is_timed_out_retried_with_backoff_then_reported()
    {
        using var server = new ScriptedHttpServer((_, _, token) => Task.Delay(Timeout.Infinite, token));
        using var cache = TestFiles.NewFolder();
        var report = new List<string>();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, [], cache, Stalling, report: report));

        Assert.Equal($"Downloading {server.Url} failed 3 times; the last time: the server sent nothing for 1 second (after 0 bytes). Nothing was kept; try again later, or download from a mirror with --url and --sha256.", error.Message);
        Assert.Equal(
            [$"downloading {server.Url}: the server sent nothing for 1 second (after 0 bytes). Trying again in 0.1 seconds (attempt 2 of 3).",
             $"downloading {server.Url}: the server sent nothing for 1 second (after 0 bytes). Trying again in 0.1 seconds (attempt 3 of 3)."],
            report);
        Assert.Equal(3, server.Requests);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        AssertNothingLeft(cache);
    }

    [Fact]
    public async Task A_download_that_stalls_part_way_is_tried_again_and_succeeds()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new ScriptedHttpServer(async (request, stream, token) =>
        {
            if (request == 0)
            {
                await ScriptedHttpServer.HeaderAsync(stream, archive.Length, token);
                await stream.WriteAsync(archive.AsMemory(0, archive.Length / 2), token);
                await Task.Delay(Timeout.Infinite, token);
            }
            await ScriptedHttpServer.AnswerAsync(stream, archive, token);
        });
        using var cache = TestFiles.NewFolder();
        var report = new List<string>();

        string folder = await Download(server.Url, archive, cache, Stalling, report: report);

        Assert.Equal(cache.Combine("oxflower17"), folder);
        Assert.Contains($"the server sent nothing for 1 second (after {archive.Length / 2:N0} bytes)", Assert.Single(report), StringComparison.Ordinal);
        Assert.Equal(["oxflower17"], Directory.EnumerateFileSystemEntries(cache.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 20, 0 }, "The archive is a ZIP archive; expected a gzip-compressed tar file (.tar.gz or .tgz, starting with 1F8B).")]
    [InlineData(new byte[] { (byte)'h', (byte)'i', (byte)'!', 10 }, "The archive is not gzip-compressed (it starts with 6869210A); expected a gzip-compressed tar file")]
    public async Task An_archive_that_is_not_gzip_says_what_it_is_and_what_was_expected(byte[] archive, string expected)
    {
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, archive, cache));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("unsupported compression method", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache);
    }
}
