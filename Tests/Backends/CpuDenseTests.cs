using AlexNet.Backends.Cpu;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>
/// The CPU dense layer on both of its paths — matrix–vector products for batches of up to 4, GEMM
/// above — with and without bias, on one thread and two, against the reference. (The property cases
/// keep to batches of 1–4.)
/// </summary>
public sealed class CpuDenseTests
{
    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(4, 2, false)]
    [InlineData(5, 2, true)]
    [InlineData(37, 1, true)]
    [InlineData(64, 2, false)]
    public void Forward_and_backward_match_the_reference_on_both_paths(int n, int threads, bool withBias)
    {
        const int inputs = 300, outputs = 70;
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
        var random = new Random(n * 31 + threads);
        float[] xValues = TestData.Uniform(random, n * inputs), wValues = TestData.Uniform(random, outputs * inputs, -0.1f, 0.1f);
        float[] bValues = TestData.Uniform(random, outputs), dyValues = TestData.Uniform(random, n * outputs);
        float[] initialWeight = TestData.Uniform(random, outputs * inputs), initialBias = TestData.Uniform(random, outputs);
        using var x = backend.Tensor(new Shape(n, inputs), xValues, "x");
        using var weight = backend.Tensor(new Shape(outputs, inputs), wValues, "weight");
        using var bias = backend.Tensor(new Shape(outputs), bValues, "bias");
        using var y = backend.Tensor(new Shape(n, outputs), Enumerable.Repeat(float.NaN, n * outputs).ToArray(), "y");
        using var dy = backend.Tensor(new Shape(n, outputs), dyValues, "dy");
        using var dx = backend.Tensor(new Shape(n, inputs), Enumerable.Repeat(float.NaN, n * inputs).ToArray(), "dx");
        using var dWeight = backend.Tensor(weight.Shape, initialWeight, "dWeight");
        using var dBias = backend.Tensor(new Shape(outputs), initialBias, "dBias");

        backend.DenseForward(x, weight, withBias ? bias : null, y);
        backend.DenseBackward(x, weight, dy, dx, dWeight, withBias ? dBias : null);

        string what = $"batch {n}, {threads} thread(s):";
        Compare.Close($"{what} y", y.Shape, y.ToArray(),
            ReferenceBackend.DenseForward(xValues.ToDouble(), wValues.ToDouble(), withBias ? bValues.ToDouble() : null, n, inputs, outputs), Tolerances.SumOf(inputs), Tolerances.Relative);
        var (refDx, refDWeight, refDBias) = ReferenceBackend.DenseBackward(xValues.ToDouble(), wValues.ToDouble(), dyValues.ToDouble(), n, inputs, outputs);
        Compare.Close($"{what} dx", dx.Shape, dx.ToArray(), refDx, Tolerances.SumOf(outputs), Tolerances.Relative);
        Compare.Close($"{what} dWeight", dWeight.Shape, dWeight.ToArray(), ReferenceBackend.Axpy(1, refDWeight, initialWeight.ToDouble()), Tolerances.SumOf(n), Tolerances.Relative);
        if (withBias)
        {
            Compare.Close($"{what} dBias", dBias.Shape, dBias.ToArray(), ReferenceBackend.Axpy(1, refDBias, initialBias.ToDouble()), Tolerances.SumOf(n), Tolerances.Relative);
        }
    }
}
