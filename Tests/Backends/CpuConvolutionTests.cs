using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>
/// The CPU convolution at AlexNet-like geometries, larger than the random property cases: several
/// GEMM slivers and k blocks, conv1's stride-4 11×11 windows over a 227-wide image (split into
/// phases), grouped 5×5 and 3×3 layers with padding, the Keras tutorial's unpadded 11×11 conv2
/// (input gradient through columns, folded back in bands of channels) — each on one thread and on
/// two (images spread over threads, or a single image with the threads inside GEMM), against the
/// double reference. The 3×3 layer goes through Winograd (ConvolutionChooser) and is held to its tolerance.
/// </summary>
public sealed class CpuConvolutionTests
{
    public static TheoryData<string, int> Geometries => new()
    {
        { "conv1: 3->8 11x11 /4, 227x227", 1 }, { "conv1: 3->8 11x11 /4, 227x227", 2 },
        { "conv2: 12->20 5x5 pad 2 groups 2, 27x27", 1 }, { "conv2: 12->20 5x5 pad 2 groups 2, 27x27", 2 },
        { "conv4: 96->48 3x3 pad 1 groups 2, 13x13", 1 }, { "conv4: 96->48 3x3 pad 1 groups 2, 13x13", 2 },
        { "odd: 5->7 4x6 /3 pad 2, 31x29", 2 },
        { "keras conv2: 16->12 11x11, 27x27", 1 }, { "keras conv2: 16->12 11x11, 27x27", 2 },
    };

    private static ConvolutionShape Shape(string name, int images) => name switch
    {
        "conv1: 3->8 11x11 /4, 227x227" => new ConvolutionShape(images, 3, 227, 227, 8, 11, 11, 4, 0, 1),
        "conv2: 12->20 5x5 pad 2 groups 2, 27x27" => new ConvolutionShape(images, 12, 27, 27, 20, 5, 5, 1, 2, 2),
        "conv4: 96->48 3x3 pad 1 groups 2, 13x13" => new ConvolutionShape(images, 96, 13, 13, 48, 3, 3, 1, 1, 2),
        "keras conv2: 16->12 11x11, 27x27" => new ConvolutionShape(images, 16, 27, 27, 12, 11, 11, 1, 0, 1),
        _ => new ConvolutionShape(images, 5, 31, 29, 7, 4, 6, 3, 2, 1),
    };

    [Theory, MemberData(nameof(Geometries))]
    public void Forward_backward_data_and_backward_filter_match_the_reference(string geometry, int threads)
    {
        foreach (int images in new[] { 1, 3, 8 })
        {
            var s = Shape(geometry, images);
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
            var random = new Random(s.GetHashCode());
            float scale = 1f / MathF.Sqrt(s.ChannelsPerGroup * s.KH * s.KW);
            float[] xValues = TestData.Uniform(random, s.XLength), wValues = TestData.Uniform(random, s.WeightLength, -scale, scale);
            float[] bValues = TestData.Uniform(random, s.O), dyValues = TestData.Uniform(random, s.YLength), initial = TestData.Uniform(random, s.WeightLength);
            using var x = backend.Tensor(Shapes.X(s), xValues, "x");
            using var weight = backend.Tensor(Shapes.Weight(s), wValues, "weight");
            using var bias = backend.Tensor(new Shape(s.O), bValues, "bias");
            using var dy = backend.Tensor(Shapes.Y(s), dyValues, "dy");
            using var y = backend.Allocate(Shapes.Y(s), "y");
            using var dx = backend.Tensor(Shapes.X(s), Enumerable.Repeat(float.NaN, s.XLength).ToArray(), "dx");
            using var dWeight = backend.Tensor(Shapes.Weight(s), initial, "dWeight");

            backend.Conv2dForward(x, weight, bias, Shapes.Convolution(s), y);
            backend.Conv2dBackwardData(dy, weight, Shapes.Convolution(s), dx);
            backend.Conv2dBackwardFilter(x, dy, Shapes.Convolution(s), dWeight);

            string what = $"{geometry}, {images} image(s), {threads} thread(s):";
            Compare.Close($"{what} y", y.Shape, y.ToArray(),
                ReferenceBackend.Conv2dForward(xValues.ToDouble(), wValues.ToDouble(), bValues.ToDouble(), s), Tolerance(s, s.OH, s.OW, s.ChannelsPerGroup * s.KH * s.KW), Tolerances.Relative);
            Compare.Close($"{what} dx", dx.Shape, dx.ToArray(),
                ReferenceBackend.Conv2dBackwardData(dyValues.ToDouble(), wValues.ToDouble(), s), Tolerance(s, s.H, s.W, s.FiltersPerGroup * s.KH * s.KW), Tolerances.Relative);
            Compare.Close($"{what} dWeight", dWeight.Shape, dWeight.ToArray(),
                ReferenceBackend.Axpy(1, ReferenceBackend.Conv2dBackwardFilter(xValues.ToDouble(), dyValues.ToDouble(), s), initial.ToDouble()),
                Tolerance(s, s.OH, s.OW, s.N * s.OH * s.OW), Tolerances.Relative);
        }
    }

    /// <summary>The GEMM tolerance, or Winograd's where the chooser sends this direction (tiling an <paramref name="h"/>×<paramref name="w"/> map) to it.</summary>
    private static double Tolerance(ConvolutionShape s, int h, int w, int terms) =>
        ConvolutionChooser.Winograd(new CpuBackend.ConvolutionGeometry(s.N, s.C, s.H, s.W, s.O, s.KH, s.KW, s.OH, s.OW, s.Stride, s.Padding, s.Groups), h, w) is { } tile
            ? Tolerances.Winograd(tile, terms)
            : Tolerances.SumOf(terms);
}
