using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Tests.Training;

/// <summary>Builders for the files app tests need: temporary folders, small images, crafted archives and headers.</summary>
public static class TestFiles
{
    /// <summary>A fresh empty folder under the system temp folder, deleted when disposed.</summary>
    public static TempFolder NewFolder() => new();

    /// <summary>Writes a <paramref name="width"/>×<paramref name="height"/> image whose colour depends on <paramref name="seed"/>; format from the extension.</summary>
    public static void WriteImage(string path, int width, int height, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)((x * 7) + (seed * 31)), (byte)((y * 5) + (seed * 17)), (byte)((x + y + seed) * 3));
            }
        }
        image.Save(path);
    }

    /// <summary>
    /// <paramref name="jpeg"/> with a comment segment after its start-of-image marker that carries an
    /// embedded thumbnail's markers (FF D8 … FF DA … FF D9), as an EXIF thumbnail does.
    /// </summary>
    public static byte[] JpegWithThumbnailMarkers(byte[] jpeg)
    {
        byte[] thumbnail = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0xFF, 0xD9];
        byte[] comment = [0xFF, 0xFE, 0, (byte)(thumbnail.Length + 2), .. thumbnail];
        return [.. jpeg[..2], .. comment, .. jpeg[2..]];
    }

    /// <summary><paramref name="jpeg"/> cut halfway between its (last) start-of-scan marker and its end.</summary>
    public static byte[] CutInScanData(byte[] jpeg)
    {
        int scan = jpeg.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA]);
        return jpeg[..(scan + ((jpeg.Length - scan) / 2))];
    }

    /// <summary>
    /// <paramref name="png"/> whose compressed pixel data (IDAT) is replaced by bytes that are no zlib stream,
    /// under a correct CRC: the header and the chunks are sound, so only a full decode finds it.
    /// </summary>
    public static byte[] PngWithCorruptPixels(byte[] png)
    {
        byte[] copy = [.. png];
        int type = copy.AsSpan().IndexOf("IDAT"u8);
        int length = BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(type - 4));
        copy.AsSpan(type + 4, length).Fill(0xFF);
        uint crc = Crc32(copy.AsSpan(type, 4 + length));
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(type + 4 + length), crc);
        return copy;
    }

    /// <summary>A PNG header (signature + IHDR with a correct CRC) claiming <paramref name="width"/>×<paramref name="height"/>, and no pixel data.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        var chunk = new List<byte>();
        chunk.AddRange([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        chunk.AddRange([0, 0, 0, 13]);
        byte[] typeAndData = [.. "IHDR"u8.ToArray(), .. ihdr];
        chunk.AddRange(typeAndData);
        uint crc = Crc32(typeAndData);
        chunk.AddRange([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
        return [.. chunk];
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }

    /// <summary>One entry of a test archive.</summary>
    public sealed record Entry(string Name, byte[]? Content = null, TarEntryType Type = TarEntryType.RegularFile, string? LinkName = null);

    /// <summary>A .tar.gz archive of <paramref name="entries"/> (PAX format, so any name is allowed).</summary>
    public static byte[] TarGz(IEnumerable<Entry> entries)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                var tar = new PaxTarEntry(entry.Type, entry.Name);
                if (entry.LinkName is not null)
                {
                    tar.LinkName = entry.LinkName;
                }
                if (entry.Content is not null)
                {
                    tar.DataStream = new MemoryStream(entry.Content);
                }
                writer.WriteEntry(tar);
            }
        }
        return memory.ToArray();
    }

    /// <summary>
    /// A small Oxford-17-shaped archive: jpg/image_NNNN.jpg for the first <paramref name="perClass"/>
    /// images of each class (80: the whole data set), tiny and alike within a class, so it builds fast.
    /// </summary>
    public static byte[] FlowerArchive(int perClass)
    {
        using var folder = NewFolder();
        var entries = new List<Entry> { new("jpg/", Type: TarEntryType.Directory) };
        for (int label = 0; label < 17; label++)
        {
            string path = Path.Combine(folder.Path, $"{label}.jpg");
            WriteImage(path, 12, 10, label);
            byte[] image = File.ReadAllBytes(path);
            for (int i = 0; i < perClass; i++)
            {
                int number = (label * 80) + i + 1;
                entries.Add(new Entry($"jpg/image_{number:D4}.jpg", image));
            }
        }
        entries.Add(new Entry("jpg/files.txt", Encoding.ASCII.GetBytes("image_0001.jpg\n")));
        return TarGz(entries);
    }
}

/// <summary>A temporary folder that deletes itself.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "alexnet-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
