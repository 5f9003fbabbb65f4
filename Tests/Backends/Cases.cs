using AlexNet.Backends;
using FsCheck;
using FsCheck.Fluent;

namespace AlexNet.Tests.Backends;

/// <summary>A GEMM problem: op(A) is M×K, op(B) is K×N.</summary>
public sealed record GemmCase(int M, int N, int K, bool TransposeA, bool TransposeB, float Alpha, float Beta, int Seed);

/// <summary>A convolution with or without bias, and the seed of its values.</summary>
public sealed record ConvolutionCase(ConvolutionShape Shape, bool Bias, int Seed);

/// <summary>A max-pooling problem and the seed of its values.</summary>
public sealed record PoolingCase(PoolingShape Shape, int Seed);

/// <summary>A local response normalization problem and the seed of its values.</summary>
public sealed record LrnCase(LrnShape Shape, int Seed);

/// <summary>A dense layer [N, I] → [N, O], with or without bias.</summary>
public sealed record DenseCase(int N, int Inputs, int Outputs, bool Bias, int Seed);

/// <summary>N rows of K classes.</summary>
public sealed record SoftmaxCase(int N, int Classes, int Seed);

/// <summary>Batch normalization over [N, C, H, W] (Rank 4) or [N, C] (Rank 2, H = W = 1).</summary>
public sealed record BatchNormCase(int Rank, int N, int C, int H, int W, float Momentum, float Epsilon, int Seed)
{
    public int Pixels => H * W;

    public int Length => N * C * H * W;
}

/// <summary>An elementwise problem: a length and a seed (and for dropout a probability, a key and an offset).</summary>
public sealed record ElementwiseCase(int Length, int Seed);

/// <summary>A dropout call: length, drop probability, Philox key and counter offset.</summary>
public sealed record DropoutCase(int Length, float P, ulong Seed, ulong Offset, int ValueSeed);

/// <summary>
/// FsCheck generators of valid geometries, as the issue asks: batch 1–4, channels up to 16, odd and
/// even sizes, kernels 1–11, strides 1–4, padding 0–2, groups 1–2, overlapping and non-overlapping
/// pools, LRN sizes 1–7. Values come from a seed inside each case, so a printed case reproduces them.
/// Sizes stay small: the reference is a plain double-precision loop nest.
/// </summary>
public static class Cases
{
    public static Gen<int> Seed => Gen.Choose(0, int.MaxValue);

    /// <summary>Sizes that exercise GEMM's edges: 1, primes, around the 4/6/16/32 tile widths and the 96 and 256 block sizes.</summary>
    private static readonly int[] GemmEdgeSizes = [1, 2, 3, 5, 6, 7, 13, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 95, 96, 97, 127, 131];

    public static Gen<GemmCase> Gemm =>
        from m in GemmSize
        from n in GemmSize
        from k in Gen.Frequency((3, GemmSize), (1, Gen.Elements(255, 256, 257, 300, 513)))
        from transposeA in Gen.Elements(false, true)
        from transposeB in Gen.Elements(false, true)
        from alpha in Gen.Elements(1f, -0.5f, 2.25f)
        from beta in Gen.Elements(0f, 1f, 0.75f)
        from seed in Seed
        select new GemmCase(m, n, k, transposeA, transposeB, alpha, beta, seed);

    private static Gen<int> GemmSize => Gen.Frequency((2, Gen.Elements(GemmEdgeSizes)), (1, Gen.Choose(1, 140)));

    public static Gen<ConvolutionCase> Convolution =>
        from groups in Gen.Choose(1, 2)
        from channelsPerGroup in Gen.Choose(1, 8)
        from filtersPerGroup in Gen.Choose(1, 8)
        from kernelHeight in Gen.Choose(1, 11)
        from square in Gen.Elements(true, false)
        from otherWidth in Gen.Choose(1, 11)
        from stride in Gen.Choose(1, 4)
        from padding in Gen.Choose(0, 2)
        from extraHeight in Gen.Choose(0, 7)
        from extraWidth in Gen.Choose(0, 7)
        from n in Gen.Choose(1, 4)
        from bias in Gen.Elements(true, false)
        from seed in Seed
        let kernelWidth = square ? kernelHeight : otherWidth
        select new ConvolutionCase(
            new ConvolutionShape(n, groups * channelsPerGroup,
                Math.Max(1, kernelHeight - (2 * padding)) + extraHeight, Math.Max(1, kernelWidth - (2 * padding)) + extraWidth,
                groups * filtersPerGroup, kernelHeight, kernelWidth, stride, padding, groups),
            bias, seed);

    public static Gen<PoolingCase> Pooling =>
        from kernel in Gen.Choose(1, 11)
        from stride in Gen.Choose(1, 4)
        from padding in Gen.Choose(0, Math.Min(2, kernel - 1))
        from extraHeight in Gen.Choose(0, 8)
        from extraWidth in Gen.Choose(0, 8)
        from n in Gen.Choose(1, 4)
        from channels in Gen.Choose(1, 16)
        from seed in Seed
        select new PoolingCase(new PoolingShape(n, channels,
            Math.Max(1, kernel - (2 * padding)) + extraHeight, Math.Max(1, kernel - (2 * padding)) + extraWidth, kernel, stride, padding), seed);

