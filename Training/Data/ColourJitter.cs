using System.Numerics;

namespace AlexNet.Training.Data;

/// <summary>
/// Colour jitter (torchvision's <c>ColorJitter</c>): four changes to a crop's colours, applied in a
/// random order drawn per image, as torchvision does, on the 0…255 scale and clamped to it after each:
/// <code>
///   brightness f:  p ← f·p                                      (f = 1: unchanged, 0: black)
///   contrast f:    p ← f·p + (1 − f)·m,  m = mean grey of the crop  (towards flat grey)
///   saturation f:  p ← f·p + (1 − f)·g,  g = grey of the pixel  (f = 0: black and white)
///   hue δ:         the pixel's hue turned by δ of the colour circle (RGB → HSV → RGB)
/// </code>
/// with grey = 0.299 R + 0.587 G + 0.114 B (ITU-R 601, torchvision's <c>rgb_to_grayscale</c>).
/// Factors 1 and a shift of 0 leave the pixels exactly as they were. Then comes the paper's PCA lighting.
/// </summary>
public static class ColourJitter
{
    /// <summary>The four changes, in the order <see cref="Draw.Order"/> names them by.</summary>
    public enum Change
    {
        Brightness = 0,
        Contrast = 1,
        Saturation = 2,
        Hue = 3,
    }

    /// <summary>One image's jitter: the three factors, the hue shift (a share of a full turn), and the order (four 2-bit <see cref="Change"/>s, first in the lowest bits).</summary>
    public readonly record struct Draw(float Brightness, float Contrast, float Saturation, float Hue, int Order)
    {
        /// <summary>The change applied <paramref name="position"/>-th (0 … 3).</summary>
        public Change At(int position) => (Change)((Order >> (2 * position)) & 3);

        /// <summary>No change at all.</summary>
        public static Draw None { get; } = new(1, 1, 1, 0, 0b11_10_01_00);
    }

    /// <summary>
    /// The jitter of training image <paramref name="imageIndex"/> in <paramref name="epoch"/>: factors
    /// uniform in [max(0, 1 − x), 1 + x], the hue shift in [−h, h], the order a uniform permutation.
    /// </summary>
    public static Draw ForTraining(ulong seed, int epoch, int imageIndex, JitterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var factors = RandomStream.Words(seed, RandomStream.Purpose.Jitter, (uint)epoch, (ulong)imageIndex);
        var order = RandomStream.Words(seed, RandomStream.Purpose.JitterOrder, (uint)epoch, (ulong)imageIndex);
        static float Factor(double strength, uint word)
        {
            double low = Math.Max(0, 1 - strength), high = 1 + strength;
            return (float)(low + ((high - low) * RandomStream.Uniform(word)));
        }
        float hue = (float)(settings.Hue * ((2 * RandomStream.Uniform(factors.X3)) - 1));
        // Fisher–Yates over the four changes, one word per position.
        Span<int> changes = [0, 1, 2, 3];
        uint[] words = [order.X0, order.X1, order.X2];
        for (int i = 3; i > 0; i--)
        {
            int j = RandomStream.Below(i + 1, words[3 - i], 0);
            (changes[i], changes[j]) = (changes[j], changes[i]);
        }
        int packed = changes[0] | (changes[1] << 2) | (changes[2] << 4) | (changes[3] << 6);
        return new Draw(Factor(settings.Brightness, factors.X0), Factor(settings.Contrast, factors.X1), Factor(settings.Saturation, factors.X2), hue, packed);
    }

    /// <summary>Applies <paramref name="draw"/> to the three planes of <paramref name="chw"/> (0…255 floats), in its order.</summary>
    public static void Apply(Span<float> chw, Draw draw)
    {
        int plane = chw.Length / 3;
        var r = chw[..plane];
        var g = chw.Slice(plane, plane);
        var b = chw.Slice(2 * plane, plane);
        for (int position = 0; position < 4; position++)
        {
            switch (draw.At(position))
            {
                case Change.Brightness when draw.Brightness != 1:
                    Scale(r, draw.Brightness);
                    Scale(g, draw.Brightness);
                    Scale(b, draw.Brightness);
                    break;
                case Change.Contrast when draw.Contrast != 1:
                    Blend(r, g, b, draw.Contrast, (float)(GreySum(r, g, b) / plane), perPixel: false);
                    break;
                case Change.Saturation when draw.Saturation != 1:
                    Blend(r, g, b, draw.Saturation, 0, perPixel: true);
                    break;
                case Change.Hue when draw.Hue != 0:
                    TurnHue(r, g, b, draw.Hue);
                    break;
            }
        }
    }

    // The loops below run Vector<float>.Count pixels at a time (8 with AVX2), then the tail one by one
    // with the same formula: each pixel is computed alone, so the vector and the scalar path agree.

    /// <summary>p ← clamp(f·p).</summary>
    private static void Scale(Span<float> channel, float factor)
    {
        int p = 0;
        for (; p <= channel.Length - Vector<float>.Count; p += Vector<float>.Count)
        {
            Clamp(new Vector<float>(channel[p..]) * factor).CopyTo(channel[p..]);
        }
        for (; p < channel.Length; p++)
        {
            channel[p] = Clamp(factor * channel[p]);
        }
    }

    /// <summary>Σ grey over the crop, in double (per-lane partial sums, each widened to double before it is added).</summary>
    private static double GreySum(ReadOnlySpan<float> r, ReadOnlySpan<float> g, ReadOnlySpan<float> b)
    {
        var sums = Vector<double>.Zero;
        int p = 0;
        for (; p <= r.Length - Vector<float>.Count; p += Vector<float>.Count)
        {
            Vector.Widen(Grey(new Vector<float>(r[p..]), new Vector<float>(g[p..]), new Vector<float>(b[p..])), out var low, out var high);
            sums += low + high;
        }
        double sum = Vector.Sum(sums);
        for (; p < r.Length; p++)
        {
            sum += Grey(r[p], g[p], b[p]);
        }
        return sum;
    }

