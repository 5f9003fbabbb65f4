using System.Buffers.Binary;

namespace AlexNet.Training.Data;

/// <summary>
/// Spots JPEG and PNG files that were cut short. The decoder accepts both: it fills a JPEG's missing
/// scan data with grey and a PNG's missing rows with black, so a half-downloaded photo would train as
/// a good one. A JPEG is complete when its last end-of-image marker (FF D9) comes after its last
/// start-of-scan marker (FF DA): byte stuffing keeps both byte pairs out of the entropy-coded data,
/// and an EXIF thumbnail's own markers come earlier in the file. A PNG is complete when its chunks,
/// followed by their lengths, reach the IEND chunk inside the file.
/// </summary>
public static class ImageCompleteness
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Why <paramref name="stream"/> (a JPEG) is truncated, or null when it ends after its last scan.</summary>
    public static string? JpegProblem(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // Read backwards: whichever marker shows up first is the later one in the file.
        var buffer = new byte[1 << 16];
        long end = stream.Length;
        int following = -1; // the byte just after the block being scanned
        while (end > 0)
        {
            int count = (int)Math.Min(buffer.Length, end);
            stream.Position = end - count;
            stream.ReadExactly(buffer, 0, count);
            for (int i = count - 1; i >= 0; i--)
            {
                int next = i + 1 < count ? buffer[i + 1] : following;
                if (buffer[i] == 0xFF && next == 0xD9)
                {
                    return null;
                }
                if (buffer[i] == 0xFF && next == 0xDA)
                {
                    return "truncated: the JPEG ends inside its image data (no end-of-image marker after the last scan)";
                }
            }
            following = buffer[0];
            end -= count;
        }
        return "truncated: the JPEG has no end-of-image marker";
    }

    /// <summary>Why <paramref name="stream"/> (a PNG) is truncated, or null when its chunks reach IEND.</summary>
    public static string? PngProblem(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[8];
        long position = PngSignature.Length;
        while (position + 8 <= stream.Length)
        {
            stream.Position = position;
            stream.ReadExactly(header);
            long length = BinaryPrimitives.ReadUInt32BigEndian(header);
            long next = position + 12 + length; // length, type, data, CRC
            if (next > stream.Length)
            {
                return $"truncated: the PNG's {System.Text.Encoding.ASCII.GetString(header[4..])} chunk at byte {position:N0} needs {next - position:N0} bytes, but the file ends at {stream.Length:N0}";
            }
            if (header[4..].SequenceEqual("IEND"u8))
            {
                return null;
            }
            position = next;
        }
        return "truncated: the PNG ends without its IEND chunk";
    }
}
