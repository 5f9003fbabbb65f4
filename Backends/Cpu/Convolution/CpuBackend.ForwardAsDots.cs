namespace AlexNet.Backends.Cpu;

// Convolution forward for a handful of output pixels in the whole batch (keras-blog's conv3–5 at
// batch 1: 36, 16 and 4): every weight is then used that few times, so GEMM's packing of all the
// weights (one more pass over them, 3.5–5.3 MB) and its tiles on a sliver of 4–36 columns measured
// 2–6× slower than this (Docs/performance.md, "Few output pixels"). As DenseForward does for a few rows: the im2col columns are written out
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
        var index = new PixelMajor(g.O, pixels);
        ParallelChunks((g.O + 1) / 2, 4, (start, count) =>
        {
            for (long pair = start; pair < start + count; pair++)
            {
                // Two filters of one group each read their group's band of every window.
                long o0 = 2 * pair, o1 = Math.Min(o0 + 1, g.O - 1);
                float* band0 = pColumns + (o0 / g.FiltersPerGroup * groupTaps), band1 = pColumns + (o1 / g.FiltersPerGroup * groupTaps);
                DotKernels.PairAgainstRows(o0, o1, pWeight + (o0 * groupTaps), pWeight + (o1 * groupTaps), band0, band1, rows, taps, groupTaps, pBias, relu, py, index);
            }
        });
    }

    /// <summary>y[n, o, p] of window q = n·pixels + p: the NCHW output of a convolution.</summary>
    private readonly record struct PixelMajor(long Outputs, long Pixels) : DotKernels.IOutputIndex
    {
        public long Of(long row, long output) => ((((row / Pixels) * Outputs) + output) * Pixels) + (row % Pixels);
    }
}