    /// <summary>p ← f·p + (1 − f)·grey, with grey the constant <paramref name="mean"/> or, <paramref name="perPixel"/>, the pixel's own.</summary>
    private static void Blend(Span<float> r, Span<float> g, Span<float> b, float factor, float mean, bool perPixel)
    {
        int p = 0;
        for (; p <= r.Length - Vector<float>.Count; p += Vector<float>.Count)
        {
            Vector<float> vr = new(r[p..]), vg = new(g[p..]), vb = new(b[p..]);
            var towards = (1 - factor) * (perPixel ? Grey(vr, vg, vb) : new Vector<float>(mean));
            Clamp((factor * vr) + towards).CopyTo(r[p..]);
            Clamp((factor * vg) + towards).CopyTo(g[p..]);
            Clamp((factor * vb) + towards).CopyTo(b[p..]);
        }
        for (; p < r.Length; p++)
        {
            float grey = perPixel ? Grey(r[p], g[p], b[p]) : mean;
            float towards = (1 - factor) * grey;
            r[p] = Clamp((factor * r[p]) + towards);
            g[p] = Clamp((factor * g[p]) + towards);
            b[p] = Clamp((factor * b[p]) + towards);
        }
    }

    private static float Grey(float r, float g, float b) => (0.299f * r) + (0.587f * g) + (0.114f * b);

    private static Vector<float> Grey(Vector<float> r, Vector<float> g, Vector<float> b) => (0.299f * r) + (0.587f * g) + (0.114f * b);

    private static float Clamp(float value) => Math.Clamp(value, 0f, 255f);

    private static Vector<float> Clamp(Vector<float> value) => Vector.Min(Vector.Max(value, Vector<float>.Zero), new Vector<float>(255f));

    /// <summary>Turns every pixel's hue by <paramref name="shift"/> of a full turn, keeping its saturation and value (HSV).</summary>
    private static void TurnHue(Span<float> r, Span<float> g, Span<float> b, float shift)
    {
        int p = 0;
        for (; p <= r.Length - Vector<float>.Count; p += Vector<float>.Count)
        {
            Vector<float> vr = new(r[p..]), vg = new(g[p..]), vb = new(b[p..]);
            var max = Vector.Max(vr, Vector.Max(vg, vb));
            var chroma = max - Vector.Min(vr, Vector.Min(vg, vb));
            // Hue in sixths of a turn, as the scalar form below; lanes of grey (chroma 0) divide by 0 and are kept as they were.
            var sixths = Vector.ConditionalSelect(Vector.Equals(max, vr), ((vg - vb) / chroma) + new Vector<float>(6),
                Vector.ConditionalSelect(Vector.Equals(max, vg), ((vb - vr) / chroma) + new Vector<float>(2), ((vr - vg) / chroma) + new Vector<float>(4)));
            var turned = (sixths / 6) + new Vector<float>(shift); // in (−1/3, 5/3): into [0, 1) as x % 1 and a negative + 1 do
            turned = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(turned, Vector<float>.One), turned - Vector<float>.One, turned);
            turned = Vector.ConditionalSelect(Vector.LessThan(turned, Vector<float>.Zero), turned + Vector<float>.One, turned);
            var hue6 = turned * 6;
            var coloured = Vector.GreaterThan(chroma, Vector<float>.Zero);
            Vector.ConditionalSelect(coloured, Channel(5, hue6, max, chroma), vr).CopyTo(r[p..]);
            Vector.ConditionalSelect(coloured, Channel(3, hue6, max, chroma), vg).CopyTo(g[p..]);
            Vector.ConditionalSelect(coloured, Channel(1, hue6, max, chroma), vb).CopyTo(b[p..]);
        }
        for (; p < r.Length; p++)
        {
            (r[p], g[p], b[p]) = TurnHue(r[p], g[p], b[p], shift);
        }
    }

    /// <summary>One channel of <see cref="TurnHue(float, float, float, float)"/>, for a vector of pixels: n + 6·hue lies in [0, 12), so its remainder by 6 is one exact subtraction.</summary>
    private static Vector<float> Channel(float n, Vector<float> hue6, Vector<float> max, Vector<float> chroma)
    {
        var k = new Vector<float>(n) + hue6;
        k = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(k, new Vector<float>(6)), k - new Vector<float>(6), k);
        return max - (chroma * Vector.Min(Vector.Max(Vector.Min(k, new Vector<float>(4) - k), Vector<float>.Zero), Vector<float>.One));
    }

    /// <summary>Turns one pixel's hue by <paramref name="shift"/> of a full turn, keeping its saturation and value (HSV).</summary>
    private static (float R, float G, float B) TurnHue(float r, float g, float b, float shift)
    {
        float max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b));
        float chroma = max - min;
        if (chroma <= 0)
        {
            return (r, g, b); // grey has no hue to turn
        }
        // Hue in sixths of a turn: which colour is largest says the sector, the other two where in it.
        float hue = max == r ? ((g - b) / chroma) + 6 : max == g ? ((b - r) / chroma) + 2 : ((r - g) / chroma) + 4;
        hue = ((hue / 6) + shift) % 1;
        hue = hue < 0 ? hue + 1 : hue;
        // Back to RGB: each channel's distance round the circle from its own hue decides how much of the chroma it has.
        float Channel(float n)
        {
            float k = ((n + (hue * 6)) % 6);
            return max - (chroma * Math.Clamp(Math.Min(k, 4 - k), 0, 1));
        }
        return (Channel(5), Channel(3), Channel(1));
    }
}
