namespace AlexNet.Training.Data;

/// <summary>
/// The bounds on a data-set download, so that no server and no archive can fill the disk or hang the
/// app: the bytes accepted (the archive's known size with a margin, the server's <c>Content-Length</c>,
/// and a hard cap, whichever is smallest), the entries and unpacked bytes of the archive, how long the
/// server may stay silent, and how often a broken or stalled download is tried again.
/// </summary>
public sealed record DownloadLimits
{
    /// <summary>No download is larger than this, whatever the server says.</summary>
    public long HardCapBytes { get; init; } = 4L << 30;

    /// <summary>The archive's size when it is known (the official Oxford 17 archive); null for another address.</summary>
    public long? KnownBytes { get; init; }

    /// <summary>How much larger than <see cref="KnownBytes"/> a download may be (a mirror may compress differently).</summary>
    public double KnownSizeMargin { get; init; } = 2;

    /// <summary>The most archive entries (files and folders) unpacked: Oxford 17 has 1,363.</summary>
    public int MaxEntries { get; init; } = SafeArchive.DefaultMaxEntries;

    /// <summary>The most bytes unpacked from the archive.</summary>
    public long MaxUnpackedBytes { get; init; } = SafeArchive.DefaultMaxBytes;

    /// <summary>How long the server may send nothing (no headers, no bytes) before the attempt is given up.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts in all, for a download that stalls or breaks off.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>The wait before the second attempt; it doubles before each further one.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The limits for the official Oxford 17 Flowers archive (about 60 MB).</summary>
    public static DownloadLimits Oxford17 { get; } = new() { KnownBytes = 60_000_000 };

    /// <summary>The most bytes accepted from a response announcing <paramref name="contentLength"/>, and why that many.</summary>
    public (long Bytes, string Reason) ByteLimit(long? contentLength)
    {
        var limit = (Bytes: HardCapBytes, Reason: "the hard cap on any download");
        if (KnownBytes is long known && (long)(known * KnownSizeMargin) < limit.Bytes)
        {
            limit = ((long)(known * KnownSizeMargin), $"{KnownSizeMargin:0.#}× the archive's known size of {known:N0} bytes");
        }
        if (contentLength is long announced && announced < limit.Bytes)
        {
            limit = (announced, "the length the server announced");
        }
        return limit;
    }
}
