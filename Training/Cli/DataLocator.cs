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
        CheckSha256(sha256, "--sha256");
        if (dataDirectory is not null)
        {
            return Path.GetFullPath(dataDirectory, app.WorkingDirectory);
        }
        string cacheRoot = DataCache.Root(app.Environment);
        Reliability.LeftoverCleaner.CleanDataCache(cacheRoot, DateTime.UtcNow, app.WriteLine);
        string cached = Path.Combine(cacheRoot, Oxford17.CacheFolderName);
        if (Directory.Exists(cached))
        {
            CheckCached(cached);
            return cached;
        }
        if (url is null && app.Environment(UrlVariable) is { Length: > 0 } configured)
        {
            url = CommonOptions.ParseUrl(configured, fromCommandLine: false);
        }
        if (sha256 is null && app.Environment(Sha256Variable) is { } fromEnvironment)
        {
            CheckSha256(fromEnvironment, Sha256Variable);
            sha256 = fromEnvironment;
        }
        if (url is not null && string.IsNullOrWhiteSpace(sha256))
        {
            throw AppException.Usage($"A download address other than the official one needs its SHA-256 too (--sha256 or {Sha256Variable}).");
        }
        url ??= Oxford17.OfficialUrl;
        sha256 ??= Oxford17.OfficialSha256;
        app.WriteLine($"Oxford 17 Flowers is not in {cached}; downloading {url} (set {DataCache.EnvironmentVariable} to use another cache folder, or pass --data DIR).");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var limits = url == Oxford17.OfficialUrl ? DownloadLimits.Oxford17 : new DownloadLimits();
        var downloader = new DatasetDownloader(http, app.Disk, limits, app.Warn);
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
            result = await downloader.DownloadAsync(url, sha256, cacheRoot, Oxford17.CacheFolderName, IsOxford17, new ProgressLines(app.WriteLine), cancellationToken).ConfigureAwait(false);
        }
        app.WriteLine($"Verified SHA-256 and unpacked into {result}.");
        return result;
    }

    /// <summary>A download's progress as a line every 10 seconds, for logs (a terminal gets the progress bar).</summary>
    private sealed class ProgressLines(Action<string> writeLine) : IProgress<(long Received, long? Total)>
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private TimeSpan _next = TimeSpan.FromSeconds(10);

        public void Report((long Received, long? Total) value)
        {
            if (_clock.Elapsed < _next)
            {
                return;
            }
            _next = _clock.Elapsed + TimeSpan.FromSeconds(10);
            writeLine(value.Total is long total
                ? $"downloaded {Reliability.RunFolderCheck.Megabytes(value.Received)} of {Reliability.RunFolderCheck.Megabytes(total)}"
                : $"downloaded {Reliability.RunFolderCheck.Megabytes(value.Received)}");
        }
    }

    /// <summary>Only a complete unpacked archive is moved into the cache.</summary>
    private static bool IsOxford17(string folder) => Oxford17.FindImageFolder(folder) is { } images && Oxford17.MissingFiles(images).Count == 0;

    /// <summary>The cache holds what the downloader unpacked; anything less was changed by hand or by another tool, and would train on a different data set.</summary>
    private static void CheckCached(string cached)
    {
        const string remedy = "delete the folder to download the data set again, or pass --data DIR to use another copy";
        if (Oxford17.FindImageFolder(cached) is not { } images)
        {
            throw new AppException($"The cache folder {cached} does not hold Oxford 17 Flowers (no jpg/image_NNNN.jpg files); {remedy}.");
        }
        var missing = Oxford17.MissingFiles(images);
        if (missing.Count > 0)
        {
            throw new AppException($"The cached Oxford 17 Flowers in {cached} is incomplete: {missing.Count} of {Oxford17.ClassNames.Count * Oxford17.ImagesPerClass} images are missing ({string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : "")}); {remedy}.");
        }
    }

    /// <summary>A SHA-256 is 64 hexadecimal digits; anything else can never match, so it is refused before a download starts.</summary>
    private static void CheckSha256(string? sha256, string source)
    {
        if (sha256 is not null && (sha256.Trim() is not { Length: 64 } digits || !digits.All(char.IsAsciiHexDigit)))
        {
            string message = $"{source} '{sha256}' is not a SHA-256: expected 64 hexadecimal digits (0-9, a-f), as sha256sum prints them.";
            throw source.StartsWith("--", StringComparison.Ordinal) ? AppException.Usage(message) : new AppException(message);
        }
    }
}
