using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// Convolution, as its definition: seven nested loops (Docs/layers/conv2d.md), and im2col/col2im, the
// rearrangement that turns it into one matrix product; Conv2dReluForward is the convolution followed by
// ReLU (the fast backends fuse the two). Fast versions: Cpu/Convolution/ (implicit GEMM:
// the column matrix read straight from the image by a packed, vectorized GEMM over threads) and
// Cuda/CudaBackend.Convolution.cs (im2col kernels and cuBLAS).
public sealed partial class ReferenceBackend
{
    public void Im2Col(Tensor x, int kernelHeight, int kernelWidth, Convolution convolution, Tensor columns)
    {
        float[] vx = Values(x, nameof(x), nameof(Im2Col));
        Values(columns, nameof(columns), nameof(Im2Col));
        var s = OpContract.Im2Col(x, kernelHeight, kernelWidth, convolution, columns);
        Store(Im2Col(vx, s), columns);
    }

    public void Col2Im(Tensor columns, int kernelHeight, int kernelWidth, Convolution convolution, Tensor x)
    {
        float[] vColumns = Values(columns, nameof(columns), nameof(Col2Im));
        Values(x, nameof(x), nameof(Col2Im));
        var s = OpContract.Col2Im(columns, kernelHeight, kernelWidth, convolution, x);
        Store(Col2Im(vColumns, s), x);
    }

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y)
    {
        const string op = nameof(Conv2dForward);
        float[] vx = Values(x, nameof(x), op), vWeight = Values(weight, nameof(weight), op);
        float[]? vBias = bias is null ? null : Values(bias, nameof(bias), op);
        Values(y, nameof(y), op);
        var s = OpContract.Conv2dForward(x, weight, bias, convolution, y);
        Store(Conv2dForward(vx, vWeight, vBias, s), y);
    }

    // The fused op is the two ops one after the other: the convolution, then the ReLU of its output.
    public void Conv2dReluForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y)
    {
        const string op = nameof(Conv2dReluForward);
        float[] vx = Values(x, nameof(x), op), vWeight = Values(weight, nameof(weight), op);
        float[]? vBias = bias is null ? null : Values(bias, nameof(bias), op);
        Values(y, nameof(y), op);
        var s = OpContract.Conv2dReluForward(x, weight, bias, convolution, y);
        Store(ReluForward(Conv2dForward(vx, vWeight, vBias, s)), y);
    }

    public void Conv2dBackwardData(Tensor dy, Tensor weight, Convolution convolution, Tensor dx)
    {
        const string op = nameof(Conv2dBackwardData);
        float[] vdy = Values(dy, nameof(dy), op), vWeight = Values(weight, nameof(weight), op);
        Values(dx, nameof(dx), op);
        var s = OpContract.Conv2dBackwardData(dy, weight, convolution, dx);
        Store(Conv2dBackwardData(vdy, vWeight, s), dx);
    }

    public void Conv2dBackwardFilter(Tensor x, Tensor dy, Convolution convolution, Tensor dWeight)
    {
        const string op = nameof(Conv2dBackwardFilter);
        float[] vx = Values(x, nameof(x), op), vdy = Values(dy, nameof(dy), op);
        Values(dWeight, nameof(dWeight), op);
        var s = OpContract.Conv2dBackwardFilter(x, dy, convolution, dWeight);
        Accumulate(Conv2dBackwardFilter(vx, vdy, s), dWeight);
    }

    public void Conv2dBackwardBias(Tensor dy, Tensor dBias)
    {
        float[] vdy = Values(dy, nameof(dy), nameof(Conv2dBackwardBias));
        Values(dBias, nameof(dBias), nameof(Conv2dBackwardBias));
        var (n, o, pixels) = OpContract.Conv2dBackwardBias(dy, dBias);
        Accumulate(Conv2dBackwardBias(vdy, n, o, pixels), dBias);
    }

    /// <summary>x[n, c, h, w] when (h, w) lies inside the image, else 0 (the padding).</summary>
    private static T Pixel<T>(T[] x, int channels, int height, int width, int n, int c, int h, int w)
        where T : IFloatingPointIeee754<T> =>
        h < 0 || h >= height || w < 0 || w >= width ? T.Zero : x[(((((n * channels) + c) * height) + h) * width) + w];

    /// <summary>columns[n, (c·KH + i)·KW + j, oh·OW + ow] = x[n, c, oh·S − P + i, ow·S − P + j], 0 in the padding.</summary>
    public static T[] Im2Col<T>(T[] x, ConvolutionShape s)
        where T : IFloatingPointIeee754<T>
    {
        int rows = s.C * s.KH * s.KW, pixels = s.OH * s.OW;
        var columns = new T[s.N * rows * pixels];
        for (int n = 0; n < s.N; n++)
        {
            for (int c = 0; c < s.C; c++)
            {
                for (int i = 0; i < s.KH; i++)
                {
                    for (int j = 0; j < s.KW; j++)
                    {
                        int row = (((c * s.KH) + i) * s.KW) + j;
                        for (int oh = 0; oh < s.OH; oh++)
                        {
                            for (int ow = 0; ow < s.OW; ow++)
                            {
                                columns[(((n * rows) + row) * pixels) + (oh * s.OW) + ow] =
                                    Pixel(x, s.C, s.H, s.W, n, c, (oh * s.Stride) - s.Padding + i, (ow * s.Stride) - s.Padding + j);
                            }
                        }
                    }
                }
            }
        }
        return columns;
    }

    /// <summary>The adjoint of <see cref="Im2Col{T}"/>: every column entry added back to the pixel it came from (padding entries dropped).</summary>
    public static T[] Col2Im<T>(T[] columns, ConvolutionShape s)
        where T : IFloatingPointIeee754<T>
    {
        int rows = s.C * s.KH * s.KW, pixels = s.OH * s.OW;
        var x = new T[s.XLength];
        for (int n = 0; n < s.N; n++)
        {
            for (int c = 0; c < s.C; c++)
            {
                for (int i = 0; i < s.KH; i++)
                {
                    for (int j = 0; j < s.KW; j++)
                    {
                        int row = (((c * s.KH) + i) * s.KW) + j;
                        for (int oh = 0; oh < s.OH; oh++)
                        {
                            for (int ow = 0; ow < s.OW; ow++)
                            {
                                int h = (oh * s.Stride) - s.Padding + i, w = (ow * s.Stride) - s.Padding + j;
                                if (h >= 0 && h < s.H && w >= 0 && w < s.W)
                                {
                                    x[(((((n * s.C) + c) * s.H) + h) * s.W) + w] += columns[(((n * rows) + row) * pixels) + (oh * s.OW) + ow];
                                }
                            }
                        }
                    }
                }
            }
        }
        return x;
    }

    /// <summary>
    /// y[n, o, oh, ow] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · x[n, g·C/G + c, oh·S − P + i, ow·S − P + j],
    /// g = o's group: the definition, as seven nested loops.
    /// </summary>
    public static T[] Conv2dForward<T>(T[] x, T[] weight, T[]? bias, ConvolutionShape s)
        where T : IFloatingPointIeee754<T>
    {
        var y = new T[s.YLength];
        for (int n = 0; n < s.N; n++)
        {
            for (int o = 0; o < s.O; o++)
            {
                int group = o / s.FiltersPerGroup;
                for (int oh = 0; oh < s.OH; oh++)
                {
                    for (int ow = 0; ow < s.OW; ow++)
                    {
                        T sum = bias is null ? T.Zero : bias[o];
                        for (int c = 0; c < s.ChannelsPerGroup; c++)
                        {
                            for (int i = 0; i < s.KH; i++)
                            {
                                for (int j = 0; j < s.KW; j++)
                                {
                                    sum += weight[(((((o * s.ChannelsPerGroup) + c) * s.KH) + i) * s.KW) + j]
                                        * Pixel(x, s.C, s.H, s.W, n, (group * s.ChannelsPerGroup) + c, (oh * s.Stride) - s.Padding + i, (ow * s.Stride) - s.Padding + j);
                                }
                            }
                        }
                        y[(((((n * s.O) + o) * s.OH) + oh) * s.OW) + ow] = sum;
                    }
                }
            }
        }
        return y;
    }

    /// <summary>dx: every product weight·x of the forward, run backwards — dx[pixel] += weight · dy[output] for each pair that met.</summary>
    public static T[] Conv2dBackwardData<T>(T[] dy, T[] weight, ConvolutionShape s)
        where T : IFloatingPointIeee754<T>
    {
        var dx = new T[s.XLength];
        ForEachConvolutionTerm(s, (yIndex, weightIndex, xIndex) => dx[xIndex] += weight[weightIndex] * dy[yIndex]);
        return dx;
    }

    /// <summary>dWeight (fresh, not accumulated): dWeight[w] = Σ over every use of weight w of x · dy.</summary>
    public static T[] Conv2dBackwardFilter<T>(T[] x, T[] dy, ConvolutionShape s)
        where T : IFloatingPointIeee754<T>
    {
        var dWeight = new T[s.WeightLength];
        ForEachConvolutionTerm(s, (yIndex, weightIndex, xIndex) => dWeight[weightIndex] += x[xIndex] * dy[yIndex]);
        return dWeight;
    }

    /// <summary>dBias (fresh): dy summed over N, OH, OW.</summary>
    public static T[] Conv2dBackwardBias<T>(T[] dy, int n, int o, int pixels)
        where T : IFloatingPointIeee754<T>
    {
        var dBias = new T[o];
        for (int image = 0; image < n; image++)
        {
            for (int filter = 0; filter < o; filter++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    dBias[filter] += dy[(((image * o) + filter) * pixels) + p];
                }
            }
        }
        return dBias;
    }

    /// <summary>Calls <paramref name="term"/>(y index, weight index, x index) for every product of the forward sum that touches a real (non-padding) pixel.</summary>
    private static void ForEachConvolutionTerm(ConvolutionShape s, Action<int, int, int> term)
    {
        for (int n = 0; n < s.N; n++)
        {
            for (int o = 0; o < s.O; o++)
            {
                int group = o / s.FiltersPerGroup;
                for (int oh = 0; oh < s.OH; oh++)
                {
                    for (int ow = 0; ow < s.OW; ow++)
                    {
                        int yIndex = (((((n * s.O) + o) * s.OH) + oh) * s.OW) + ow;
                        for (int c = 0; c < s.ChannelsPerGroup; c++)
                        {
                            for (int i = 0; i < s.KH; i++)
                            {
                                for (int j = 0; j < s.KW; j++)
                                {
                                    int h = (oh * s.Stride) - s.Padding + i, w = (ow * s.Stride) - s.Padding + j;
                                    if (h < 0 || h >= s.H || w < 0 || w >= s.W)
                                    {
                                        continue;
                                    }
                                    int weightIndex = (((((o * s.ChannelsPerGroup) + c) * s.KH) + i) * s.KW) + j;
                                    int xIndex = (((((n * s.C) + (group * s.ChannelsPerGroup) + c) * s.H) + h) * s.W) + w;
                                    term(yIndex, weightIndex, xIndex);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
