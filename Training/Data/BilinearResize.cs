using System.Buffers;
using System.Numerics;

namespace AlexNet.Training.Data;

/// <summary>
/// Resizes a box of a stored HWC image to the network's square input with the bilinear (triangle)
/// filter, one axis at a time. Output pixel o of an axis sits, in source coordinates, at
/// c = start + (o + ½)·scale with scale = box length / output length, and is the weighted mean of the
/// source pixels k whose centres k + ½ lie within the filter's reach:
/// <code>
///   weight(k) = max(0, 1 − |k + ½ − c| / support),  support = max(scale, 1),  weights normalized to sum 1
/// </code>
/// When enlarging (scale ≤ 1) that is plain bilinear interpolation between the two nearest pixels;
/// when shrinking, the triangle widens to cover every source pixel, which is what keeps a large box
/// from aliasing (PIL's and torchvision's antialiased bilinear). A box of exactly the output's size
/// copies its pixels unchanged.
/// </summary>
public static class BilinearResize
{
    /// <summary>One axis's filter: output o reads <see cref="Count"/>[o] source pixels from <see cref="First"/>[o], weights at <c>o·Stride</c>.</summary>
    private sealed record Taps(int[] First, int[] Count, float[] Weights, int Stride);

    private static Taps Axis(int start, int length, int outputs)
    {
        double scale = (double)length / outputs;
        double support = Math.Max(scale, 1.0);
        int stride = ((int)Math.Ceiling(support) * 2) + 2;
        var first = new int[outputs];
        var count = new int[outputs];
        var weights = new float[outputs * stride];
        Span<double> raw = stackalloc double[stride];
        for (int o = 0; o < outputs; o++)
        {
            double centre = start + ((o + 0.5) * scale);
            int low = Math.Max(start, (int)Math.Floor(centre - support));
            int high = Math.Min(start + length, (int)Math.Ceiling(centre + support));
            double sum = 0;
            for (int k = low; k < high; k++)
            {
                raw[k - low] = Math.Max(0, 1 - Math.Abs((k + 0.5 - centre) / support));
                sum += raw[k - low];
            }
            first[o] = low;
            count[o] = high - low;
            for (int k = 0; k < high - low; k++)
            {
                weights[(o * stride) + k] = (float)(raw[k] / sum);
            }
        }
        return new Taps(first, count, weights, stride);
    }

    /// <summary>
    /// Writes <paramref name="box"/> of the <paramref name="width"/>-pixel-wide HWC image, resized to
    /// <paramref name="size"/>×<paramref name="size"/> and mirrored left–right when <paramref name="flip"/>,
    /// as three planes of floats on the 0…255 scale (CHW).
    /// </summary>
    public static void Resize(ReadOnlySpan<byte> hwc, int width, ResizedCrop.Box box, int size, bool flip, Span<float> chw)
    {
        var across = Axis(box.X, box.Width, size);
        var down = Axis(box.Y, box.Height, size);
        // First pass, across: every row of the box becomes `size` pixels (rows × size × 3, interleaved).
        float[] rows = ArrayPool<float>.Shared.Rent(box.Height * size * 3);
        try
        {
            for (int r = 0; r < box.Height; r++)
            {
                var row = hwc.Slice((box.Y + r) * width * 3, width * 3);
                for (int o = 0; o < size; o++)
                {
                    float red = 0, green = 0, blue = 0;
                    for (int k = 0; k < across.Count[o]; k++)
                    {
                        float weight = across.Weights[(o * across.Stride) + k];
                        int p = (across.First[o] + k) * 3;
                        red += weight * row[p];
                        green += weight * row[p + 1];
                        blue += weight * row[p + 2];
                    }
                    int at = ((r * size) + o) * 3;
                    rows[at] = red;
                    rows[at + 1] = green;
                    rows[at + 2] = blue;
                }
            }
            // Second pass, down: each output row mixes the rows its filter reaches, Vector<float>.Count
            // interleaved values at a time (the same sums in the same order as one value at a time),
            // then goes to the three planes, mirrored if asked.
            int plane = size * size, line = size * 3;
            float[] mixed = ArrayPool<float>.Shared.Rent(line);
            try
            {
                for (int i = 0; i < size; i++)
                {
                    var output = mixed.AsSpan(0, line);
                    output.Clear();
                    for (int k = 0; k < down.Count[i]; k++)
                    {
                        float weight = down.Weights[(i * down.Stride) + k];
                        var source = rows.AsSpan((down.First[i] + k - box.Y) * line, line);
                        int v = 0;
                        for (; v <= line - Vector<float>.Count; v += Vector<float>.Count)
                        {
                            (new Vector<float>(output[v..]) + (weight * new Vector<float>(source[v..]))).CopyTo(output[v..]);
                        }
                        for (; v < line; v++)
                        {
                            output[v] += weight * source[v];
                        }
                    }
                    for (int j = 0; j < size; j++)
                    {
                        int destination = (i * size) + (flip ? size - 1 - j : j);
                        chw[destination] = output[j * 3];
                        chw[plane + destination] = output[(j * 3) + 1];
                        chw[(2 * plane) + destination] = output[(j * 3) + 2];
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(mixed);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
        }
    }
}