    /// <summary>
    /// Planes wide enough for the CPU's 16-outputs-at-a-time pooling (stride 2, kernel 2 or 3, as every
    /// AlexNet variant pools): 16 to 45 outputs per row, so vector blocks, the columns before and after
    /// them and padding all occur.
    /// </summary>
    public static Gen<PoolingCase> WidePooling =>
        from kernel in Gen.Elements(2, 3)
        from padding in Gen.Choose(0, kernel - 1)
        from width in Gen.Choose(31, 91)
        from height in Gen.Choose(kernel, 9)
        from n in Gen.Choose(1, 2)
        from channels in Gen.Choose(1, 3)
        from seed in Seed
        select new PoolingCase(new PoolingShape(n, channels, height, width, kernel, 2, padding), seed);

    public static Gen<LrnCase> Lrn =>
        from size in Gen.Choose(1, 7)
        from n in Gen.Choose(1, 4)
        from channels in Gen.Choose(1, 16)
        from height in Gen.Choose(1, 6)
        from width in Gen.Choose(1, 6)
        from paper in Gen.Elements(true, false)
        from alpha in Gen.Elements(1e-4, 0.01, 0.3, 1.0)
        from beta in Gen.Elements(0.5, 0.75, 1.0)
        from k in Gen.Elements(0.5, 1.0, 2.0)
        from seed in Seed
        select paper
            ? new LrnCase(new LrnShape(n, channels, height, width, 5, (float)1e-4, 0.75, 2), seed)
            : new LrnCase(new LrnShape(n, channels, height, width, size, (float)alpha, beta, k), seed);

    public static Gen<DenseCase> Dense =>
        from n in Gen.Choose(1, 20) // the dot-product forward up to 16 rows, in blocks of 4, and GEMM past it
        from inputs in Gen.Choose(1, 70)
        from outputs in Gen.Choose(1, 40)
        from bias in Gen.Elements(true, false)
        from seed in Seed
        select new DenseCase(n, inputs, outputs, bias, seed);

    public static Gen<SoftmaxCase> Softmax =>
        from n in Gen.Choose(1, 4)
        from classes in Gen.Frequency((4, Gen.Choose(1, 40)), (1, Gen.Elements(ReductionEdges)))
        from seed in Seed
        select new SoftmaxCase(n, classes, seed);

    /// <summary>Around the 256 threads of a reducing block, and AlexNet's 1000 classes: a loop bounded by the block instead of the data fails here.</summary>
    private static readonly int[] ReductionEdges = [255, 256, 257, 513, 1000];

    /// <summary>Now and then more than 256 values per channel (the threads of a reducing block): rank 2 with a large batch, rank 4 with large maps.</summary>
    public static Gen<BatchNormCase> BatchNorm =>
        from rank in Gen.Elements(2, 4)
        from large in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from n in large ? (rank == 2 ? Gen.Choose(257, 600) : Gen.Choose(2, 4)) : Gen.Choose(1, 4)
        from channels in Gen.Choose(1, 16)
        from height in large ? Gen.Choose(12, 17) : Gen.Choose(1, 5)
        from width in large ? Gen.Choose(12, 17) : Gen.Choose(1, 5)
        from momentum in Gen.Elements(0.1f, 0.01f, 1f)
        from epsilon in Gen.Elements(1e-5f, 1e-3f)
        from seed in Seed
        let h = rank == 4 ? height : 1
        let w = rank == 4 ? width : 1
        where n * h * w >= 2
        select new BatchNormCase(rank, n, channels, h, w, momentum, epsilon, seed);

    /// <summary>Lengths 1–300 (every SIMD tail of 8 and 16 lanes) and now and then one long enough to be split over threads.</summary>
    public static Gen<ElementwiseCase> Elementwise =>
        from length in Gen.Frequency((9, Gen.Choose(1, 300)), (1, Gen.Choose(70_000, 140_000)))
        from seed in Seed
        select new ElementwiseCase(length, seed);

    public static Gen<DropoutCase> Dropout =>
        from length in Gen.Frequency((9, Gen.Choose(1, 300)), (1, Gen.Choose(20_000, 70_000)))
        from p in Gen.Elements(0f, 0.1f, 0.5f, 0.9f, 0.37f)
        from seed in Gen.Choose(0, int.MaxValue)
        from seedHigh in Gen.Choose(0, int.MaxValue)
        from offset in Gen.Choose(0, int.MaxValue)
        from offsetHigh in Gen.Elements(0, 1, int.MaxValue)
        from valueSeed in Seed
        select new DropoutCase(length, p, ((ulong)(uint)seedHigh << 32) | (uint)seed, ((ulong)(uint)offsetHigh << 32) | (uint)offset, valueSeed);
}
