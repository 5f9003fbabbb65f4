using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

/// <summary>
/// The bilinear resize and the colour jitter as plain loops, one pixel and one channel at a time, in
/// the order the formulas in <see cref="BilinearResize"/> and <see cref="ColourJitter"/> read: the
/// oracle their vectorized loops are checked against (<see cref="VectorizedAugmentationTests"/>).
/// </summary>
internal static class PlainAugmentation
{
    /// <summary><see cref="BilinearResize.Resize"/>: across every row of the box, then down, each output the normalized triangle-weighted mean.</summary>
    public static void Resize(ReadOnlySpan<byte> hwc, int width, ResizedCrop.Box box, int size, bool flip, Span<float> chw)
    {
        var (acrossFirst, acrossWeights) = Axis(box.X, box.Width, size);
        var (downFirst, downWeights) = Axis(box.Y, box.Height, size);
        var rows = new float[box.Height, size, 3];
        for (int r = 0; r < box.Height; r++)
        {
            for (int o = 0; o < size; o++)
            {
                for (int c = 0; c < 3; c++)
                {
                    float sum = 0;
                    for (int k = 0; k < acrossWeights[o].Length; k++)
                    {
                        sum += acrossWeights[o][k] * hwc[((((box.Y + r) * width) + acrossFirst[o] + k) * 3) + c];
                    }
                    rows[r, o, c] = sum;
                }
            }
        }
        int plane = size * size;
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                for (int c = 0; c < 3; c++)
                {
                    float sum = 0;
                    for (int k = 0; k < downWeights[i].Length; k++)
                    {
                        sum += downWeights[i][k] * rows[downFirst[i] + k - box.Y, j, c];
                    }
                    chw[(c * plane) + (i * size) + (flip ? size - 1 - j : j)] = sum;
                }
            }
        }
    }

    /// <summary>Output o's first source pixel and its weights: max(0, 1 − |k + ½ − c| / support), normalized to sum 1.</summary>
    private static (int[] First, float[][] Weights) Axis(int start, int length, int outputs)
    {
        double scale = (double)length / outputs, support = Math.Max(scale, 1.0);
        var first = new int[outputs];
        var weights = new float[outputs][];
        for (int o = 0; o < outputs; o++)
        {
            double centre = start + ((o + 0.5) * scale);
            int low = Math.Max(start, (int)Math.Floor(centre - support));
            int high = Math.Min(start + length, (int)Math.Ceiling(centre + support));
            var raw = Enumerable.Range(low, high - low).Select(k => Math.Max(0, 1 - Math.Abs((k + 0.5 - centre) / support))).ToArray();
            double sum = raw.Sum();
            first[o] = low;
            weights[o] = [.. raw.Select(w => (float)(w / sum))];
        }
        return (first, weights);
    }

    /// <summary><see cref="ColourJitter.Apply"/>: the four changes in the draw's order, each clamped to 0…255 (the hue turn needs no clamp).</summary>
    public static void Jitter(Span<float> chw, ColourJitter.Draw draw)
    {
        int plane = chw.Length / 3;
        for (int position = 0; position < 4; position++)
        {
            var change = draw.At(position);
            double greySum = 0;
            for (int p = 0; p < plane; p++)
            {
                greySum += Grey(chw[p], chw[plane + p], chw[(2 * plane) + p]);
            }
            float mean = (float)(greySum / plane);
            for (int p = 0; p < plane; p++)
            {
                float r = chw[p], g = chw[plane + p], b = chw[(2 * plane) + p];
                (r, g, b) = change switch
                {
                    ColourJitter.Change.Brightness => (Clamp(draw.Brightness * r), Clamp(draw.Brightness * g), Clamp(draw.Brightness * b)),
                    ColourJitter.Change.Contrast => Blend(r, g, b, draw.Contrast, mean),
                    ColourJitter.Change.Saturation => Blend(r, g, b, draw.Saturation, Grey(r, g, b)),
                    _ => TurnHue(r, g, b, draw.Hue),
                };
                (chw[p], chw[plane + p], chw[(2 * plane) + p]) = (r, g, b);
            }
        }
    }

    private static (float, float, float) Blend(float r, float g, float b, float factor, float grey)
    {
        float towards = (1 - factor) * grey;
        return (Clamp((factor * r) + towards), Clamp((factor * g) + towards), Clamp((factor * b) + towards));
    }

    private static float Grey(float r, float g, float b) => (0.299f * r) + (0.587f * g) + (0.114f * b);

    private static float Clamp(float value) => Math.Clamp(value, 0f, 255f);

    /// <summary>RGB → HSV, the hue turned by <paramref name="shift"/> of a turn, → RGB.</summary>
    private static (float, float, float) TurnHue(float r, float g, float b, float shift)
    {
        float max = Math.Max(r, Math.Max(g, b)), chroma = max - Math.Min(r, Math.Min(g, b));
        if (chroma <= 0 || shift == 0)
        {
            return (r, g, b);
        }
        float hue = max == r ? ((g - b) / chroma) + 6 : max == g ? ((b - r) / chroma) + 2 : ((r - g) / chroma) + 4;
        hue = ((hue / 6) + shift) % 1;
        hue = hue < 0 ? hue + 1 : hue;
        float Channel(float n)
        {
            float k = (n + (hue * 6)) % 6;
            return max - (chroma * Math.Clamp(Math.Min(k, 4 - k), 0, 1));
        }
        return (Channel(5), Channel(3), Channel(1));
    }
}
