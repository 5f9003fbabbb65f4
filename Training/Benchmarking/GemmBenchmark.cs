using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// Single-precision C = A·B on random n×n matrices through <see cref="IBackend.Gemm"/>, timed as
/// libtorch-bench times <c>torch.matmul</c>: 2n³ floating-point operations per multiply.
/// </summary>
public static class GemmBenchmark
{
    /// <summary>Times n×n×n multiplies on <paramref name="backend"/> by <paramref name="rule"/>.</summary>
    public static Timings Measure(IBackend backend, int n, TimingRule rule)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(rule);
        var random = new Random(n);
        var values = new float[(long)n * n];
        using var a = backend.Allocate(new Shape(n, n), "a");
        using var b = backend.Allocate(new Shape(n, n), "b");
        using var c = backend.Allocate(new Shape(n, n), "c");
        foreach (var matrix in new[] { a, b })
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (2 * random.NextSingle()) - 1;
            }
            backend.Upload(values, matrix);
        }
        return rule.Measure(() =>
        {
            backend.Gemm(a, b, transposeA: false, transposeB: false, alpha: 1, beta: 0, c);
            backend.Synchronize();
        });
    }

    /// <summary>GFLOP/s of an n×n×n multiply that took <paramref name="milliseconds"/>.</summary>
    public static double Gflops(int n, double milliseconds) => 2.0 * n * n * (double)n / (milliseconds / 1000) / 1e9;
}
