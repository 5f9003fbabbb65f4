using System.Numerics;

namespace AlexNet.Backends.Cpu;

// Convolution forward for a handful of output pixels in the whole batch (keras-blog's conv3–5 at
// batch 1: 36, 16 and 4): every weight is then used that few times, so GEMM's packing of all the
// weights (one more pass over them, 3.5–5.3 MB) and its tiles on a sliver of 4–36 columns cost more
// than the products. As DenseForward does for a few rows: the im2col columns are written out
// transposed, one contiguous row of C·KH·KW taps per output pixel (at most 48 of them, a few hundred
// KB, in L2), and each output is one dot product of a weight row, read once straight from the
// weights, with such a row. ConvolutionChooser.ForwardAsDots says when. The same sums, in another
// order, as plain loops: Reference/ReferenceBackend.Convolution.cs.
public sealed partial class CpuBackend
{
    /// <summary>Whether a forward with few output pixels runs as dot products (<see cref="CpuBackendOptions.ConvolutionDots"/>).</summary>
    public bool ConvolutionDots { get; }

    private unsafe void ForwardAsDots(float* px, float* pWeight, float* pBias, in ConvolutionGeometry geometry, float* py, bool relu)
    {
        var g = geometry;
        int pixels = g.OutputPixels, taps = g.ColumnRows, groupTaps = g.GroupColumnRows;
        long rows = (long)g.N * pixels, imageLength = (long)g.C * g.H * g.W;
        var layout = new ColumnTables.Layout(g.C, g.H, g.W, g.Padding, g.Padding, Phases: 1);
        // The transposed columns, one prepared (padded) image, and the two offset tables (ints in float slots).
        using var scratch = _workspace.Rent((rows * taps) + layout.Length + taps + pixels);
        float* columns = scratch.Pointer, prepared = columns + (rows * taps);
        int* rowOffsets = (int*)(prepared + layout.Length), pixelOffsets = rowOffsets + taps;
        ColumnTables.RowOffsets(layout, g.KH, g.KW, rowOffsets);
        ColumnTables.PixelOffsets(layout, g.Stride, g.OH, g.OW, pixelOffsets);
        for (int n = 0; n < g.N; n++)
        {
            float* source = px + (n * imageLength);
            if (!layout.IsImage)
            {
                ColumnTables.Prepare(source, layout, prepared);
                source = prepared;
            }
            for (int p = 0; p < pixels; p++)
            {
                // Row (n, p) of the transposed columns: the window of output pixel p, tap by tap.
                float* row = columns + (((n * (long)pixels) + p) * taps);
                int at = pixelOffsets[p];
                for (int r = 0; r < taps; r++)
                {
                    row[r] = source[rowOffsets[r] + at];
                }
            }
        }
        float* pColumns = columns;
        // Two filters of one group against four windows at a time (8 sums in registers): each load
        // of a weight chunk serves four windows and each window chunk two filters, 6 loads per 8
        // multiply-adds where one dot product at a time would take 16.
        ParallelChunks((g.O + 1) / 2, 4, (start, count) =>
        {
            float* sums = stackalloc float[8];
            for (long pair = start; pair < start + count; pair++)
            {
                long o0 = 2 * pair, o1 = Math.Min(o0 + 1, g.O - 1);
                long band0 = o0 / g.FiltersPerGroup * groupTaps, band1 = o1 / g.FiltersPerGroup * groupTaps;
                for (long q0 = 0; q0 < rows; q0 += 4)
                {
                    // Past the last window or filter the kernel reads the last one again and its sums are dropped.
                    float* c = pColumns + (q0 * taps);
                    long last = rows - 1 - q0;
                    Dots2x4(pWeight + (o0 * groupTaps), pWeight + (o1 * groupTaps), c + band0, c + band1, taps * Math.Min(1, last), taps * Math.Min(2, last), taps * Math.Min(3, last), groupTaps, sums);
                    for (int j = 0; j < 8; j++)
                    {
                        long q = q0 + (j & 3), o = j < 4 ? o0 : o1;
                        if (q >= rows || (j >= 4 && o1 == o0))
                        {
                            continue;
                        }
                        float value = sums[j] + (pBias != null ? pBias[o] : 0f);
                        py[((((q / pixels) * g.O) + o) * pixels) + (q % pixels)] = relu ? MathF.Max(value, 0f) : value;
                    }
                }
            }
        });
    }

    /// <summary>
    /// sums[j] = w0 · window j and sums[4 + j] = w1 · window j over <paramref name="taps"/> floats, window j
    /// starting at c0 (+ band1 − band0 for w1) plus offset j (0, d1, d2, d3 floats further on).
    /// </summary>
    private static unsafe void Dots2x4(float* w0, float* w1, float* c0, float* c1Band, long d1, long d2, long d3, int taps, float* sums)
    {
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int lanes = Vector<float>.Count, k = 0;
        for (; k <= taps - lanes; k += lanes)
        {
            var u = Vector.Load(w0 + k);
            var v = Vector.Load(w1 + k);
            a0 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + k), a0);
            a1 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + d1 + k), a1);
            a2 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + d2 + k), a2);
            a3 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + d3 + k), a3);
            b0 = Vector.FusedMultiplyAdd(v, Vector.Load(c1Band + k), b0);
            b1 = Vector.FusedMultiplyAdd(v, Vector.Load(c1Band + d1 + k), b1);
            b2 = Vector.FusedMultiplyAdd(v, Vector.Load(c1Band + d2 + k), b2);
            b3 = Vector.FusedMultiplyAdd(v, Vector.Load(c1Band + d3 + k), b3);
        }
        float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
        float t0 = Vector.Sum(b0), t1 = Vector.Sum(b1), t2 = Vector.Sum(b2), t3 = Vector.Sum(b3);
        for (; k < taps; k++)
        {
            s0 += w0[k] * c0[k];
            s1 += w0[k] * c0[d1 + k];
            s2 += w0[k] * c0[d2 + k];
            s3 += w0[k] * c0[d3 + k];
            t0 += w1[k] * c1Band[k];
            t1 += w1[k] * c1Band[d1 + k];
            t2 += w1[k] * c1Band[d2 + k];
            t3 += w1[k] * c1Band[d3 + k];
        }
        (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7]) = (s0, s1, s2, s3, t0, t1, t2, t3);
    }
}
