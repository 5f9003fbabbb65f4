using System.Formats.Tar;
using System.IO.Compression;

namespace AlexNet.Training.Data;

/// <summary>
/// Unpacks a .tar.gz archive without trusting it: every entry must be a plain file or folder whose
/// relative path stays inside the destination. Absolute paths, <c>..</c> segments, symbolic and hard
/// links and device files make the whole archive fail before anything outside the destination could
/// be touched; a size limit stops decompression bombs. Callers extract into a fresh temporary folder
/// and delete it when this throws.
/// </summary>
public static class SafeArchive
{
    /// <summary>The default limit on the unpacked size: far above the 60 MB flowers archive.</summary>
    public const long DefaultMaxBytes = 4L << 30;

    /// <summary>The default limit on the number of entries: far above the flowers archive's 1,363.</summary>
    public const int DefaultMaxEntries = 100_000;

    /// <summary>Extracts the gzip-compressed tar <paramref name="archive"/> into <paramref name="destination"/> (which must exist).</summary>
    /// <exception cref="InvalidDataException">Not gzip-compressed, an unsafe or malformed entry, more than <paramref name="maxBytes"/> of content or more than <paramref name="maxEntries"/> entries.</exception>
    public static void ExtractTarGz(Stream archive, string destination, long maxBytes = DefaultMaxBytes, CancellationToken cancellationToken = default, int maxEntries = DefaultMaxEntries)
    {
        ArgumentNullException.ThrowIfNull(archive);
        CheckGzipMagic(archive);
        int entries = 0;
        string root = Path.GetFullPath(destination);
        string rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        long total = 0;
        using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new TarReader(gzip);
        try
        {
            while (reader.GetNextEntry() is { } entry)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (++entries > maxEntries)
                {
                    throw new InvalidDataException($"The archive has more than {maxEntries:N0} entries (at '{entry.Name}'); refusing to extract it.");
                }
                if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                {
                    continue; // archive-wide metadata, not a file
                }
                string target = TargetPath(entry.Name, rootWithSeparator);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        total += entry.Length;
                        if (total > maxBytes)
                        {
                            throw new InvalidDataException($"The archive unpacks to more than {maxBytes:N0} bytes (at '{entry.Name}'); refusing to extract it.");
                        }
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        using (var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None))
                        {
                            entry.DataStream?.CopyTo(output);
                        }
                        break;
                    case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                        throw new InvalidDataException($"The archive contains a link '{entry.Name}' → '{entry.LinkName}'; links are not allowed (they could point outside the data folder).");
                    default:
                        throw new InvalidDataException($"The archive entry '{entry.Name}' is a {entry.EntryType}; only plain files and folders are allowed.");
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"The archive is damaged or not a .tar.gz file: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses anything but gzip before decompressing: GZipStream's own error for a ZIP or a plain tar
    /// ("unsupported compression method") does not say what the file is or what was expected.
    /// </summary>
    private static void CheckGzipMagic(Stream archive)
    {
        if (!archive.CanSeek)
        {
            return; // GZipStream reports it, less clearly
        }
        long start = archive.Position;
        Span<byte> magic = stackalloc byte[4];
        int read = archive.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        archive.Position = start;
        if (read >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            return;
        }
        string what = read >= 4 && magic[0] == 'P' && magic[1] == 'K' ? "a ZIP archive"
            : read >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h' ? "bzip2-compressed"
            : read >= 4 && magic[0] == 0xFD && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X' ? "xz-compressed"
            : read == 0 ? "empty" : $"not gzip-compressed (it starts with {Convert.ToHexString(magic[..read])})";
        throw new InvalidDataException($"The archive is {what}; expected a gzip-compressed tar file (.tar.gz or .tgz, starting with 1F8B).");
    }

    /// <summary>Where <paramref name="entryName"/> would land under the destination; throws when that is outside it.</summary>
    private static string TargetPath(string entryName, string rootWithSeparator)
    {
        if (string.IsNullOrEmpty(entryName) || entryName[0] is '/' or '\\' || Path.IsPathRooted(entryName) ||
            (entryName.Length >= 2 && entryName[1] == ':'))
        {
            throw new InvalidDataException($"The archive entry '{entryName}' has an absolute path; only relative paths are allowed.");
        }
        string[] segments = entryName.Split('/', '\\');
        if (segments.Contains(".."))
        {
            throw new InvalidDataException($"The archive entry '{entryName}' climbs out of its folder with '..'; refusing to extract it.");
        }
        string relative = Path.Combine(segments.Where(s => s.Length > 0 && s != ".").ToArray());
        string full = Path.GetFullPath(Path.Combine(rootWithSeparator, relative));
        if (!full.StartsWith(rootWithSeparator, StringComparison.Ordinal) && full + Path.DirectorySeparatorChar != rootWithSeparator)
        {
            throw new InvalidDataException($"The archive entry '{entryName}' would be written outside the destination folder.");
        }
        return full;
    }
}
