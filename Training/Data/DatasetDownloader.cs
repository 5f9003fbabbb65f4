using System.Buffers.Binary;
using System.Security.Cryptography;
using AlexNet.Training.Reliability;

namespace AlexNet.Training.Data;

/// <summary>
/// Fetches a data-set archive, checks its SHA-256 and unpacks it safely into the cache, so that the
/// data-set folder either appears complete or not at all: the download goes to a temporary file, the
/// archive is unpacked into a temporary folder next to the final one, and only a fully verified,
/// fully unpacked folder is renamed into place (a rename within one file system is atomic). Whatever
/// fails — network, checksum, a malicious entry, Ctrl+C — the temporaries are deleted. Every size is
/// bounded (<see cref="DownloadLimits"/>), free space is checked before downloading and before
/// unpacking, and a server that stalls or breaks off is tried again after a growing wait.
/// </summary>
public sealed class DatasetDownloader
{
    private readonly HttpClient _http;
    private readonly IDisk _disk;
    private readonly DownloadLimits _limits;
    private readonly Action<string>? _report;

    /// <param name="http">the client (its own timeout bounds a whole attempt)</param>
    /// <param name="disk">where the archive is written (default: the local disk)</param>
    /// <param name="limits">the bounds (default: <see cref="DownloadLimits"/>' defaults)</param>
    /// <param name="report">receives a line for each retry</param>
    public DatasetDownloader(HttpClient http, IDisk? disk = null, DownloadLimits? limits = null, Action<string>? report = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _disk = disk ?? LocalDisk.Instance;
        _limits = limits ?? new DownloadLimits();
        _report = report;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> into <paramref name="cacheRoot"/>/<paramref name="folderName"/>.
    /// <paramref name="isComplete"/> checks the unpacked folder's layout before it is moved into place.
    /// <paramref name="progress"/> receives (bytes received, total bytes when the server says).
    /// Returns the final folder.
    /// </summary>
    /// <exception cref="AppException">The download failed, was truncated, too large, has the wrong checksum, the disk is full, or the archive is unsafe, too large or has the wrong layout.</exception>
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
            string actual = await FetchWithRetriesAsync(url, archivePath, cacheRoot, progress, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(actual, expectedSha256.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                throw new AppException($"The download from {url} has SHA-256 {actual}, but {expectedSha256.Trim().ToLowerInvariant()} was expected; the file is damaged or not the data set. Nothing was kept; try again.");
            }
            CheckRoomToUnpack(archivePath, cacheRoot);
            Directory.CreateDirectory(extractPath);
            try
            {
                using var archive = File.OpenRead(archivePath);
                SafeArchive.ExtractTarGz(archive, extractPath, _limits.MaxUnpackedBytes, cancellationToken, _limits.MaxEntries);
            }
            catch (InvalidDataException e)
            {
                throw new AppException($"The archive from {url} was not unpacked: {e.Message}", e);
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                throw new AppException($"Unpacking the archive from {url} into {extractPath} failed ({e.Message}); the disk holding {cacheRoot} may be full. Nothing was kept; free some space, or set {DataCache.EnvironmentVariable} to a folder on another disk.", e);
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

    /// <summary>A failure worth another attempt: the server stalled, broke off, or answered with a server error.</summary>
    private sealed class TransientException(string message, Exception? inner = null) : Exception(message, inner);

    private async Task<string> FetchWithRetriesAsync(Uri url, string path, string cacheRoot, IProgress<(long, long?)>? progress, CancellationToken cancellationToken)
    {
        var wait = _limits.FirstBackoff;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await FetchAsync(url, path, cacheRoot, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (TransientException e) when (attempt < _limits.Attempts)
            {
                _report?.Invoke($"downloading {url}: {e.Message} Trying again in {Duration(wait)} (attempt {attempt + 1} of {_limits.Attempts}).");
                File.Delete(path);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait *= 2;
            }
            catch (TransientException e)
            {
                throw new AppException($"Downloading {url} failed {(_limits.Attempts == 1 ? "" : $"{_limits.Attempts} times; the last time: ")}{e.Message} Nothing was kept; try again later, or download from a mirror with --url and --sha256.", e);
            }
        }
    }

    /// <summary>Streams the response into <paramref name="path"/>, hashing as it goes; returns the lower-case hex SHA-256.</summary>
    private async Task<string> FetchAsync(Uri url, string path, string cacheRoot, IProgress<(long, long?)>? progress, CancellationToken cancellationToken)
    {
        // Cancelled whenever the server has been silent for the stall timeout; each arriving block restarts the clock.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(_limits.StallTimeout);
        long received = 0;
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500)
            {
                throw new TransientException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new AppException($"Downloading {url} failed: the server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            long? total = response.Content.Headers.ContentLength;
            var (limit, why) = _limits.ByteLimit(total);
            if (total > limit)
            {
                throw new AppException($"The download from {url} announces {total:N0} bytes, more than the {limit:N0} accepted ({why}); refusing to fill the disk. Nothing was kept.");
            }
            long needed = total ?? _limits.KnownBytes ?? 0;
            long free = _disk.AvailableBytes(cacheRoot);
            if (free < needed)
            {
                throw new AppException($"The cache folder {cacheRoot} has {RunFolderCheck.Megabytes(free)} free, but the download needs {RunFolderCheck.Megabytes(needed)} (and about as much again to unpack it). Free some space, or set {DataCache.EnvironmentVariable} to a folder on another disk.");
            }
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var file = _disk.CreateNew(path, asynchronous: true);
                await using (file.ConfigureAwait(false))
                {
                    var buffer = new byte[1 << 16];
                    while (true)
                    {
                        stall.CancelAfter(_limits.StallTimeout);
                        int read = await ReadAsync(body, buffer, url, received, stall.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }
                        received += read;
                        if (received > limit)
                        {
                            throw new AppException($"The download from {url} sent more than {limit:N0} bytes ({why}); refusing to fill the disk. Nothing was kept; check the address, or pass --url and --sha256 of the right file.");
                        }
                        hash.AppendData(buffer, 0, read);
                        await WriteAsync(file, buffer.AsMemory(0, read), path, cacheRoot, stall.Token).ConfigureAwait(false);
                        progress?.Report((received, total));
                    }
                }
            }
            if (total is long expected && received != expected)
            {
                throw new TransientException($"the download was cut short: {received:N0} of {expected:N0} bytes arrived.");
            }
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (HttpRequestException e)
        {
            throw new TransientException($"{e.Message.TrimEnd('.')}.", e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new AppException($"Downloading {url} timed out: the server did not answer within {Duration(_http.Timeout)}. Nothing was kept; try again later, or download from a mirror with --url and --sha256.", e);
        }
        catch (OperationCanceledException e) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransientException($"the server sent nothing for {Duration(_limits.StallTimeout)} (after {received:N0} bytes).", e);
        }
    }

    /// <summary>Reads from the network; a connection that breaks off is worth another attempt.</summary>
    private static async Task<int> ReadAsync(Stream body, byte[] buffer, Uri url, long received, CancellationToken cancellationToken)
    {
        try
        {
            return await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new TransientException($"the connection broke off after {received:N0} bytes ({e.Message}).", e);
        }
    }

    /// <summary>Writes to the disk; a failure here is the disk's (full, read-only), not the network's.</summary>
    private static async Task WriteAsync(Stream file, ReadOnlyMemory<byte> block, string path, string cacheRoot, CancellationToken cancellationToken)
    {
        try
        {
            await file.WriteAsync(block, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AppException($"Writing the download to {path} failed ({e.Message}): the disk holding the cache {cacheRoot} is full or not writable. Nothing was kept; free some space, or set {DataCache.EnvironmentVariable} to a folder on another disk.", e);
        }
    }

    /// <summary>Checks, before unpacking, that the disk has room for what the archive says it unpacks to (gzip's last four bytes: the size modulo 4 GiB).</summary>
    private void CheckRoomToUnpack(string archivePath, string cacheRoot)
    {
        long archiveBytes = new FileInfo(archivePath).Length;
        long unpacked = archiveBytes;
        if (archiveBytes >= 4)
        {
            using var stream = File.OpenRead(archivePath);
            Span<byte> size = stackalloc byte[4];
            stream.Position = archiveBytes - 4;
            stream.ReadExactly(size);
            unpacked = Math.Max(archiveBytes, BinaryPrimitives.ReadUInt32LittleEndian(size));
        }
        long free = _disk.AvailableBytes(cacheRoot);
        if (free < unpacked)
        {
            throw new AppException($"The cache folder {cacheRoot} has {RunFolderCheck.Megabytes(free)} free, but the archive unpacks to about {RunFolderCheck.Megabytes(unpacked)}. Nothing was kept; free some space, or set {DataCache.EnvironmentVariable} to a folder on another disk.");
        }
    }

    private static string Duration(TimeSpan span) => span == TimeSpan.FromSeconds(1) ? "1 second"
        : span.TotalMinutes >= 1
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
            // Left over temporaries are removed on the next start (LeftoverCleaner).
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
