using AlexNet.Training.Data;
using Spectre.Console;

namespace AlexNet.Training.Cli;

/// <summary>
/// Finds the data a command works on: a folder given with <c>--data</c>; otherwise Oxford 17
/// Flowers in the cache folder, downloaded (with a progress bar), verified and unpacked there first
/// if it is missing. <c>ALEXNET_DATA_URL</c> and <c>ALEXNET_DATA_SHA256</c> point the download at a mirror.
/// </summary>
public static class DataLocator
{
    /// <summary>Overrides the download address.</summary>
    public const string UrlVariable = "ALEXNET_DATA_URL";

    /// <summary>The SHA-256 the overriding address must have.</summary>
    public const string Sha256Variable = "ALEXNET_DATA_SHA256";

    /// <summary>The folder to read: <paramref name="dataDirectory"/> when given, else the cached (and if needed downloaded) Oxford 17 Flowers.</summary>
    public static async Task<string> ResolveAsync(AppContext app, string? dataDirectory, Uri? url, string? sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (dataDirectory is not null)
        {
            return Path.GetFullPath(dataDirectory, app.WorkingDirectory);
        }
        string cacheRoot = DataCache.Root(app.Environment);
        string cached = Path.Combine(cacheRoot, Oxford17.CacheFolderName);
        if (Directory.Exists(cached))
        {
            return cached;
        }
        if (url is null && app.Environment(UrlVariable) is { Length: > 0 } configured)
        {
            url = CommonOptions.ParseUrl(configured);
        }
        sha256 ??= app.Environment(Sha256Variable);
        if (url is not null && string.IsNullOrWhiteSpace(sha256))
        {
            throw new AppException($"A download address other than the official one needs its SHA-256 too (--sha256 or {Sha256Variable}).");
        }
        url ??= Oxford17.OfficialUrl;
        sha256 ??= Oxford17.OfficialSha256;
        app.WriteLine($"Oxford 17 Flowers is not in {cached}; downloading {url} (set {DataCache.EnvironmentVariable} to use another cache folder, or pass --data DIR).");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var downloader = new DatasetDownloader(http);
        string result;
        if (app.IsInteractive)
        {
            result = await app.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("17flowers.tgz", maxValue: 60_000_000);
                    var progress = new Progress<(long Received, long? Total)>(p =>
                    {
                        if (p.Total is long total)
                        {
                            task.MaxValue = total;
                        }
                        task.Value = p.Received;
                    });
                    return await downloader.DownloadAsync(url, sha256, cacheRoot, Oxford17.CacheFolderName, IsOxford17, progress, cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        else
        {
            result = await downloader.DownloadAsync(url, sha256, cacheRoot, Oxford17.CacheFolderName, IsOxford17, null, cancellationToken).ConfigureAwait(false);
        }
        app.WriteLine($"Verified SHA-256 and unpacked into {result}.");
        return result;
    }

    private static bool IsOxford17(string folder) => Oxford17.FindImageFolder(folder) is not null;
}
