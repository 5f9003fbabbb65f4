using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// im2col and col2im, the IBackend ops and the loops that the columns path of the input gradient
// (CpuBackend.BackwardDataThroughColumns.cs) reuses: whole rows copied at a time, with the padding's
// output range worked out once per kernel tap. Reference/ReferenceBackend.Convolution.cs (Im2Col,
// Col2Im) is the same rearrangement element by element.
public sealed partial class CpuBackend
{
    public unsafe void Im2Col(Tensor x, int kernelHeight, int kernelWidth, Convolution convolution, Tensor columns)
    {
        float* px = Data(x, nameof(x));
        float* pColumns = Data(columns, nameof(columns));
        var g = Geometry(OpContract.Im2Col(x, kernelHeight, kernelWidth, convolution, columns));
        ParallelFor(g.N * g.C, item =>
        {
            int n = item / g.C, c = item % g.C;
            Im2ColChannels(px + ((long)n * g.C * g.H * g.W), c, c + 1, g, pColumns + ((long)n * g.ColumnRows * g.OutputPixels));
        });
    }

    public unsafe void Col2Im(Tensor columns, int kernelHeight, int kernelWidth, Convolution convolution, Tensor x)
    {
        float* pColumns = Data(columns, nameof(columns));
        float* px = Data(x, nameof(x));
        var g = Geometry(OpContract.Col2Im(columns, kernelHeight, kernelWidth, convolution, x));
        ParallelFor(g.N * g.C, item =>
        {
            int n = item / g.C, c = item % g.C;
            Col2ImChannels(pColumns + ((long)n * g.ColumnRows * g.OutputPixels), c, c + 1, g, px + ((long)n * g.C * g.H * g.W));
        });
    }

    /// <summary>
    /// im2col of channels c0 … c1−1 of one image (x points at the image, columns at its matrix):
    /// row (c·KH + i)·KW + j, column oh·OW + ow = x[c, oh·S − P + i, ow·S − P + j], or 0 in the padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Im2ColChannels(float* x, int c0, int c1, in ConvolutionGeometry g, float* columns)
    {
        for (int c = c0; c < c1; c++)
        {
            float* plane = x + ((long)c * g.H * g.W);
            for (int i = 0; i < g.KH; i++)
            {
                for (int j = 0; j < g.KW; j++)
                {
                    float* row = columns + ((long)((((c * g.KH) + i) * g.KW) + j) * g.OutputPixels);
                    // Output columns whose input column ow·S − P + j lies inside the image.
                    var (owStart, owEnd) = ValidOutputRange(j, g.Stride, g.Padding, g.W, g.OW);
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        float* target = row + ((long)oh * g.OW);
                        int ih = (oh * g.Stride) - g.Padding + i;
                        if (ih < 0 || ih >= g.H || owStart >= owEnd)
                        {
                            new Span<float>(target, g.OW).Clear();
                            continue;
                        }
                        new Span<float>(target, owStart).Clear();
                        new Span<float>(target + owEnd, g.OW - owEnd).Clear();
                        float* source = plane + ((long)ih * g.W) - g.Padding + j;
                        if (g.Stride == 1)
                        {
                            new ReadOnlySpan<float>(source + owStart, owEnd - owStart).CopyTo(new Span<float>(target + owStart, owEnd - owStart));
                        }
                        else
                        {
                            for (int ow = owStart; ow < owEnd; ow++)
                            {
                                target[ow] = source[ow * g.Stride];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// col2im of channels c0 … c1−1 of one image, the adjoint of <see cref="Im2ColChannels"/>: each
    /// pixel receives the sum of the column entries copied from it. Overwrites those channels of x.
    /// </summary>
    private static unsafe void Col2ImChannels(float* columns, int c0, int c1, in ConvolutionGeometry g, float* x) =>
        Col2ImChannels(columns, g.OutputPixels, c0, c1, g, x);

    /// <summary><see cref="Col2ImChannels(float*, int, int, in ConvolutionGeometry, float*)"/> with the columns' rows <paramref name="rowStride"/> floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Col2ImChannels(float* columns, long rowStride, int c0, int c1, in ConvolutionGeometry g, float* x)
    {
        for (int c = c0; c < c1; c++)
        {
            float* plane = x + ((long)c * g.H * g.W);
            new Span<float>(plane, g.H * g.W).Clear();
            for (int i = 0; i < g.KH; i++)
            {
                for (int j = 0; j < g.KW; j++)
                {
                    float* row = columns + ((((c * g.KH) + i) * g.KW) + j) * rowStride;
                    var (owStart, owEnd) = ValidOutputRange(j, g.Stride, g.Padding, g.W, g.OW);
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = (oh * g.Stride) - g.Padding + i;
                        if (ih < 0 || ih >= g.H || owStart >= owEnd)
                        {
                            continue;
                        }
                        float* source = row + ((long)oh * g.OW);
                        float* target = plane + ((long)ih * g.W) - g.Padding + j;
                        if (g.Stride == 1)
                        {
                            AddRow(source + owStart, target + owStart, owEnd - owStart);
                        }
                        else
                        {
                            for (int ow = owStart; ow < owEnd; ow++)
                            {
                                target[ow * g.Stride] += source[ow];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// target += source over <paramref name="count"/> floats: the rows col2im adds are short (13 to 55
    /// floats for AlexNet), so this is written inline — whole vectors, then the tail under a mask
    /// with AVX-512 — rather than as a library call per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(float* source, float* target, int count)
    {
        int t = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; t <= count - 16; t += 16)
            {
                (Vector512.Load(target + t) + Vector512.Load(source + t)).Store(target + t);
            }
            if (t < count && Avx512F.IsSupported)
            {
                var lanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count - t)).AsSingle();
                var sum = Avx512F.MaskLoad(target + t, lanes, Vector512<float>.Zero) + Avx512F.MaskLoad(source + t, lanes, Vector512<float>.Zero);
                Avx512F.MaskStore(target + t, lanes, sum);
                return;
            }
        }
        for (; t < count; t++)
        {
            target[t] += source[t];
        }
    }

    /// <summary>
    /// The output positions owStart … owEnd−1 whose input position ow·S − P + j falls inside 0 … W−1
    /// (the rest read padding).
    /// </summary>
    private static (int Start, int End) ValidOutputRange(int j, int stride, int padding, int width, int outputWidth)
    {
        // ow·S − P + j ≥ 0      ⟺ ow ≥ ⌈(P − j) / S⌉
        // ow·S − P + j ≤ W − 1  ⟺ ow ≤ ⌊(W − 1 + P − j) / S⌋
        int start = padding - j <= 0 ? 0 : (padding - j + stride - 1) / stride;
        int last = width - 1 + padding - j;
        int end = last < 0 ? 0 : Math.Min(outputWidth, (last / stride) + 1);
        return (Math.Min(start, end), end);
    }
}
