using System.Runtime.Intrinsics;
using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>
/// Conv2dReluForward and DenseReluForward, the ReLU fused into a layer's write-out, on every backend:
/// equal to the reference's two ops (the convolution or dense layer, then ReLU) within the layer's own
/// tolerance, and bit for bit equal to the same backend's two unfused ops (a NaN included). The
/// tolerance is the unfused op's, not widened: ReLU cannot grow an error, |max(0, a) − max(0, b)| ≤
/// |a − b|. Then the CPU's paths
/// one by one, at shapes whose edges are not multiples of the micro-kernel's tile or the vector width
/// and whose sums span several k blocks (the ReLU must wait for the last), on each kernel and thread count.
/// </summary>
public sealed class FusedForwardProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Conv2dReluForward_equals_the_convolution_then_the_relu(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Convolution, c =>
        VerifyConvolution(b, c.Shape, c.Bias, c.Seed, Tolerances.SumOf(c.Shape.ChannelsPerGroup * c.Shape.KH * c.Shape.KW), cuts: false)));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void DenseReluForward_equals_the_dense_layer_then_the_relu(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Dense, c =>
        VerifyDense(b, c.N, c.Inputs, c.Outputs, c.Bias, c.Seed)));

    public static TheoryData<GemmKernel, int> KernelsAndThreads => new()
    {
        { GemmKernel.Vector512, 1 }, { GemmKernel.Vector512, 2 },
        { GemmKernel.Vector256, 1 }, { GemmKernel.Vector256, 2 },
        { GemmKernel.Scalar, 1 }, { GemmKernel.Scalar, 2 },
    };

    /// <summary>
    /// Every CPU convolution path with the fused ReLU: one image straight into y (GEMM's last store, the
    /// edge tiles' scalar copy, the column bands of two threads), several small maps in one product (the
    /// band copy that adds the bias), a 1×1 kernel reading the image as it is, Winograd's output transform,
    /// and the same 3×3 layer without Winograd. 90 and 63 pixels, 11 and 13 filters: no multiple of 32, 16,
    /// 8 or 6; 40 channels × 3×3 = 360 terms: more than one k block.
    /// </summary>
    [Theory, MemberData(nameof(KernelsAndThreads))]
    public void Cpu_convolution_paths_fuse_the_relu_at_their_edges(GemmKernel kernel, int threads)
    {
        SkipUnlessSupported(kernel);
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads, GemmKernel = kernel });
        using var direct = new CpuBackend(new CpuBackendOptions { Threads = threads, GemmKernel = kernel, Winograd = false });
        ConvolutionShape[] shapes =
        [
            new(1, 40, 17, 19, 11, 3, 3, 2, 1, 1),     // one image, 9×10 = 90 pixels, 360 terms
            new(3, 40, 17, 19, 11, 3, 3, 2, 1, 1),     // three images in one product
            new(1, 5, 30, 30, 13, 5, 5, 1, 2, 1),      // 900 pixels: a column band per thread
            new(2, 24, 9, 7, 10, 1, 1, 1, 0, 2),       // 1×1, the image is the columns; two groups
            new(2, 40, 13, 13, 20, 3, 3, 1, 1, 2),     // 3×3 stride 1: Winograd where the chooser takes it
        ];
        foreach (var s in shapes)
        {
            int terms = s.ChannelsPerGroup * s.KH * s.KW;
            VerifyConvolution(backend, s, bias: true, seed: s.GetHashCode(), WinogradOrSum(s, terms), cuts: true);
            VerifyConvolution(backend, s, bias: false, seed: ~s.GetHashCode(), WinogradOrSum(s, terms), cuts: true);
            VerifyConvolution(direct, s, bias: true, seed: s.GetHashCode() ^ 7, Tolerances.SumOf(terms), cuts: true);
        }
    }

    /// <summary>
    /// The CPU dense paths with the fused ReLU: up to 4 rows through dot products, more through GEMM (one
    /// block of rows, or column bands per thread), 37 and 600 outputs against tiles of 32, 16 and 4, and
    /// 600 inputs: several k blocks.
    /// </summary>
    [Theory, MemberData(nameof(KernelsAndThreads))]
    public void Cpu_dense_paths_fuse_the_relu_at_their_edges(GemmKernel kernel, int threads)
    {
        SkipUnlessSupported(kernel);
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads, GemmKernel = kernel });
        foreach (var (n, inputs, outputs) in new[] { (3, 600, 37), (9, 600, 37), (6, 200, 600), (17, 333, 45) })
        {
            VerifyDense(backend, n, inputs, outputs, bias: true, seed: n * inputs + outputs);
            VerifyDense(backend, n, inputs, outputs, bias: false, seed: n + inputs * outputs);
        }
    }

    // cuts: the case is large enough that some outputs must be negative before the ReLU (checked, so the ReLU is exercised).
    /// <summary>
    /// A NaN in the input reaches the output as it does through the two unfused ops on the same backend
    /// (the CPU's ReLU keeps a NaN, so a diverging loss is still seen; the reference's maps it to 0).
    /// </summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void A_nan_goes_through_the_fused_ops_as_through_the_two_ops(string backend) => TestBackends.Run(backend, b =>
    {
        var s = new ConvolutionShape(1, 3, 9, 9, 5, 3, 3, 1, 1, 1);
        var random = new Random(3);
        float[] xValues = TestData.Uniform(random, s.XLength);
        xValues[40] = float.NaN;
        using var x = b.Tensor(Shapes.X(s), xValues, "x");
        using var weight = b.Tensor(Shapes.Weight(s), TestData.Uniform(random, s.WeightLength), "weight");
        using var fused = b.Allocate(Shapes.Y(s), "y");
        using var unfused = b.Allocate(Shapes.Y(s), "conv y");
        b.Conv2dReluForward(x, weight, null, Shapes.Convolution(s), fused);
        b.Conv2dForward(x, weight, null, Shapes.Convolution(s), unfused);
        b.ReluForward(unfused, unfused);
        Compare.Exact($"{b.Name} Conv2dReluForward with a NaN input vs Conv2dForward + ReluForward", fused.Shape, fused.ToArray(), unfused.ToArray());

        float[] dense = [1f, float.NaN, 2f, -1f, 0.5f, 3f];
        using var dx = b.Tensor(new Shape(2, 3), dense, "x");
        using var dw = b.Tensor(new Shape(4, 3), TestData.Uniform(random, 12), "weight");
        using var dFused = b.Allocate(new Shape(2, 4), "y");
        using var dUnfused = b.Allocate(new Shape(2, 4), "dense y");
        b.DenseReluForward(dx, dw, null, dFused);
        b.DenseForward(dx, dw, null, dUnfused);
        b.ReluForward(dUnfused, dUnfused);
        Compare.Exact($"{b.Name} DenseReluForward with a NaN input vs DenseForward + ReluForward", dFused.Shape, dFused.ToArray(), dUnfused.ToArray());
    });

    private static void VerifyConvolution(IBackend b, ConvolutionShape s, bool bias, int seed, double tolerance, bool cuts)
    {
        var random = new Random(seed);
        float scale = 1f / MathF.Sqrt(s.ChannelsPerGroup * s.KH * s.KW);
        float[] xValues = TestData.Uniform(random, s.XLength), wValues = TestData.Uniform(random, s.WeightLength, -scale, scale);
        float[] bValues = TestData.Uniform(random, s.O);
        using var x = b.Tensor(Shapes.X(s), xValues, "x");
        using var weight = b.Tensor(Shapes.Weight(s), wValues, "weight");
        using var tBias = bias ? b.Tensor(new Shape(s.O), bValues, "bias") : null;
        // y is overwritten: start it with garbage to prove nothing of it survives.
        using var fused = b.Tensor(Shapes.Y(s), Enumerable.Repeat(float.NaN, s.YLength).ToArray(), "y");
        using var unfused = b.Allocate(Shapes.Y(s), "conv y");

        b.Conv2dReluForward(x, weight, tBias, Shapes.Convolution(s), fused);
        b.Conv2dForward(x, weight, tBias, Shapes.Convolution(s), unfused);
        b.ReluForward(unfused, unfused);

        double[] expected = ReferenceBackend.ReluForward(ReferenceBackend.Conv2dForward(xValues.ToDouble(), wValues.ToDouble(), bias ? bValues.ToDouble() : null, s));
        float[] actual = fused.ToArray();
        if (cuts)
        {
            Assert.Contains(actual, v => v == 0f);
        }
        Compare.Close($"{b.Name} Conv2dReluForward y vs the reference, {s}", fused.Shape, actual, expected, tolerance, Tolerances.Relative);
        Compare.Exact($"{b.Name} Conv2dReluForward y vs Conv2dForward + ReluForward, {s}", fused.Shape, actual, unfused.ToArray());
    }

    private static void VerifyDense(IBackend b, int n, int inputs, int outputs, bool bias, int seed)
    {
        var random = new Random(seed);
        float scale = 1f / MathF.Sqrt(inputs);
        float[] xValues = TestData.Uniform(random, n * inputs), wValues = TestData.Uniform(random, outputs * inputs, -scale, scale);
        float[] bValues = TestData.Uniform(random, outputs);
        using var x = b.Tensor(new Shape(n, inputs), xValues, "x");
        using var weight = b.Tensor(new Shape(outputs, inputs), wValues, "weight");
        using var tBias = bias ? b.Tensor(new Shape(outputs), bValues, "bias") : null;
        using var fused = b.Tensor(new Shape(n, outputs), Enumerable.Repeat(float.NaN, n * outputs).ToArray(), "y");
        using var unfused = b.Allocate(new Shape(n, outputs), "dense y");

        b.DenseReluForward(x, weight, tBias, fused);
        b.DenseForward(x, weight, tBias, unfused);
        b.ReluForward(unfused, unfused);

        double[] expected = ReferenceBackend.ReluForward(ReferenceBackend.DenseForward(xValues.ToDouble(), wValues.ToDouble(), bias ? bValues.ToDouble() : null, n, inputs, outputs));
        float[] actual = fused.ToArray();
        Compare.Close($"{b.Name} DenseReluForward y vs the reference, [{n}, {inputs}] -> {outputs}", fused.Shape, actual, expected, Tolerances.SumOf(inputs), Tolerances.Relative);
        Compare.Exact($"{b.Name} DenseReluForward y vs DenseForward + ReluForward, [{n}, {inputs}] -> {outputs}", fused.Shape, actual, unfused.ToArray());
    }

    /// <summary>Winograd's tolerance where the CPU's chooser sends this forward to it, else the GEMM's.</summary>
    private static double WinogradOrSum(ConvolutionShape s, int terms) =>
        ConvolutionChooser.Winograd(new CpuBackend.ConvolutionGeometry(s.N, s.C, s.H, s.W, s.O, s.KH, s.KW, s.OH, s.OW, s.Stride, s.Padding, s.Groups), s.OH, s.OW) is { } tile
            ? Tolerances.Winograd(tile, terms)
            : Tolerances.SumOf(terms);

    private static void SkipUnlessSupported(GemmKernel kernel)
    {
        Assert.SkipWhen(kernel == GemmKernel.Vector512 && !Vector512.IsHardwareAccelerated, "this processor has no native 512-bit vectors");
        Assert.SkipWhen(kernel == GemmKernel.Vector256 && !Vector256.IsHardwareAccelerated, "this processor has no native 256-bit vectors");
    }
}
