using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace AlexNet.Tests.Backends;

/// <summary>Convolution forward, backward-data, backward-filter and bias gradient against the reference, for random geometries.</summary>
public sealed class ConvolutionProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Conv2dForward_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Convolution, c => ForwardMatches(b, c)));

    /// <summary>The CPU's GEMM path alone: the cases with few output pixels otherwise go as dot products.</summary>
    [Fact]
    public void Conv2dForward_through_GEMM_alone_matches_the_reference()
    {
        using var gemm = new CpuBackend(new CpuBackendOptions { ConvolutionDots = false });
        Properties.Check(Cases.Convolution, c => ForwardMatches(gemm, c));
    }

    /// <summary>
    /// The CPU's dot products on what they are for: many channels and taps (long dots, several groups)
    /// over at most 48 output pixels in the batch, on one and on two threads.
    /// </summary>
    [Theory, InlineData(1), InlineData(2)]
    public void Conv2dForward_as_dot_products_matches_the_reference(int threads)
    {
        var fewPixels =
            from groups in Gen.Choose(1, 2)
            from channelsPerGroup in Gen.Choose(16, 48)
            from filtersPerGroup in Gen.Choose(1, 20)
            from kernel in Gen.Choose(1, 3)
            from padding in Gen.Choose(0, 1)
            from stride in Gen.Choose(1, 2)
            from side in Gen.Choose(kernel, 6)
            from n in Gen.Choose(1, 3)
            from bias in Gen.Elements(true, false)
            from seed in Cases.Seed
            let shape = new ConvolutionShape(n, groups * channelsPerGroup, side, side, groups * filtersPerGroup, kernel, kernel, stride, padding, groups)
            where (long)n * shape.OH * shape.OW <= 48
            select new ConvolutionCase(shape, bias, seed);
        using var cpu = new CpuBackend(new CpuBackendOptions { Threads = threads });
        Properties.Check(fewPixels, c => ForwardMatches(cpu, c));
    }

    private static void ForwardMatches(IBackend b, ConvolutionCase c)
    {
        var (s, values) = (c.Shape, Values.For(c));
        using var x = b.Tensor(Shapes.X(s), values.X, "x");
        using var weight = b.Tensor(Shapes.Weight(s), values.Weight, "weight");
        using var bias = c.Bias ? b.Tensor(new Shape(s.O), values.Bias, "bias") : null;
        using var y = b.Allocate(Shapes.Y(s), "y");

        b.Conv2dForward(x, weight, bias, Shapes.Convolution(s), y);

        double[] expected = ReferenceBackend.Conv2dForward(values.X.ToDouble(), values.Weight.ToDouble(), c.Bias ? values.Bias.ToDouble() : null, s);
        Compare.Close($"{b.Name} Conv2dForward y", y.Shape, y.ToArray(), expected, Tolerances.SumOf(s.ChannelsPerGroup * s.KH * s.KW), Tolerances.Relative);
    }

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Conv2dBackwardData_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Convolution, c =>
    {
        var (s, values) = (c.Shape, Values.For(c));
        using var dy = b.Tensor(Shapes.Y(s), values.Dy, "dy");
        using var weight = b.Tensor(Shapes.Weight(s), values.Weight, "weight");
        // dx is overwritten: start it with garbage to prove nothing of it survives.
        using var dx = b.Tensor(Shapes.X(s), Enumerable.Repeat(float.NaN, s.XLength).ToArray(), "dx");

        b.Conv2dBackwardData(dy, weight, Shapes.Convolution(s), dx);

        double[] expected = ReferenceBackend.Conv2dBackwardData(values.Dy.ToDouble(), values.Weight.ToDouble(), s);
        Compare.Close($"{b.Name} Conv2dBackwardData dx", dx.Shape, dx.ToArray(), expected, Tolerances.SumOf(s.FiltersPerGroup * s.KH * s.KW), Tolerances.Relative);
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Conv2dBackwardFilter_accumulates_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Convolution, c =>
    {
        var (s, values) = (c.Shape, Values.For(c));
        using var x = b.Tensor(Shapes.X(s), values.X, "x");
        using var dy = b.Tensor(Shapes.Y(s), values.Dy, "dy");
        using var dWeight = b.Tensor(Shapes.Weight(s), values.Initial(s.WeightLength), "dWeight");

        b.Conv2dBackwardFilter(x, dy, Shapes.Convolution(s), dWeight);

        double[] fresh = ReferenceBackend.Conv2dBackwardFilter(values.X.ToDouble(), values.Dy.ToDouble(), s);
        double[] expected = ReferenceBackend.Axpy(1, fresh, values.Initial(s.WeightLength).ToDouble());
        Compare.Close($"{b.Name} Conv2dBackwardFilter dWeight", dWeight.Shape, dWeight.ToArray(), expected, Tolerances.SumOf(s.N * s.OH * s.OW), Tolerances.Relative);
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Conv2dBackwardBias_accumulates_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Convolution, c =>
    {
        var (s, values) = (c.Shape, Values.For(c));
        using var dy = b.Tensor(Shapes.Y(s), values.Dy, "dy");
        using var dBias = b.Tensor(new Shape(s.O), values.Initial(s.O), "dBias");

        b.Conv2dBackwardBias(dy, dBias);

        double[] fresh = ReferenceBackend.Conv2dBackwardBias(values.Dy.ToDouble(), s.N, s.O, s.OH * s.OW);
        double[] expected = ReferenceBackend.Axpy(1, fresh, values.Initial(s.O).ToDouble());
        Compare.Close($"{b.Name} Conv2dBackwardBias dBias", dBias.Shape, dBias.ToArray(), expected, Tolerances.SumOf(s.N * s.OH * s.OW), Tolerances.Relative);
    }));

    /// <summary>The seeded inputs of one case: x and dy in [−1, 1], weights scaled by 1/√fan-in, and the starting value of an accumulated gradient.</summary>
    private sealed record Values(float[] X, float[] Weight, float[] Bias, float[] Dy, int Seed)
    {
        public static Values For(ConvolutionCase c)
        {
            var s = c.Shape;
            var random = new Random(c.Seed);
            float scale = 1f / MathF.Sqrt(s.ChannelsPerGroup * s.KH * s.KW);
            return new Values(
                TestData.Uniform(random, s.XLength),
                TestData.Uniform(random, s.WeightLength, -scale, scale),
                TestData.Uniform(random, s.O),
                TestData.Uniform(random, s.YLength),
                c.Seed);
        }

        /// <summary>What an accumulated gradient holds before the op: the op must add to it.</summary>
        public float[] Initial(int length) => TestData.Uniform(new Random(Seed ^ 0x5bd1e995), length);
    }
}
