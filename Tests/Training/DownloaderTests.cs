using System.Formats.Tar;
using System.Security.Cryptography;
using AlexNet.Training;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

public sealed class DownloaderTests
{
    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static Task<string> Download(Uri url, string sha, string cache, HttpClient? http = null) =>
        new DatasetDownloader(http ?? new HttpClient(), limits: new DownloadLimits { FirstBackoff = TimeSpan.FromMilliseconds(10) }).DownloadAsync(url, sha, cache, "oxflower17", f => Oxford17.FindImageFolder(f) is not null, null, TestContext.Current.CancellationToken);

    /// <summary>After a failure nothing may be left: no data-set folder and no temporary download or unpacking folder.</summary>
    private static void AssertNothingLeft(string cache) =>
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));

    [Fact]
    public async Task Good_archive_is_verified_and_unpacked_into_place()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 2);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        string folder = await Download(server.Url, Sha256(archive), cache.Path);

        Assert.Equal(cache.Combine("oxflower17"), folder);
        Assert.True(File.Exists(cache.Combine("oxflower17", "jpg", "image_0001.jpg")));
        Assert.Equal(34, Oxford17.ListFiles(cache.Combine("oxflower17", "jpg")).Count);
        Assert.Equal(["oxflower17"], Directory.EnumerateFileSystemEntries(cache.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Wrong_checksum_keeps_nothing()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, new string('0', 64), cache.Path));

        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Contains(Sha256(archive), error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache.Path);
    }

    [Fact]
    public async Task Truncated_download_keeps_nothing()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive, truncateAfter: archive.Length / 2);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, Sha256(archive), cache.Path));

        Assert.Contains("try again", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache.Path);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_reported_as_a_timeout()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var server = new LocalHttpServer(archive, delay: TimeSpan.FromSeconds(30));
        using var cache = TestFiles.NewFolder();
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, Sha256(archive), cache.Path, http));

        Assert.Contains($"Downloading {server.Url} timed out: the server did not answer within 0.3 seconds. Nothing was kept", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache.Path);
    }

    [Fact]
    public async Task Server_error_is_reported_with_its_status()
    {
        using var server = new LocalHttpServer([], status: 404);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, new string('0', 64), cache.Path));

        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache.Path);
    }

    public static TheoryData<string, TestFiles.Entry> UnsafeEntries => new()
    {
        { "'..'", new TestFiles.Entry("jpg/../../escaped.txt", "x"u8.ToArray()) },
        { "'..'", new TestFiles.Entry("../escaped.txt", "x"u8.ToArray()) },
        { "absolute path", new TestFiles.Entry("/tmp/alexnet-escaped.txt", "x"u8.ToArray()) },
        { "link", new TestFiles.Entry("jpg/passwd", Type: TarEntryType.SymbolicLink, LinkName: "/etc/passwd") },
        { "link", new TestFiles.Entry("jpg/hard", Type: TarEntryType.HardLink, LinkName: "jpg/image_0001.jpg") },
        { "Fifo", new TestFiles.Entry("jpg/pipe", Type: TarEntryType.Fifo) },
    };

    [Theory]
    [MemberData(nameof(UnsafeEntries))]
    public async Task Unsafe_archive_entries_reject_the_whole_archive(string expected, TestFiles.Entry unsafeEntry)
    {
        using var image = TestFiles.NewFolder();
        TestFiles.WriteImage(image.Combine("a.jpg"), 8, 8, 1);
        byte[] archive = TestFiles.TarGz([new("jpg/image_0001.jpg", File.ReadAllBytes(image.Combine("a.jpg"))), unsafeEntry]);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, Sha256(archive), cache.Path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache.Path);
        Assert.False(File.Exists(Path.Combine(cache.Path, "..", "escaped.txt")));
        Assert.False(File.Exists("/tmp/alexnet-escaped.txt"));
    }

    [Fact]
    public async Task Archive_without_the_flowers_layout_is_not_kept()
    {
        byte[] archive = TestFiles.TarGz([new("readme.txt", "not flowers"u8.ToArray())]);
        using var server = new LocalHttpServer(archive);
        using var cache = TestFiles.NewFolder();

        var error = await Assert.ThrowsAsync<AppException>(() => Download(server.Url, Sha256(archive), cache.Path));

        Assert.Contains("layout", error.Message, StringComparison.Ordinal);
        AssertNothingLeft(cache.Path);
    }

    [Fact]
    public void Decompression_bomb_is_stopped_at_the_size_limit()
    {
        byte[] archive = TestFiles.TarGz([new("big.bin", new byte[100_000])]);
        using var destination = TestFiles.NewFolder();

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.ExtractTarGz(new MemoryStream(archive), destination.Path, maxBytes: 50_000, TestContext.Current.CancellationToken));

        Assert.Contains("more than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_archive_is_reported_as_damaged()
    {
        byte[] archive = TestFiles.FlowerArchive(perClass: 1);
        using var destination = TestFiles.NewFolder();

        Assert.Throws<InvalidDataException>(() => SafeArchive.ExtractTarGz(new MemoryStream(archive[..(archive.Length / 3)]), destination.Path, cancellationToken: TestContext.Current.CancellationToken));
    }
}
