using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Convolution the textbook way (ConvolutionAlgorithm.Im2Col; Caffe's conv_layer.cpp), for reading
// and stepping through: one image at a time, the whole column matrix written out by im2col, one
// GEMM per group, col2im for the input gradient. The threads work inside each GEMM. It computes
// what CpuBackend.Convolution.cs computes, more slowly and with far more memory traffic (conv2 of
// the paper: a 2400 × 729 column matrix per image), and the same property tests check both.
//
//   columns         = im2col(x[n])                           [C·KH·KW, OH·OW]
//   forward         y[n, group]       = weight[group] · columns[group] + bias
//   backward-data   dColumns[group]   = weight[group]ᵀ · dy[n, group];   dx[n] = col2im(dColumns)
//   backward-filter dWeight[group]   += dy[n, group] · columns[group]ᵀ
//
// weight[group] is rows group·O/g … of the [O, C/g·KH·KW] weights; columns[group] is rows
// group·C/g·KH·KW … of the column matrix (a group's input channels are consecutive).
public sealed partial class CpuBackend
{
    private unsafe void ForwardThroughIm2Col(float* x, float* weight, float* bias, in ConvolutionGeometry g, float* y)
    {
        using var columns = _workspace.Rent((long)g.ColumnRows * g.OutputPixels);
        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        for (int n = 0; n < g.N; n++)
        {
            float* image = x + (n * imageLength), output = y + (n * outputLength);
            Im2ColChannels(image, 0, g.C, g, columns.Pointer);
            for (int group = 0; group < g.Groups; group++)
            {
                // [O/g, OH·OW] = [O/g, C/g·KH·KW] · [C/g·KH·KW, OH·OW]
                _gemm.Multiply(false, false, g.FiltersPerGroup, g.OutputPixels, g.GroupColumnRows, 1f,
                    weight + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.GroupColumnRows,
                    columns.Pointer + ((long)group * g.GroupColumnRows * g.OutputPixels), g.OutputPixels,
                    0f, output + ((long)group * g.FiltersPerGroup * g.OutputPixels), g.OutputPixels, parallel: true);
            }
            for (int o = 0; bias != null && o < g.O; o++)
            {
                var plane = new Span<float>(output + ((long)o * g.OutputPixels), g.OutputPixels);
                TensorPrimitives.Add(plane, bias[o], plane);
            }
        }
    }

    private unsafe void BackwardDataThroughCol2Im(float* dy, float* weight, in ConvolutionGeometry g, float* dx)
    {
        using var columns = _workspace.Rent((long)g.ColumnRows * g.OutputPixels);
        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        for (int n = 0; n < g.N; n++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                // [C/g·KH·KW, OH·OW] = weight[group]ᵀ (stored [O/g, C/g·KH·KW]) · dy[n, group]: [O/g, OH·OW]
                _gemm.Multiply(true, false, g.GroupColumnRows, g.OutputPixels, g.FiltersPerGroup, 1f,
                    weight + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.GroupColumnRows,
                    dy + (n * outputLength) + ((long)group * g.FiltersPerGroup * g.OutputPixels), g.OutputPixels,
                    0f, columns.Pointer + ((long)group * g.GroupColumnRows * g.OutputPixels), g.OutputPixels, parallel: true);
            }
            Col2ImChannels(columns.Pointer, 0, g.C, g, dx + (n * imageLength));
        }
    }

    private unsafe void BackwardFilterThroughIm2Col(float* x, float* dy, in ConvolutionGeometry g, float* dWeight)
    {
        using var columns = _workspace.Rent((long)g.ColumnRows * g.OutputPixels);
        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        for (int n = 0; n < g.N; n++)
        {
            Im2ColChannels(x + (n * imageLength), 0, g.C, g, columns.Pointer);
            for (int group = 0; group < g.Groups; group++)
            {
                // [O/g, C/g·KH·KW] += dy[n, group]: [O/g, OH·OW] · columns[group]ᵀ (stored [C/g·KH·KW, OH·OW])
                _gemm.Multiply(false, true, g.FiltersPerGroup, g.GroupColumnRows, g.OutputPixels, 1f,
                    dy + (n * outputLength) + ((long)group * g.FiltersPerGroup * g.OutputPixels), g.OutputPixels,
                    columns.Pointer + ((long)group * g.GroupColumnRows * g.OutputPixels), g.OutputPixels,
                    1f, dWeight + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.GroupColumnRows, parallel: true);
            }
        }
    }
}
