using System.Security.Cryptography;

namespace AlexNet.Training.Data;

/// <summary>
/// Fetches a data-set archive, checks its SHA-256 and unpacks it safely into the cache, so that the
/// data-set folder either appears complete or not at all: the download goes to a temporary file, the
/// archive is unpacked into a temporary folder next to the final one, and only a fully verified,
/// fully unpacked folder is renamed into place (a rename within one file system is atomic). Whatever
/// fails — network, checksum, a malicious entry, Ctrl+C — the temporaries are deleted.
/// </summary>
public sealed class DatasetDownloader
{
    private readonly HttpClient _http;

    public DatasetDownloader(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> into <paramref name="cacheRoot"/>/<paramref name="folderName"/>.
    /// <paramref name="isComplete"/> checks the unpacked folder's layout before it is moved into place.
    /// <paramref name="progress"/> receives (bytes received, total bytes when the server says).
    /// Returns the final folder.
    /// </summary>
    /// <exception cref="AppException">The download failed, was truncated, has the wrong checksum, or the archive is unsafe or has the wrong layout.</exception>
    public async Task<string> DownloadAsync(Uri url, string expectedSha256, string cacheRoot, string folderName,
        Func<string, bool> isComplete, IProgress<(long Received, long? Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(isComplete);
        Directory.CreateDirectory(cacheRoot);
        string final = Path.Combine(cacheRoot, folderName);
        string unique = Guid.NewGuid().ToString("N")[..12];
        string archivePath = Path.Combine(cacheRoot, $".{folderName}.{unique}.download");
        string extractPath = Path.Combine(cacheRoot, $".{folderName}.{unique}.unpacking");
        try
        {
            string actual = await FetchAsync(url, archivePath, progress, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(actual, expectedSha256.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                throw new AppException($"The download from {url} has SHA-256 {actual}, but {expectedSha256.Trim().ToLowerInvariant()} was expected; the file is damaged or not the data set. Nothing was kept; try again.");
            }
            Directory.CreateDirectory(extractPath);
            try
            {
                using var archive = File.OpenRead(archivePath);
                SafeArchive.ExtractTarGz(archive, extractPath, cancellationToken: cancellationToken);
            }
            catch (InvalidDataException e)
            {
                throw new AppException($"The archive from {url} was not unpacked: {e.Message}", e);
            }
            if (!isComplete(extractPath))
            {
                throw new AppException($"The archive from {url} does not unpack to the expected layout (for Oxford 17 Flowers: jpg/image_0001.jpg … jpg/image_1360.jpg, every one of them).");
            }
            if (Directory.Exists(final))
            {
                return final; // someone else finished the same download first
            }
            Directory.Move(extractPath, final);
            return final;
        }
        finally
        {
            TryDelete(archivePath, extractPath);
        }
    }

    /// <summary>Streams the response into <paramref name="path"/>, hashing as it goes; returns the lower-case hex SHA-256.</summary>
    private async Task<string> FetchAsync(Uri url, string path, IProgress<(long, long?)>? progress, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new AppException($"Downloading {url} failed: the server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            long? total = response.Content.Headers.ContentLength;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await using (file.ConfigureAwait(false))
                {
                    var buffer = new byte[1 << 16];
                    int read;
                    while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        received += read;
                        progress?.Report((received, total));
                    }
                }
            }
            if (total is long expected && received != expected)
            {
                throw new AppException($"The download from {url} was cut short: {received:N0} of {expected:N0} bytes arrived. Nothing was kept; try again.");
            }
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (HttpRequestException e)
        {
            throw new AppException($"Downloading {url} failed: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new AppException($"Downloading {url} timed out: the server did not answer within {Duration(_http.Timeout)}. Nothing was kept; try again later, or download from a mirror with --url and --sha256.", e);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new AppException($"Downloading {url} failed (the connection broke off: {e.Message}). Nothing was kept; try again.", e);
        }
    }

    private static string Duration(TimeSpan span) => span.TotalMinutes >= 1
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#} minutes")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} seconds");

    private static void TryDelete(string file, string folder)
    {
        try
        {
            File.Delete(file);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Leftover temporaries are harmless: their names start with '.', and nothing reads them.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
