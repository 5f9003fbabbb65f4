using System.Globalization;
using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace AlexNet.Tests.Backends;

/// <summary>
/// The CPU backend's Winograd convolution (Backends/Cpu/Convolution/CpuBackend.Winograd.cs), both tiles,
/// in all three directions, against the double reference: random small geometries (odd sizes, outputs
/// that are not multiples of the tile, padding 0–2, groups, batch 1–5, one and two threads), the chooser's
/// rule, and — run by hand with <c>--explicit only</c> — the error measured on the real AlexNet layers
/// that the tolerances (<see cref="Tolerances.Winograd"/>) come from.
/// </summary>
public sealed class WinogradTests(ITestOutputHelper output)
{
    /// <summary>A Winograd case: the layer (3×3, stride 1), the tile, the threads and the values' seed.</summary>
    public sealed record WinogradCase(ConvolutionShape Shape, bool UsesLargeTile, int Threads, int Seed)
    {
        internal WinogradTile Tile => UsesLargeTile ? WinogradTile.F4 : WinogradTile.F2;

        public override string ToString() => $"{Shape} {Tile} {Threads} thread(s) seed {Seed}";
    }

    private static Gen<WinogradCase> Cases =>
        from n in Gen.Elements(1, 1, 2, 3, 5)
        from groups in Gen.Elements(1, 1, 2)
        from channelsPerGroup in Gen.Choose(1, 6)
        from filtersPerGroup in Gen.Choose(1, 6)
        from padding in Gen.Choose(0, 2)
        from h in Gen.Choose(Math.Max(1, 3 - (2 * padding)), 14)
        from w in Gen.Choose(Math.Max(1, 3 - (2 * padding)), 14)
        from large in Gen.Elements(false, true)
        from threads in Gen.Elements(1, 2)
        from seed in Gen.Choose(0, int.MaxValue)
        select new WinogradCase(new ConvolutionShape(n, channelsPerGroup * groups, h, w, filtersPerGroup * groups, 3, 3, 1, padding, groups), large, threads, seed);

