using AlexNet.Backends.Cpu.Gemm;

namespace AlexNet.Backends.Cpu;

// The input gradient of a stride-1 convolution as a convolution of dy with the flipped weights
// (padded by K−1−P): each input pixel gathers its gradient in one GEMM sum — no column matrix, no
// col2im scatter. ConvolutionChooser.cs says when it is used; Reference/ReferenceBackend.Convolution.cs
// (Conv2dBackwardData) is the same gradient as plain loops.
public sealed partial class CpuBackend
{
    /// <summary>
    /// dx for stride 1, as a convolution: dx[group] = flipped weight[group] · windows of dy padded by K−1−P
    /// (see <see cref="FlippedWeights"/>). Each input pixel gathers its gradient in one GEMM sum — no
    /// column matrix, no col2im scatter.
    /// </summary>
    private unsafe void BackwardDataAsConvolution(float* pdy, float* pWeight, ConvolutionGeometry g, float* pdx)
    {
        int kernelArea = g.KH * g.KW;
        int depth = g.FiltersPerGroup * kernelArea;
        long packedLength = _gemm.PackedLength(g.ChannelsPerGroup, depth);
        using var packedWeights = _workspace.Rent(packedLength * g.Groups);
        for (int group = 0; group < g.Groups; group++)
        {
            _gemm.Pack(new FlippedWeights(pWeight + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.ChannelsPerGroup, g.KH, g.KW),
                g.ChannelsPerGroup, depth, packedWeights.Pointer + (group * packedLength), parallel: true);
        }
        float* packed = packedWeights.Pointer;
        // dy's windows: dy padded by K−1−P, read through offset tables as in the forward.
        var layout = new ColumnTables.Layout(g.O, g.OH, g.OW, g.KH - 1 - g.Padding, g.KW - 1 - g.Padding, Phases: 1);
        int pixels = g.H * g.W;
        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        var images = new ImageGroups(this, g.N, pixels, layout.IsImage ? outputLength : layout.Length);
        using var tables = _workspace.Rent((g.O * kernelArea) + ((long)images.PerProduct * pixels));
        int* rowOffsets = (int*)tables.Pointer, pixelOffsets = rowOffsets + (g.O * kernelArea);
        ColumnTables.RowOffsets(layout, g.KH, g.KW, rowOffsets);
        ColumnTables.PixelOffsets(layout, 1, g.H, g.W, pixelOffsets);
        ColumnTables.RepeatForImages(pixelOffsets, pixels, images.PerProduct, images.Stride);
        long preparedLength = layout.IsImage ? 0 : images.PerProduct * layout.Length;
        images.ForEach(preparedLength + images.OutputBandLength(g.ChannelsPerGroup), (n0, count, workspace, parallel) =>
        {
            float* source = layout.IsImage ? pdy + (n0 * outputLength) : workspace;
            for (int i = 0; i < count && !layout.IsImage; i++)
            {
                ColumnTables.Prepare(pdy + ((n0 + i) * outputLength), layout, workspace + (i * layout.Length));
            }
            float* band = workspace + preparedLength;
            int columns = count * pixels;
            for (int group = 0; group < g.Groups; group++)
            {
                // dx[group]: [C/g, H·W] = flipped[group]: [C/g, O/g·KH·KW] · windows(dy)[group]: [O/g·KH·KW, H·W], `count` images side by side
                float* groupInput = pdx + (n0 * imageLength) + ((long)group * g.ChannelsPerGroup * pixels);
                var operand = new ImageColumns(source, rowOffsets + (group * depth), pixelOffsets, columns);
                if (count > 1)
                {
                    _gemm.Multiply(new GemmShape(g.ChannelsPerGroup, columns, depth, 1f, 0f), new PackedA(packed + (group * packedLength), g.ChannelsPerGroup), operand, band, columns, parallel);
                    images.Scatter(band, g.ChannelsPerGroup, count, groupInput, imageLength, null);
                }
                else
                {
                    _gemm.Multiply(new GemmShape(g.ChannelsPerGroup, pixels, depth, 1f, 0f), new PackedA(packed + (group * packedLength), g.ChannelsPerGroup), operand, groupInput, pixels, parallel);
                }
            }
        });
    }
}
