using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AlexNet.Backends.Cpu.Gemm;
using AlexNet.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Convolution as im2col + GEMM (Caffe's way, also Chellapilla et al. 2006). This file is the fast
// path (ConvolutionAlgorithm.ImplicitGemm); CpuBackend.Im2Col.cs writes the same products out the
// textbook way (ConvolutionAlgorithm.Im2Col), for reading and stepping through.
//   forward         y[n, group] = weight[group] · columns[group] (+ bias),  columns = im2col(x[n]) [C·KH·KW, OH·OW]
//   backward-data   dx[n, group] = flipped weight[group] · im2col(dy[n] padded by K−1−P)[group]   (stride 1)
//                   dColumns[group] = weight[group]ᵀ · dy[n, group];  dx[n] = col2im(dColumns)  (any stride)
//   backward-filter dWeight[group] += dy[n, group] · columns[group]ᵀ, summed over n
// The column matrices are never stored whole: GEMM's packing reads each cache-sized sliver of them
// straight from the image (ImageColumns, ConvolutionOperands.cs), and the weights, shared by every
// image, are packed once per call. With groups, a group's input channels are a contiguous band of
// the columns' rows, and its filters a contiguous band of the weights' rows, so each group is one
// GEMM on sub-matrices. Images are spread over threads (each running its own GEMMs); a batch
// smaller than the thread count goes one image at a time with the threads inside GEMM instead.
public sealed partial class CpuBackend
{
    /// <summary>A checked convolution geometry: input, filters, output sizes and the sliding rule.</summary>
    private readonly record struct ConvolutionGeometry(
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

    /// <summary>Checks the input and weight shapes against the convolution and derives the output size.</summary>
    private static ConvolutionGeometry Geometry(Tensor x, string xName, Shape weight, Convolution convolution, string op)
    {
        convolution.Validate();
        ExpectRank(x, xName, 4, op);
        if (weight.Rank != 4)
        {
            throw new ArgumentException($"{op}: the weights have shape {weight}, expected [O, C/groups, KH, KW].");
        }
        var s = x.Shape;
        int groups = convolution.Groups;
        if (weight.C * groups != s.C || weight.N % groups != 0)
        {
            throw new ArgumentException(
                $"{op}: {xName} is {x.Describe()} and the weights have shape {weight}; with {groups} group(s) the weights must be " +
                $"[O, {s.C}/{groups}, KH, KW] with O divisible by {groups}.");
        }
        int oh, ow;
        try
        {
            oh = convolution.OutputSize(s.H, weight.H);
            ow = convolution.OutputSize(s.W, weight.W);
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException($"{op}: {xName} is {x.Describe()} with weights {weight}: {error.Message}", error);
        }
        return new ConvolutionGeometry(s.N, s.C, s.H, s.W, weight.N, weight.H, weight.W, oh, ow, convolution.Stride, convolution.Padding, groups);
    }

    // ----- im2col and col2im ----------------------------------------------------------------

    public unsafe void Im2Col(Tensor x, int kernelHeight, int kernelWidth, Convolution convolution, Tensor columns)
    {
        float* px = Data(x, nameof(x));
        float* pColumns = Data(columns, nameof(columns));
        var g = Geometry(x, nameof(x), KernelOnly(x, kernelHeight, kernelWidth), convolution with { Groups = 1 }, nameof(Im2Col));
        ExpectShape(columns, nameof(columns), new Shape(g.N, g.ColumnRows, g.OutputPixels));
        ExpectDistinct(columns, nameof(columns), x, nameof(x));
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
        var g = Geometry(x, nameof(x), KernelOnly(x, kernelHeight, kernelWidth), convolution with { Groups = 1 }, nameof(Col2Im));
        ExpectShape(columns, nameof(columns), new Shape(g.N, g.ColumnRows, g.OutputPixels));
        ExpectDistinct(x, nameof(x), columns, nameof(columns));
        ParallelFor(g.N * g.C, item =>
        {
            int n = item / g.C, c = item % g.C;
            Col2ImChannels(pColumns + ((long)n * g.ColumnRows * g.OutputPixels), c, c + 1, g, px + ((long)n * g.C * g.H * g.W));
        });
    }

    /// <summary>The weight shape of a one-filter convolution with this kernel: lets im2col reuse the geometry checks.</summary>
    private static Shape KernelOnly(Tensor x, int kernelHeight, int kernelWidth)
    {
        if (kernelHeight < 1 || kernelWidth < 1)
        {
            throw new ArgumentException($"The kernel must be at least 1×1, but it is {kernelHeight}×{kernelWidth}.");
        }
        return new Shape(1, x.Shape.Rank == 4 ? x.Shape.C : 1, kernelHeight, kernelWidth);
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

    // ----- The convolution ops ----------------------------------------------------------------

    public unsafe void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* pWeight = Data(weight, nameof(weight));
        float* pBias = bias is null ? null : Data(bias, nameof(bias));
        float* py = Data(y, nameof(y));
        var g = Geometry(x, nameof(x), weight.Shape, convolution, nameof(Conv2dForward));
        if (bias is not null)
        {
            ExpectShape(bias, nameof(bias), new Shape(g.O));
        }
        ExpectShape(y, nameof(y), g.YShape);
        ExpectDistinct(y, nameof(y), x, nameof(x));
        ExpectDistinct(y, nameof(y), weight, nameof(weight));
        if (Convolution == ConvolutionAlgorithm.Im2Col)
        {
            ForwardThroughIm2Col(px, pWeight, pBias, g, py);
            return;
        }

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
                    _gemm.Multiply(packed + (group * packedLength), operand, g.FiltersPerGroup, columns, g.GroupColumnRows, 1f, 0f, band, columns, parallel);
                    images.Scatter(band, g.FiltersPerGroup, count, groupOutput, outputLength, pBias == null ? null : pBias + (group * g.FiltersPerGroup));
                    continue;
                }
                // One image: straight into y, each output plane starting at its bias (then beta = 1).
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
                    _gemm.Multiply(packed + (group * packedLength), new MatrixB(source + ((long)group * g.GroupColumnRows * g.OutputPixels), g.OutputPixels, false, g.OutputPixels),
                        g.FiltersPerGroup, g.OutputPixels, g.GroupColumnRows, 1f, beta, groupOutput, g.OutputPixels, parallel);
                }
                else
                {
                    _gemm.Multiply(packed + (group * packedLength), operand, g.FiltersPerGroup, g.OutputPixels, g.GroupColumnRows, 1f, beta, groupOutput, g.OutputPixels, parallel);
                }
            }
        });
    }

    public unsafe void Conv2dBackwardData(Tensor dy, Tensor weight, Convolution convolution, Tensor dx)
    {
        float* pdy = Data(dy, nameof(dy));
        float* pWeight = Data(weight, nameof(weight));
        float* pdx = Data(dx, nameof(dx));
        var g = Geometry(dx, nameof(dx), weight.Shape, convolution, nameof(Conv2dBackwardData));
        ExpectShape(dy, nameof(dy), g.YShape);
        ExpectDistinct(dx, nameof(dx), dy, nameof(dy));
        ExpectDistinct(dx, nameof(dx), weight, nameof(weight));
        if (Convolution == ConvolutionAlgorithm.Im2Col)
        {
            BackwardDataThroughCol2Im(pdy, pWeight, g, pdx);
            return;
        }
        // As a convolution of dy, every input pixel's window covers padding where the forward's
        // windows did not reach (for a 27×27 map and an unpadded 11×11 kernel, 60% of the work is
        // multiplying zeros); then the columns path, which does only the forward's work, is faster.
        bool littlePadding = (long)g.H * g.W * 2 <= (long)g.OutputPixels * 3;
        if (g.Stride == 1 && g.Padding <= g.KH - 1 && g.Padding <= g.KW - 1 && littlePadding)
        {
            BackwardDataAsConvolution(pdy, pWeight, g, pdx);
        }
        else
        {
            BackwardDataThroughColumns(pdy, pWeight, g, pdx);
        }
    }

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
                    _gemm.Multiply(packed + (group * packedLength), operand, g.ChannelsPerGroup, columns, depth, 1f, 0f, band, columns, parallel);
                    images.Scatter(band, g.ChannelsPerGroup, count, groupInput, imageLength, null);
                }
                else
                {
                    _gemm.Multiply(packed + (group * packedLength), operand, g.ChannelsPerGroup, pixels, depth, 1f, 0f, groupInput, pixels, parallel);
                }
            }
        });
    }

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
                    _gemm.Multiply(packed + (group * packedLength), g.GroupColumnRows, c0 * kernelArea, gradient,
                        channels * kernelArea, columns, g.FiltersPerGroup, 1f, 0f, band, columns, parallel);
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

    public unsafe void Conv2dBackwardFilter(Tensor x, Tensor dy, Convolution convolution, Tensor dWeight)
    {
        float* px = Data(x, nameof(x));
        float* pdy = Data(dy, nameof(dy));
        float* pdWeight = Data(dWeight, nameof(dWeight));
        var g = Geometry(x, nameof(x), dWeight.Shape, convolution, nameof(Conv2dBackwardFilter));
        ExpectShape(dy, nameof(dy), g.YShape);
        ExpectDistinct(dWeight, nameof(dWeight), x, nameof(x));
        ExpectDistinct(dWeight, nameof(dWeight), dy, nameof(dy));
        if (Convolution == ConvolutionAlgorithm.Im2Col)
        {
            BackwardFilterThroughIm2Col(px, pdy, g, pdWeight);
            return;
        }

        long imageLength = (long)g.C * g.H * g.W, outputLength = (long)g.O * g.OutputPixels;
        int weightLength = dWeight.Length;
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
                    _gemm.Multiply(gradient, new ImageColumnsTransposed(source, rowOffsets + (group * g.GroupColumnRows), g.GroupColumnRows, pixelOffsets),
                        g.FiltersPerGroup, g.GroupColumnRows, depth, 1f, beta, sum + ((long)group * g.FiltersPerGroup * g.GroupColumnRows), g.GroupColumnRows, parallelInside);
                }
            }
        });
        for (int worker = 1; worker < workers; worker++)
        {
            var total = new Span<float>(pdWeight, weightLength);
            TensorPrimitives.Add(total, new ReadOnlySpan<float>(partials + ((long)(worker - 1) * weightLength), weightLength), total);
        }
    }

    public unsafe void Conv2dBackwardBias(Tensor dy, Tensor dBias)
    {
        float* pdy = Data(dy, nameof(dy));
        float* pdBias = Data(dBias, nameof(dBias));
        ExpectRank(dy, nameof(dy), 4);
        var s = dy.Shape;
        ExpectShape(dBias, nameof(dBias), new Shape(s.C));
        ExpectDistinct(dBias, nameof(dBias), dy, nameof(dy));
        int pixels = s.H * s.W;
        ParallelFor(s.C, o =>
        {
            // Sum each plane in float (vectorized), the planes in double.
            double sum = 0;
            for (int n = 0; n < s.N; n++)
            {
                sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(pdy + ((((long)n * s.C) + o) * pixels), pixels));
            }
            pdBias[o] += (float)sum;
        });
    }

    // ----- Helpers shared by the convolution ops ------------------------------------------------

    /// <summary>
    /// How a convolution's images are shared out: <see cref="PerProduct"/> images side by side in each
    /// GEMM — on small maps one image's OH·OW columns are too few to fill the micro-kernel's 32-column
    /// tiles and keep it busy (13×13 = 169 columns compute as 192; 4×4 as 32), so several images make one
    /// wider product — and the groups of images spread over the threads, each with its own workspace.
    /// A batch with fewer groups than threads goes one group at a time with the threads inside GEMM.
    /// </summary>
    private readonly unsafe struct ImageGroups
    {
        /// <summary>Columns a product should have at least, when the batch allows.</summary>
        private const int TargetColumns = 512;

        private readonly CpuBackend _backend;
        private readonly int _images, _pixels;

        /// <param name="backend">whose threads and workspace to use</param>
        /// <param name="images">N</param>
        /// <param name="pixels">columns per image in the products (OH·OW, or H·W for the input gradient)</param>
        /// <param name="stride">floats from one image's data to the next's, as the products read them</param>
        public ImageGroups(CpuBackend backend, int images, int pixels, long stride)
        {
            _backend = backend;
            _images = images;
            _pixels = pixels;
            Stride = stride;
            int wanted = (TargetColumns + pixels - 1) / pixels;
            // Never so many that a thread is left without a group, nor offsets past 32 bits.
            int limit = (int)Math.Clamp(int.MaxValue / 2 / Math.Max(1, stride), 1, int.MaxValue);
            PerProduct = Math.Clamp(Math.Min(wanted, images / backend.Threads), 1, limit);
        }

        /// <summary>Images side by side in one product.</summary>
        public int PerProduct { get; }

        /// <summary>Floats between consecutive images' data.</summary>
        public long Stride { get; }

        /// <summary>Floats of the product's output band [rows, PerProduct·pixels] when it needs one (several images), else 0.</summary>
        public long OutputBandLength(int rows) => PerProduct > 1 ? (long)rows * PerProduct * _pixels : 0;

        /// <summary>Runs <paramref name="work"/>(first image, count, workspace, parallel) for every group of images.</summary>
        public void ForEach(long workspaceLength, ImageWork work)
        {
            int perProduct = PerProduct, images = _images;
            int groups = (images + perProduct - 1) / perProduct;
            var backend = _backend;
            if (groups >= backend.Threads && backend.Threads > 1)
            {
                Parallel.For(0, groups, backend._parallel,
                    () => backend._workspace.Rent(workspaceLength),
                    (group, _, workspace) =>
                    {
                        int first = group * perProduct;
                        work(first, Math.Min(perProduct, images - first), workspace.Pointer, false);
                        return workspace;
                    },
                    workspace => workspace.Dispose());
            }
            else
            {
                using var workspace = backend._workspace.Rent(workspaceLength);
                for (int first = 0; first < images; first += perProduct)
                {
                    work(first, Math.Min(perProduct, images - first), workspace.Pointer, backend.Threads > 1);
                }
            }
        }

        /// <summary>
        /// Copies a product's output band [rows, count·pixels] back to each image: row r, image i goes to
        /// <paramref name="target"/> + i·<paramref name="imageStride"/> + r·pixels, plus <paramref name="bias"/>[r] when given.
        /// </summary>
        public void Scatter(float* band, int rows, int count, float* target, long imageStride, float* bias)
        {
            int pixels = _pixels;
            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < count; i++)
                {
                    var source = new ReadOnlySpan<float>(band + (((long)r * count) + i) * pixels, pixels);
                    var destination = new Span<float>(target + (i * imageStride) + ((long)r * pixels), pixels);
                    if (bias != null)
                    {
                        TensorPrimitives.Add(source, bias[r], destination);
                    }
                    else
                    {
                        source.CopyTo(destination);
                    }
                }
            }
        }
    }

    private unsafe delegate void ImageWork(int first, int count, float* workspace, bool parallel);
}
