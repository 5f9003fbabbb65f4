using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// copies its pixels unchanged. Speed: the across pass gathers the taps of eight outputs at a time
/// (AVX2) and the down pass adds whole lines of a plane; both sum from 0 in tap order, so the result
/// is the plain loops' to the bit (<c>VectorizedAugmentationTests</c>).
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
    /// The across filter laid out for eight outputs at a time: for tap slot k and output o,
    /// <see cref="Offsets"/>[k·Padded + o] is the tap's float offset in the box's row (pixel × 3) and
    /// <see cref="Weights"/> its weight. Outputs with fewer taps than <see cref="Slots"/>, and the
    /// padding outputs past the last, read pixel 0 with weight 0: adding 0·x leaves a sum as it was.
    /// </summary>
    private sealed record SlotTaps(int[] Offsets, float[] Weights, int Slots, int Padded);

    private static SlotTaps Slotted(Taps taps, int start, int outputs)
    {
        int slots = taps.Count.Max();
        int padded = (outputs + 7) & ~7;
        var offsets = new int[slots * padded];
        var weights = new float[slots * padded];
        for (int o = 0; o < outputs; o++)
        {
            for (int k = 0; k < taps.Count[o]; k++)
            {
                offsets[(k * padded) + o] = (taps.First[o] + k - start) * 3;
                weights[(k * padded) + o] = taps.Weights[(o * taps.Stride) + k];
            }
        }
        return new SlotTaps(offsets, weights, slots, padded);
    }

    /// <summary>
    /// Writes <paramref name="box"/> of the <paramref name="width"/>-pixel-wide HWC image, resized to
    /// <paramref name="size"/>×<paramref name="size"/> and mirrored left–right when <paramref name="flip"/>,
    /// as three planes of floats on the 0…255 scale (CHW).
    /// </summary>
    public static void Resize(ReadOnlySpan<byte> hwc, int width, ResizedCrop.Box box, int size, bool flip, Span<float> chw)
    {
        var across = Slotted(Axis(box.X, box.Width, size), box.X, size);
        var down = Axis(box.Y, box.Height, size);
        // First pass, across: every row of the box becomes `size` pixels, one plane per channel
        // (3 × rows × Padded), so that the second pass reads whole lines of one channel.
        int padded = across.Padded;
        float[] planes = ArrayPool<float>.Shared.Rent(3 * box.Height * padded);
        float[] pixels = ArrayPool<float>.Shared.Rent(box.Width * 3);
        try
        {
            for (int r = 0; r < box.Height; r++)
            {
                ToFloats(hwc.Slice((((box.Y + r) * width) + box.X) * 3, box.Width * 3), pixels);
                for (int c = 0; c < 3; c++)
                {
                    Across(pixels, c, across, planes.AsSpan(((c * box.Height) + r) * padded, padded));
                }
            }
            // Second pass, down: each output row of a plane mixes the rows its filter reaches,
            // Vector<float>.Count values at a time (the same sums in the same order as one at a time).
            int plane = size * size;
            for (int c = 0; c < 3; c++)
            {
                for (int i = 0; i < size; i++)
                {
                    var output = chw.Slice((c * plane) + (i * size), size);
                    output.Clear();
                    for (int k = 0; k < down.Count[i]; k++)
                    {
                        float weight = down.Weights[(i * down.Stride) + k];
                        var source = planes.AsSpan((((c * box.Height) + down.First[i] + k - box.Y) * padded), size);
                        int v = 0;
                        for (; v <= size - Vector<float>.Count; v += Vector<float>.Count)
                        {
                            (new Vector<float>(output[v..]) + (weight * new Vector<float>(source[v..]))).CopyTo(output[v..]);
                        }
                        for (; v < size; v++)
                        {
                            output[v] += weight * source[v];
                        }
                    }
                    if (flip)
                    {
                        output.Reverse();
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pixels);
            ArrayPool<float>.Shared.Return(planes);
        }
    }

    /// <summary>The row's bytes as floats, Vector&lt;byte&gt;.Count at a time.</summary>
    private static void ToFloats(ReadOnlySpan<byte> bytes, Span<float> floats)
    {
        int i = 0;
        for (; i <= bytes.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            Vector.Widen(new Vector<byte>(bytes[i..]), out var low, out var high);
            Vector.Widen(low, out var a, out var b);
            Vector.Widen(high, out var c, out var d);
            int n = Vector<float>.Count;
            Vector.ConvertToSingle(a).CopyTo(floats[i..]);
            Vector.ConvertToSingle(b).CopyTo(floats[(i + n)..]);
            Vector.ConvertToSingle(c).CopyTo(floats[(i + (2 * n))..]);
            Vector.ConvertToSingle(d).CopyTo(floats[(i + (3 * n))..]);
        }
        for (; i < bytes.Length; i++)
        {
            floats[i] = bytes[i];
        }
    }

    /// <summary>
    /// Channel <paramref name="channel"/> of one row, across: output o = Σ_k weight[k, o] · pixels[offset[k, o] + channel],
    /// summed from 0 in tap order. With AVX2, eight outputs at once by gathering their k-th taps.
    /// </summary>
    private static unsafe void Across(ReadOnlySpan<float> pixels, int channel, SlotTaps taps, Span<float> line)
    {
        int padded = taps.Padded;
        if (!Avx2.IsSupported)
        {
            for (int o = 0; o < padded; o++)
            {
                float sum = 0;
                for (int k = 0; k < taps.Slots; k++)
                {
                    sum += taps.Weights[(k * padded) + o] * pixels[taps.Offsets[(k * padded) + o] + channel];
                }
                line[o] = sum;
            }
            return;
        }
        fixed (float* source = pixels, weights = taps.Weights, output = line)
        fixed (int* offsets = taps.Offsets)
        {
            for (int o = 0; o < padded; o += 8)
            {
                var sum = Vector256<float>.Zero;
                for (int k = 0; k < taps.Slots; k++)
                {
                    var x = Avx2.GatherVector256(source + channel, Avx.LoadVector256(offsets + (k * padded) + o), 4);
                    // Multiply, then add: no fused multiply-add, so the sums match the scalar loop's bit for bit.
                    sum = Avx.Add(sum, Avx.Multiply(Avx.LoadVector256(weights + (k * padded) + o), x));
                }
                Avx.Store(output + o, sum);
            }
        }
    }
}
