using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>Dense forward and backward (dx overwritten, dWeight and dBias accumulated) against the reference.</summary>
public sealed class DenseProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void DenseForward_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Dense, c =>
    {
        var v = Values.For(c);
        using var x = b.Tensor(new Shape(c.N, c.Inputs), v.X, "x");
        using var weight = b.Tensor(new Shape(c.Outputs, c.Inputs), v.Weight, "weight");
        using var bias = c.Bias ? b.Tensor(new Shape(c.Outputs), v.Bias, "bias") : null;
        using var y = b.Tensor(new Shape(c.N, c.Outputs), Enumerable.Repeat(float.NaN, c.N * c.Outputs).ToArray(), "y");

        b.DenseForward(x, weight, bias, y);

        double[] expected = ReferenceBackend.DenseForward(v.X.ToDouble(), v.Weight.ToDouble(), c.Bias ? v.Bias.ToDouble() : null, c.N, c.Inputs, c.Outputs);
        Compare.Close($"{b.Name} DenseForward y", y.Shape, y.ToArray(), expected, Tolerances.SumOf(c.Inputs), Tolerances.Relative);
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void DenseBackward_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Dense, c =>
    {
        var v = Values.For(c);
        var random = new Random(~c.Seed);
        float[] initialWeight = TestData.Uniform(random, c.Outputs * c.Inputs), initialBias = TestData.Uniform(random, c.Outputs);
        using var x = b.Tensor(new Shape(c.N, c.Inputs), v.X, "x");
        using var weight = b.Tensor(new Shape(c.Outputs, c.Inputs), v.Weight, "weight");
        using var dy = b.Tensor(new Shape(c.N, c.Outputs), v.Dy, "dy");
        using var dx = b.Tensor(new Shape(c.N, c.Inputs), Enumerable.Repeat(float.NaN, c.N * c.Inputs).ToArray(), "dx");
        using var dWeight = b.Tensor(weight.Shape, initialWeight, "dWeight");
        using var dBias = b.Tensor(new Shape(c.Outputs), initialBias, "dBias");

        // Without bias the layer passes no dBias; dx may be skipped too (the first layer's input needs none).
        b.DenseBackward(x, weight, dy, dx, dWeight, c.Bias ? dBias : null);

        var (refDx, refDWeight, refDBias) = ReferenceBackend.DenseBackward(v.X.ToDouble(), v.Weight.ToDouble(), v.Dy.ToDouble(), c.N, c.Inputs, c.Outputs);
        Compare.Close($"{b.Name} DenseBackward dx", dx.Shape, dx.ToArray(), refDx, Tolerances.SumOf(c.Outputs), Tolerances.Relative);
        Compare.Close($"{b.Name} DenseBackward dWeight", dWeight.Shape, dWeight.ToArray(), ReferenceBackend.Axpy(1, refDWeight, initialWeight.ToDouble()),
            Tolerances.SumOf(c.N), Tolerances.Relative);
        double[] expectedBias = c.Bias ? ReferenceBackend.Axpy(1, refDBias, initialBias.ToDouble()) : initialBias.ToDouble();
        Compare.Close($"{b.Name} DenseBackward dBias", dBias.Shape, dBias.ToArray(), expectedBias, Tolerances.SumOf(c.N), Tolerances.Relative);

        b.DenseBackward(x, weight, dy, null, dWeight, null);
        Compare.Close($"{b.Name} DenseBackward dWeight (second call, no dx)", dWeight.Shape, dWeight.ToArray(),
            ReferenceBackend.Axpy(2, refDWeight, initialWeight.ToDouble()), Tolerances.SumOf(2 * c.N), Tolerances.Relative);
    }));

    private sealed record Values(float[] X, float[] Weight, float[] Bias, float[] Dy)
    {
        public static Values For(DenseCase c)
        {
            var random = new Random(c.Seed);
            float scale = 1f / MathF.Sqrt(c.Inputs);
            return new Values(
                TestData.Uniform(random, c.N * c.Inputs),
                TestData.Uniform(random, c.Outputs * c.Inputs, -scale, scale),
                TestData.Uniform(random, c.Outputs),
                TestData.Uniform(random, c.N * c.Outputs));
        }
    }
}
