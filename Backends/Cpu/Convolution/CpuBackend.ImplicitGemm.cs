using AlexNet.Backends.Cpu.Gemm;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Implicit GEMM (cuDNN's name): convolution as a matrix product whose column matrix is never stored.
// GEMM's packing reads each cache-sized sliver of it straight from the image through offset tables
// (ImageColumns, ConvolutionOperands.cs); the weights, shared by every image, are packed once per call.
// With groups, a group's input channels are a contiguous band of the columns' rows and its filters a
// contiguous band of the weights' rows, so each group is one GEMM on sub-matrices. Images are spread
// over threads (each running its own GEMMs); a batch smaller than the thread count goes one image at a
// time with the threads inside GEMM. The same sums, as plain loops: Reference/ReferenceBackend.Convolution.cs.
public sealed partial class CpuBackend
{
    /// <summary>
    /// y[group] = weight[group] · columns[group] (+ bias), then max(0, y) with <paramref name="relu"/>: the
    /// columns are read through offset tables straight from the images by GEMM's packing, and on small maps
    /// several images share one product.
    /// </summary>
    private unsafe void ForwardImplicitGemm(float* px, float* pWeight, float* pBias, in ConvolutionGeometry geometry, float* py, bool relu)
    {
        var g = geometry;
        // Every image multiplies the same weights: pack each group's [O/g, C/g·KH·KW] block once.
        long packedLength = _gemm.PackedLength(g.FiltersPerGroup, g.GroupColumnRows);
        using var packedWeights = _workspace.Rent(packedLength * g.Groups);
        for (int group = 0; group < g.Groups; group++)
        {
            _gemm.Pack(new MatrixA(pWeight + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.GroupColumnRows, false, g.FiltersPerGroup),
                g.FiltersPerGroup, g.GroupColumnRows, packedWeights.Pointer + (group * packedLength), parallel: true);
        }
        float* packed = packedWeights.Pointer;
        // The columns are read through offset tables into the padded images, split into stride phases.
        var layout = new ColumnTables.Layout(g.C, g.H, g.W, g.Padding, g.Padding, Phases: g.Stride);
        var images = new ImageGroups(this, g.N, g.OutputPixels, layout.IsImage ? (long)g.C * g.H * g.W : layout.Length);
        using var tables = _workspace.Rent(g.ColumnRows + ((long)images.PerProduct * g.OutputPixels));
        int* rowOffsets = (int*)tables.Pointer, pixelOffsets = rowOffsets + g.ColumnRows;
        ColumnTables.RowOffsets(layout, g.KH, g.KW, rowOffsets);
        ColumnTables.PixelOffsets(layout, g.Stride, g.OH, g.OW, pixelOffsets);
        ColumnTables.RepeatForImages(pixelOffsets, g.OutputPixels, images.PerProduct, images.Stride);
        long preparedLength = layout.IsImage ? 0 : images.PerProduct * layout.Length;
        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        images.ForEach(preparedLength + images.OutputBandLength(g.FiltersPerGroup), (n0, count, workspace, parallel) =>
        {
            float* source = layout.IsImage ? px + (n0 * imageLength) : workspace;
            for (int i = 0; i < count && !layout.IsImage; i++)
            {
                ColumnTables.Prepare(px + ((n0 + i) * imageLength), layout, workspace + (i * layout.Length));
            }
            float* band = workspace + preparedLength;
            int columns = count * g.OutputPixels;
            for (int group = 0; group < g.Groups; group++)
            {
                // y[group]: [O/g, OH·OW] = weight[group]: [O/g, C/g·KH·KW] · columns[group]: [C/g·KH·KW, OH·OW], for `count` images side by side.
                float* groupOutput = py + (n0 * outputLength) + ((long)group * g.FiltersPerGroup * g.OutputPixels);
                var operand = new ImageColumns(source, rowOffsets + (group * g.GroupColumnRows), pixelOffsets, columns);
                if (count > 1)
                {
                    _gemm.Multiply(new GemmShape(g.FiltersPerGroup, columns, g.GroupColumnRows, 1f, 0f), new PackedA(packed + (group * packedLength), g.FiltersPerGroup), operand, band, columns, parallel);
                    images.Scatter(band, g.FiltersPerGroup, count, groupOutput, outputLength, pBias == null ? null : pBias + (group * g.FiltersPerGroup), relu);
                    continue;
                }
                // One image: straight into y, each output plane starting at its bias (then beta = 1), the ReLU in GEMM's last store.
                if (pBias != null)
                {
                    for (int o = 0; o < g.FiltersPerGroup; o++)
                    {
                        new Span<float>(groupOutput + ((long)o * g.OutputPixels), g.OutputPixels).Fill(pBias[(group * g.FiltersPerGroup) + o]);
                    }
                }
                float beta = pBias != null ? 1f : 0f;
                if (g.ColumnsAreImage)
                {
                    _gemm.Multiply(new GemmShape(g.FiltersPerGroup, g.OutputPixels, g.GroupColumnRows, 1f, beta, relu), new PackedA(packed + (group * packedLength), g.FiltersPerGroup), new MatrixB(source + ((long)group * g.GroupColumnRows * g.OutputPixels), g.OutputPixels, false, g.OutputPixels), groupOutput, g.OutputPixels, parallel);
                }
                else
                {
                    _gemm.Multiply(new GemmShape(g.FiltersPerGroup, g.OutputPixels, g.GroupColumnRows, 1f, beta, relu), new PackedA(packed + (group * packedLength), g.FiltersPerGroup), operand, groupOutput, g.OutputPixels, parallel);
                }
            }
        });
    }

    /// <summary>
    /// dWeight[group] += dy[group] · columns[group]ᵀ, summed over the images: the transposed columns read
    /// through offset tables as in the forward, fixed ranges of images per thread, partial sums added in order.
    /// </summary>
    private unsafe void BackwardFilterImplicitGemm(float* px, float* pdy, in ConvolutionGeometry geometry, float* pdWeight, int weightLength)
    {
        var g = geometry;
        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        // Transposed columns read through offset tables into the padded images (not split into phases:
        // here a sliver runs along a kernel row's taps, which are neighbours in the unsplit rows).
        // The sum runs over the pixels of a few images at once (k = count·OH·OW).
        var layout = new ColumnTables.Layout(g.C, g.H, g.W, g.Padding, g.Padding, Phases: 1);
        var images = new ImageGroups(this, g.N, g.OutputPixels, layout.IsImage ? imageLength : layout.Length);
        using var tables = _workspace.Rent(g.ColumnRows + ((long)images.PerProduct * g.OutputPixels));
        int* rowOffsets = (int*)tables.Pointer, pixelOffsets = rowOffsets + g.ColumnRows;
        ColumnTables.RowOffsets(layout, g.KH, g.KW, rowOffsets);
        ColumnTables.PixelOffsets(layout, g.Stride, g.OH, g.OW, pixelOffsets);
        ColumnTables.RepeatForImages(pixelOffsets, g.OutputPixels, images.PerProduct, images.Stride);
        // Each worker sums a fixed range of images: worker 0 straight into dWeight, the others into
        // private partial sums added afterwards in worker order, so the result is reproducible.
        // A batch smaller than the thread count is one worker with the threads inside the GEMMs.
        int workers = g.N >= Threads ? Threads : 1;
        bool parallelInside = workers == 1 && Threads > 1;
        using var partialsLease = _workspace.Rent((long)(workers - 1) * weightLength);
        float* partials = partialsLease.Pointer;
        ParallelFor(workers, worker =>
        {
            int start = g.N * worker / workers, end = g.N * (worker + 1) / workers;
            float* sum = worker == 0 ? pdWeight : partials + ((long)(worker - 1) * weightLength);
            using var prepared = _workspace.Rent(layout.IsImage ? 0 : images.PerProduct * layout.Length);
            for (int n0 = start; n0 < end; n0 += images.PerProduct)
            {
                int count = Math.Min(images.PerProduct, end - n0);
                float* source = layout.IsImage ? px + (n0 * imageLength) : prepared.Pointer;
                for (int i = 0; i < count && !layout.IsImage; i++)
                {
                    ColumnTables.Prepare(px + ((n0 + i) * imageLength), layout, prepared.Pointer + (i * layout.Length));
                }
                // A partial sum starts with its first images (beta = 0); dWeight itself accumulates.
                float beta = worker > 0 && n0 == start ? 0f : 1f;
                int depth = count * g.OutputPixels;
                for (int group = 0; group < g.Groups; group++)
                {
                    // dWeight[group]: [O/g, C/g·KH·KW] += dy[group]: [O/g, count·OH·OW] · columns[group]ᵀ: [count·OH·OW, C/g·KH·KW]
                    var gradient = new ImageRows(pdy + (n0 * outputLength) + ((long)group * g.FiltersPerGroup * g.OutputPixels), outputLength, g.OutputPixels, g.FiltersPerGroup);
                    _gemm.Multiply(new GemmShape(g.FiltersPerGroup, g.GroupColumnRows, depth, 1f, beta), gradient, new ImageColumnsTransposed(source, rowOffsets + (group * g.GroupColumnRows), g.GroupColumnRows, pixelOffsets), sum + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.GroupColumnRows, parallelInside);
                }
            }
        });
        for (int worker = 1; worker < workers; worker++)
        {
            var total = new Span<float>(pdWeight, weightLength);
            TensorPrimitives.Add(total, new ReadOnlySpan<float>(partials + ((long)(worker - 1) * weightLength), weightLength), total);
        }
    }
}
