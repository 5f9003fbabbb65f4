using System.Globalization;

namespace AlexNet.Training.Data;

/// <summary>
/// A generated data set for offline smoke runs and tests: class k is a stripe pattern at its own
/// angle and tint, each image with its own phase, frequency jitter and pixel noise. Every pixel is a
/// pure function of (class, image index, position), so the data set is the same on every machine and
/// independent of the training seed — and easy enough that a small network learns it in seconds.
/// </summary>
public static class SyntheticData
{
    /// <summary>How a synthetic data set's location begins: <c>synthetic:4x40</c>.</summary>
    public const string Prefix = "synthetic:";

    private const ulong Seed = 0x5EED_DA7A;
    private static readonly double GoldenAngle = Math.PI * (3 - Math.Sqrt(5));

    /// <summary>The name of class <paramref name="label"/>: <c>pattern-0</c>, <c>pattern-1</c>, ….</summary>
    public static string ClassName(int label) => string.Create(CultureInfo.InvariantCulture, $"pattern-{label}");

    /// <summary>The source name of image <paramref name="index"/> of class <paramref name="label"/>.</summary>
    public static string Source(int label, int index) => string.Create(CultureInfo.InvariantCulture, $"synthetic/{label}/{index}");

    /// <summary>Draws the image named by <paramref name="item"/> as <paramref name="size"/>×<paramref name="size"/>×3 HWC bytes.</summary>
    public static byte[] Render(DataItem item, int size)
    {
        string[] parts = item.Source.Split('/');
        int label = item.Label;
        int index = int.Parse(parts[^1], CultureInfo.InvariantCulture);
        var header = RandomStream.Words(Seed, RandomStream.Purpose.Synthetic, (uint)label, (ulong)index << 32);
        double angle = (label * GoldenAngle) % Math.PI;
        double frequency = (3 + (label % 3)) * (0.9 + (0.2 * RandomStream.OpenUniform(header.X0)));
        double phase = 2 * Math.PI * RandomStream.OpenUniform(header.X1);
        double hue = label * GoldenAngle;
        (double r, double g, double b) tint = (Math.Cos(hue), Math.Cos(hue + 2.1), Math.Cos(hue + 4.2));
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double wave = Math.Sin((2 * Math.PI * frequency * ((x * cos) + (y * sin)) / size) + phase);
                var noise = RandomStream.Words(Seed, RandomStream.Purpose.Synthetic, (uint)label, ((ulong)index << 32) | (uint)((y * size) + x + 1));
                int p = ((y * size) + x) * 3;
                pixels[p] = Channel(wave, tint.r, noise.X0);
                pixels[p + 1] = Channel(wave, tint.g, noise.X1);
                pixels[p + 2] = Channel(wave, tint.b, noise.X2);
            }
        }
        return pixels;
    }

    private static byte Channel(double wave, double tint, uint noise)
    {
        double value = 128 + (70 * wave) + (40 * tint) + (((noise >> 24) - 127.5) * 0.25);
        return (byte)Math.Clamp((int)Math.Round(value), 0, 255);
    }
}