    [Fact]
    public void Forward_backward_data_and_backward_filter_match_the_reference() => Properties.Check(Cases, c =>
    {
        var s = c.Shape;
        var values = ConvolutionValues.For(s, c.Seed);
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = c.Threads });
        var result = Run(backend, s, c.Tile, values);
        string what = $"{c}:";
        Compare.Close($"{what} y", Shapes.Y(s), result.Y, ReferenceBackend.Conv2dForward(values.X.ToDouble(), values.Weight.ToDouble(), values.Bias.ToDouble(), s),
            Tolerances.Winograd(c.Tile, s.ChannelsPerGroup * 9), Tolerances.Relative);
        Compare.Close($"{what} dx", Shapes.X(s), result.Dx, ReferenceBackend.Conv2dBackwardData(values.Dy.ToDouble(), values.Weight.ToDouble(), s),
            Tolerances.Winograd(c.Tile, s.FiltersPerGroup * 9), Tolerances.Relative);
        Compare.Close($"{what} dWeight", Shapes.Weight(s), result.DWeight,
            ReferenceBackend.Axpy(1, ReferenceBackend.Conv2dBackwardFilter(values.X.ToDouble(), values.Dy.ToDouble(), s), values.Initial.ToDouble()),
            Tolerances.Winograd(c.Tile, s.N * s.OH * s.OW), Tolerances.Relative);
    }, maxTest: 60);

    [Fact]
    public void The_public_ops_choose_Winograd_for_AlexNets_3x3_layers_and_agree_with_GEMM()
    {
        // conv4 of the paper's network, fewer channels: 13×13, padding 1, two groups; batch 16 (256 tiles) over two threads.
        var s = new ConvolutionShape(16, 64, 13, 13, 64, 3, 3, 1, 1, 2);
        var values = ConvolutionValues.For(s, 7);
        using var winograd = new CpuBackend(new CpuBackendOptions { Threads = 2 });
        using var gemm = new CpuBackend(new CpuBackendOptions { Threads = 2, Winograd = false });
        var geometry = Geometry(s);
        Assert.Same(WinogradTile.F4, ConvolutionChooser.Winograd(geometry, s.OH, s.OW));

        var fast = RunPublic(winograd, s, values);
        var direct = RunPublic(gemm, s, values);
        var viaTile = Run(winograd, s, WinogradTile.F4, values);
        Compare.Exact("the public forward is F(4x4,3x3)", Shapes.Y(s), fast.Y, viaTile.Y);
        Compare.Exact("the public input gradient is F(4x4,3x3)", Shapes.X(s), fast.Dx, viaTile.Dx);
        Compare.Exact("the public weight gradient is F(4x4,3x3)", Shapes.Weight(s), fast.DWeight, viaTile.DWeight);
        Compare.Close("Winograd against GEMM, y", Shapes.Y(s), fast.Y, direct.Y.ToDouble(), Tolerances.Winograd(WinogradTile.F4, s.ChannelsPerGroup * 9), Tolerances.Relative);
        Compare.Close("Winograd against GEMM, dx", Shapes.X(s), fast.Dx, direct.Dx.ToDouble(), Tolerances.Winograd(WinogradTile.F4, s.FiltersPerGroup * 9), Tolerances.Relative);
        Compare.Close("Winograd against GEMM, dWeight", Shapes.Weight(s), fast.DWeight, direct.DWeight.ToDouble(), Tolerances.Winograd(WinogradTile.F4, s.N * s.OH * s.OW), Tolerances.Relative);
    }

    [Theory]
    [InlineData(256, 384, 13, 1, 1, 13, 13, "F(4x4,3x3)")]   // AlexNet conv3: 4×4 tiles of 6×6 = 576 products against 1521
    [InlineData(384, 384, 13, 1, 2, 13, 13, "F(4x4,3x3)")]   // conv4, two groups
    [InlineData(64, 64, 50, 1, 1, 50, 2, "F(2x2,3x3)")]      // a 50×2 map: 25 tiles of 4×4 = 400 products, F(4×4) 13 tiles of 6×6 = 468
    [InlineData(256, 384, 8, 0, 1, 6, 6, null)]              // keras-blog conv3, 6×6 output: too small a map to pay
    [InlineData(384, 256, 4, 0, 1, 4, 4, null)]              // keras-blog conv5's input gradient, 4×4
    [InlineData(8, 384, 13, 1, 1, 13, 13, null)]             // too few channels: the transforms cost more than the products save
    public void The_chooser_picks_the_tile_with_fewest_products_for_a_batch_of_64(int channels, int filters, int size, int padding, int groups, int outputH, int outputW, string? expected)
    {
        var s = new ConvolutionShape(64, channels, size, size, filters, 3, 3, 1, padding, groups);
        var tile = ConvolutionChooser.Winograd(Geometry(s), outputH, outputW);
        Assert.Equal(expected, tile?.ToString());
    }

    [Fact]
    public void The_chooser_leaves_small_batches_to_GEMM()
    {
        // AlexNet conv3: 16 tiles of F(4×4) per image; 256 in the batch are needed.
        Assert.Null(ConvolutionChooser.Winograd(Geometry(new ConvolutionShape(15, 256, 13, 13, 384, 3, 3, 1, 1, 1)), 13, 13));
        Assert.Same(WinogradTile.F4, ConvolutionChooser.Winograd(Geometry(new ConvolutionShape(16, 256, 13, 13, 384, 3, 3, 1, 1, 1)), 13, 13));
    }

    [Theory]
    [InlineData(5, 5, 1, 1)]   // a 5×5 kernel
    [InlineData(3, 3, 2, 1)]   // stride 2
    [InlineData(3, 3, 1, 3)]   // padding 3: the input gradient would need negative padding
    public void The_chooser_keeps_GEMM_where_Winograd_does_not_apply(int kh, int kw, int stride, int padding)
    {
        var s = new ConvolutionShape(1, 64, 27, 27, 64, kh, kw, stride, padding, 1);
        Assert.Null(ConvolutionChooser.Winograd(Geometry(s), s.OH, s.OW));
    }

    /// <summary>
    /// The measurement behind <see cref="Tolerances.Winograd"/> and Docs/layers/convolution.md#winograd: on
    /// every 3×3 layer of the alexnet, torchvision and keras-blog variants (one image, two for the weight
    /// gradient), the largest difference from the double reference of GEMM, F(2×2) and F(4×4) in float.
    /// About a minute: <c>dotnet test … --filter-class '*WinogradTests' --explicit only</c>.
    /// </summary>
    [Fact(Explicit = true)]
    public void Measure_the_error_on_AlexNets_layers()
    {
        var layers = new (string Name, ConvolutionShape Shape)[]
        {
            ("alexnet conv3", new(2, 256, 13, 13, 384, 3, 3, 1, 1, 1)),
            ("alexnet conv4", new(2, 384, 13, 13, 384, 3, 3, 1, 1, 2)),
            ("alexnet conv5", new(2, 384, 13, 13, 256, 3, 3, 1, 1, 2)),
            ("torchvision conv3", new(2, 192, 13, 13, 384, 3, 3, 1, 1, 1)),
            ("torchvision conv4", new(2, 384, 13, 13, 256, 3, 3, 1, 1, 1)),
            ("torchvision conv5", new(2, 256, 13, 13, 256, 3, 3, 1, 1, 1)),
            ("keras-blog conv3", new(2, 256, 8, 8, 384, 3, 3, 1, 0, 1)),
            ("keras-blog conv4", new(2, 384, 6, 6, 384, 3, 3, 1, 0, 1)),
            ("keras-blog conv5", new(2, 384, 4, 4, 256, 3, 3, 1, 0, 1)),
        };
        using var gemm = new CpuBackend(new CpuBackendOptions { Threads = 2, Winograd = false });
        using var winograd = new CpuBackend(new CpuBackendOptions { Threads = 2 });
        output.WriteLine("layer | direction | GEMM | F(2x2) | F(4x4) | bound for F(2x2) | bound for F(4x4)   (largest |float - double| over the output)");
        foreach (var (name, s) in layers)
        {
            var values = ConvolutionValues.For(s, 1);
            var reference = new[]
            {
                ReferenceBackend.Conv2dForward(values.X.ToDouble(), values.Weight.ToDouble(), values.Bias.ToDouble(), s),
                ReferenceBackend.Conv2dBackwardData(values.Dy.ToDouble(), values.Weight.ToDouble(), s),
                ReferenceBackend.Axpy(1, ReferenceBackend.Conv2dBackwardFilter(values.X.ToDouble(), values.Dy.ToDouble(), s), values.Initial.ToDouble()),
            };
            int[] terms = [s.ChannelsPerGroup * 9, s.FiltersPerGroup * 9, s.N * s.OH * s.OW];
            var results = new[] { RunPublic(gemm, s, values), Run(winograd, s, WinogradTile.F2, values), Run(winograd, s, WinogradTile.F4, values) };
            string[] directions = ["y", "dx", "dWeight"];
            for (int d = 0; d < 3; d++)
            {
                double[] errors = results.Select(r => LargestDifference(r.Outputs[d], reference[d])).ToArray();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name} | {directions[d]} | {errors[0]:E2} | {errors[1]:E2} | {errors[2]:E2} | {Tolerances.Winograd(WinogradTile.F2, terms[d]):E2} | {Tolerances.Winograd(WinogradTile.F4, terms[d]):E2}"));
                Assert.True(errors[1] <= Tolerances.Winograd(WinogradTile.F2, terms[d]), $"{name} {directions[d]}: F(2x2) is {errors[1]:E2} from the reference.");
                Assert.True(errors[2] <= Tolerances.Winograd(WinogradTile.F4, terms[d]), $"{name} {directions[d]}: F(4x4) is {errors[2]:E2} from the reference.");
            }
        }
    }

    private static double LargestDifference(float[] actual, double[] reference)
    {
        double largest = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(actual[i] - reference[i]));
        }
        return largest;
    }

    private static CpuBackend.ConvolutionGeometry Geometry(ConvolutionShape s) =>
        new(s.N, s.C, s.H, s.W, s.O, s.KH, s.KW, s.OH, s.OW, s.Stride, s.Padding, s.Groups);

    /// <summary>The three directions through one tile, called below the chooser.</summary>
    private static unsafe Results Run(CpuBackend backend, ConvolutionShape s, WinogradTile tile, ConvolutionValues values)
    {
        using var tensors = new Tensors(backend, s, values);
        var g = Geometry(s);
        backend.ForwardWinograd(Pointer(tensors.X), Pointer(tensors.Weight), Pointer(tensors.Bias), g, Pointer(tensors.Y), tile);
        backend.BackwardDataWinograd(Pointer(tensors.Dy), Pointer(tensors.Weight), g, Pointer(tensors.Dx), tile);
        backend.BackwardFilterWinograd(Pointer(tensors.X), Pointer(tensors.Dy), g, Pointer(tensors.DWeight), tile);
        return tensors.Results();
    }

    /// <summary>The three directions through IBackend, as a layer calls them.</summary>
    private static Results RunPublic(CpuBackend backend, ConvolutionShape s, ConvolutionValues values)
    {
        using var tensors = new Tensors(backend, s, values);
        var convolution = Shapes.Convolution(s);
        backend.Conv2dForward(tensors.X, tensors.Weight, tensors.Bias, convolution, tensors.Y);
        backend.Conv2dBackwardData(tensors.Dy, tensors.Weight, convolution, tensors.Dx);
        backend.Conv2dBackwardFilter(tensors.X, tensors.Dy, convolution, tensors.DWeight);
        return tensors.Results();
    }

    private static unsafe float* Pointer(Tensor tensor) => ((CpuBuffer)tensor.Buffer).Pointer;

    private sealed record Results(float[] Y, float[] Dx, float[] DWeight)
    {
        public float[][] Outputs => [Y, Dx, DWeight];
    }

    /// <summary>The inputs and outputs of one case on a backend; dx starts as NaN (it must be overwritten), dWeight at the values' initial gradient.</summary>
    private sealed class Tensors(CpuBackend backend, ConvolutionShape s, ConvolutionValues values) : IDisposable
    {
        public Tensor X { get; } = backend.Tensor(Shapes.X(s), values.X, "x");

        public Tensor Weight { get; } = backend.Tensor(Shapes.Weight(s), values.Weight, "weight");

        public Tensor Bias { get; } = backend.Tensor(new Shape(s.O), values.Bias, "bias");

        public Tensor Dy { get; } = backend.Tensor(Shapes.Y(s), values.Dy, "dy");

        public Tensor Y { get; } = backend.Tensor(Shapes.Y(s), Enumerable.Repeat(float.NaN, s.YLength).ToArray(), "y");

        public Tensor Dx { get; } = backend.Tensor(Shapes.X(s), Enumerable.Repeat(float.NaN, s.XLength).ToArray(), "dx");

        public Tensor DWeight { get; } = backend.Tensor(Shapes.Weight(s), values.Initial, "dWeight");

        public Results Results() => new(Y.ToArray(), Dx.ToArray(), DWeight.ToArray());

        public void Dispose()
        {
            foreach (var tensor in new[] { X, Weight, Bias, Dy, Y, Dx, DWeight })
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Seeded values as the other convolution tests draw them: x, dy and the bias in [−1, 1], weights scaled by 1/√fan-in.</summary>
    private sealed record ConvolutionValues(float[] X, float[] Weight, float[] Bias, float[] Dy, float[] Initial)
    {
        public static ConvolutionValues For(ConvolutionShape s, int seed)
        {
            var random = new Random(seed);
            float scale = 1f / MathF.Sqrt(s.ChannelsPerGroup * 9);
            return new ConvolutionValues(
                TestData.Uniform(random, s.XLength),
                TestData.Uniform(random, s.WeightLength, -scale, scale),
                TestData.Uniform(random, s.O),
                TestData.Uniform(random, s.YLength),
                TestData.Uniform(random, s.WeightLength));
        }
    }
}
