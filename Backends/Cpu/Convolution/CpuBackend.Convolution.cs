using AlexNet.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// The convolution ops of the CPU backend: the readable version is Reference/ReferenceBackend.Convolution.cs
// (seven nested loops); this computes the same sums as matrix products (im2col + GEMM, Caffe's way,
// also Chellapilla et al. 2006), made fast by never storing the column matrix:
//   forward         y[n, group] = weight[group] · columns[group] (+ bias),  columns = im2col(x[n]) [C·KH·KW, OH·OW]
//                   Conv2dReluForward: the same, then max(0, y), applied where y is written (one pass less)
//   backward-data   dx[n, group] = flipped weight[group] · im2col(dy[n] padded by K−1−P)[group]   (stride 1)
//                   dColumns[group] = weight[group]ᵀ · dy[n, group];  dx[n] = col2im(dColumns)  (any stride)
//   backward-filter dWeight[group] += dy[n, group] · columns[group]ᵀ, summed over n
// One file per algorithm beside this one: CpuBackend.ImplicitGemm.cs (forward, backward-filter),
// CpuBackend.BackwardDataAsConvolution.cs, CpuBackend.BackwardDataThroughColumns.cs, and for 3×3
// stride-1 layers CpuBackend.Winograd.cs (all three, fewer multiplications); ConvolutionChooser.cs
// picks. CpuBackend.Im2Col.cs holds the IBackend im2col/col2im ops.
public sealed partial class CpuBackend
{
    /// <summary>A checked convolution geometry: input, filters, output sizes and the sliding rule.</summary>
    internal readonly record struct ConvolutionGeometry(
        int N, int C, int H, int W, int O, int KH, int KW, int OH, int OW, int Stride, int Padding, int Groups)
    {
        public int ChannelsPerGroup => C / Groups;

        public int FiltersPerGroup => O / Groups;

        /// <summary>Rows of one image's columns: every (channel, kernel row, kernel column).</summary>
        public int ColumnRows => C * KH * KW;

        /// <summary>Rows of one group's band of the columns, and the length of one filter.</summary>
        public int GroupColumnRows => ChannelsPerGroup * KH * KW;

        /// <summary>Columns of the columns matrix: one per output pixel.</summary>
        public int OutputPixels => OH * OW;

        public Shape XShape => new(N, C, H, W);

        public Shape WeightShape => new(O, ChannelsPerGroup, KH, KW);

        public Shape YShape => new(N, O, OH, OW);

        /// <summary>A 1×1 kernel with stride 1 and no padding reads x as it is: the columns are the image itself.</summary>
        public bool ColumnsAreImage => KH == 1 && KW == 1 && Stride == 1 && Padding == 0;
    }

    /// <summary>The contract's convolution sizes, copied into the struct the hot loops read (fields, not computed properties).</summary>
    private static ConvolutionGeometry Geometry(ConvolutionShape s) =>
        new(s.N, s.C, s.H, s.W, s.O, s.KH, s.KW, s.OH, s.OW, s.Stride, s.Padding, s.Groups);

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y) =>
        ConvolutionForward(x, weight, bias, y, OpContract.Conv2dForward(x, weight, bias, convolution, y), relu: false);

    // Fused: the reference's Conv2dForward followed by its ReluForward. Every path below applies the max
    // where it writes y (the micro-kernel's last store, Winograd's output transform, the band copy that
    // adds the bias), so y is written once instead of written, read back and written again by a ReLU.
    // The max is ReluForward's (TensorPrimitives.Max, IEEE maximum): a NaN passes, as it does unfused.
    public void Conv2dReluForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y) =>
        ConvolutionForward(x, weight, bias, y, OpContract.Conv2dReluForward(x, weight, bias, convolution, y), relu: true);

    private unsafe void ConvolutionForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, ConvolutionShape shape, bool relu)
    {
        float* px = Data(x, nameof(x));
        float* pWeight = Data(weight, nameof(weight));
        float* pBias = bias is null ? null : Data(bias, nameof(bias));
        float* py = Data(y, nameof(y));
        var g = Geometry(shape);
        if (Winograd && ConvolutionChooser.Winograd(g, g.OH, g.OW) is { } tile)
        {
            ForwardWinograd(px, pWeight, pBias, g, py, tile, relu);
            return;
        }
        if (ConvolutionDots && ConvolutionChooser.ForwardAsDots(g))
        {
            ForwardAsDots(px, pWeight, pBias, g, py, relu);
            return;
        }
        ForwardImplicitGemm(px, pWeight, pBias, g, py, relu);
    }

    public unsafe void Conv2dBackwardData(Tensor dy, Tensor weight, Convolution convolution, Tensor dx)
    {
        float* pdy = Data(dy, nameof(dy));
        float* pWeight = Data(weight, nameof(weight));
        float* pdx = Data(dx, nameof(dx));
        var g = Geometry(OpContract.Conv2dBackwardData(dy, weight, convolution, dx));
        if (Winograd && ConvolutionChooser.Winograd(g, g.H, g.W) is { } tile)
        {
            BackwardDataWinograd(pdy, pWeight, g, pdx, tile);
        }
        else if (ConvolutionChooser.BackwardData(g) == BackwardDataAlgorithm.AsConvolution)
        {
            BackwardDataAsConvolution(pdy, pWeight, g, pdx);
        }
        else
        {
            BackwardDataThroughColumns(pdy, pWeight, g, pdx);
        }
    }

    public unsafe void Conv2dBackwardFilter(Tensor x, Tensor dy, Convolution convolution, Tensor dWeight)
    {
        float* px = Data(x, nameof(x));
        float* pdy = Data(dy, nameof(dy));
        float* pdWeight = Data(dWeight, nameof(dWeight));
        var g = Geometry(OpContract.Conv2dBackwardFilter(x, dy, convolution, dWeight));
        if (Winograd && ConvolutionChooser.Winograd(g, g.OH, g.OW) is { } tile)
        {
            BackwardFilterWinograd(px, pdy, g, pdWeight, tile);
            return;
        }
        BackwardFilterImplicitGemm(px, pdy, g, pdWeight, dWeight.Length);
    }

    public unsafe void Conv2dBackwardBias(Tensor dy, Tensor dBias)
    {
        float* pdy = Data(dy, nameof(dy));
        float* pdBias = Data(dBias, nameof(dBias));
        var (n, channels, pixels) = OpContract.Conv2dBackwardBias(dy, dBias);
        ParallelFor(channels, o =>
        {
            // Sum each plane in float (vectorized), the planes in double.
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(pdy + ((((long)i * channels) + o) * pixels), pixels));
            }
            pdBias[o] += (float)sum;
        });
    }
}
