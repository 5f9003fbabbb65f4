using System.Numerics;
using AlexNet.Backends.Cpu.Gemm;

namespace AlexNet.Backends.Cpu;

// The input gradient of any convolution the textbook way, in cache-sized bands: dColumns = weightᵀ · dy,
// then col2im adds each column entry back into the pixel it came from. ConvolutionChooser.cs says when
// it is used; Reference/ReferenceBackend.Convolution.cs (Conv2dBackwardData) is the same gradient as plain loops.
public sealed partial class CpuBackend
{
    /// <summary>
    /// dx for any stride, the textbook way: dColumns[group] = weight[group]ᵀ · dy[group], then col2im adds
    /// each column entry back into the pixel it came from. The weights are packed once; the columns of
    /// a few images side by side are made and folded a band of channels at a time, so a band (at most
    /// <see cref="ColumnBandFloats"/> floats) is still in L2 when col2im reads it back.
    /// </summary>
    private unsafe void BackwardDataThroughColumns(float* pdy, float* pWeight, ConvolutionGeometry g, float* pdx)
    {
        int kernelArea = g.KH * g.KW;
        long packedLength = _gemm.PackedLength(g.GroupColumnRows, g.FiltersPerGroup);
        using var packedWeights = _workspace.Rent(packedLength * g.Groups);
        for (int group = 0; group < g.Groups; group++)
        {
            // op(A) = weight[group]ᵀ: [C/g·KH·KW, O/g], stored [O/g, C/g·KH·KW].
            _gemm.Pack(new MatrixA(pWeight + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.GroupColumnRows, true, g.GroupColumnRows),
                g.GroupColumnRows, g.FiltersPerGroup, packedWeights.Pointer + (group * packedLength), parallel: true);
        }
        float* packed = packedWeights.Pointer;
        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        // dy of `count` images side by side, as a matrix [O, count·OH·OW]: row o at o·OH·OW, image i at i·O·OH·OW.
        var images = new ImageGroups(this, g.N, g.OutputPixels, outputLength);
        using var tables = _workspace.Rent(g.O + ((long)images.PerProduct * g.OutputPixels));
        int* rowOffsets = (int*)tables.Pointer, pixelOffsets = rowOffsets + g.O;
        for (int o = 0; o < g.O; o++)
        {
            rowOffsets[o] = o * g.OutputPixels;
        }
        for (int p = 0; p < g.OutputPixels; p++)
        {
            pixelOffsets[p] = p;
        }
        ColumnTables.RepeatForImages(pixelOffsets, g.OutputPixels, images.PerProduct, images.Stride);
        // Channels per band: as many as fit, a multiple of the GEMM's row tile unless it is all of them.
        int bandChannels = Math.Clamp((int)(ColumnBandFloats / ((long)kernelArea * images.PerProduct * g.OutputPixels)), 1, g.ChannelsPerGroup);
        int unit = _gemm.Rows / (int)BigInteger.GreatestCommonDivisor(kernelArea, _gemm.Rows);
        if (bandChannels < g.ChannelsPerGroup)
        {
            bandChannels = Math.Min(g.ChannelsPerGroup, Math.Max(unit, bandChannels / unit * unit));
        }
        images.ForEach((long)bandChannels * kernelArea * images.PerProduct * g.OutputPixels, (n0, count, band, parallel) =>
        {
            int columns = count * g.OutputPixels;
            for (int group = 0; group < g.Groups; group++)
            {
                var gradient = new ImageColumns(pdy + (n0 * outputLength), rowOffsets + (group * g.FiltersPerGroup), pixelOffsets, columns);
                for (int c0 = 0; c0 < g.ChannelsPerGroup; c0 += bandChannels)
                {
                    int channels = Math.Min(bandChannels, g.ChannelsPerGroup - c0);
                    // dColumns rows of channels c0 … : [channels·KH·KW, count·OH·OW] = weight[group]ᵀ rows · dy[group]: [O/g, count·OH·OW]
                    _gemm.Multiply(new GemmShape(channels * kernelArea, columns, g.FiltersPerGroup, 1f, 0f), new PackedA(packed + (group * packedLength), g.GroupColumnRows, c0 * kernelArea), gradient, band, columns, parallel);
                    // The band's rows are (c·KH + i)·KW + j for c = first … ; col2im indexes rows from channel 0.
                    int first = (group * g.ChannelsPerGroup) + c0;
                    for (int i = 0; i < count; i++)
                    {
                        Col2ImChannels(band + ((long)i * g.OutputPixels) - ((long)first * kernelArea * columns), columns, first, first + channels, g, pdx + ((n0 + i) * imageLength));
                    }
                }
            }
        });
    }

    /// <summary>Floats of one band of columns in <see cref="BackwardDataThroughColumns"/>: 384 KB, with room left in the 1 MB L2.</summary>
    private const long ColumnBandFloats = 96 * 1024;
}
