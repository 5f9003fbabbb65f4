using AlexNet.Backends;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>GEMM against the reference: all four transpose combinations, edge sizes, alpha and beta.</summary>
public sealed class GemmProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Gemm_matches_the_reference(string backend) =>
        TestBackends.Run(backend, b => Properties.Check(Cases.Gemm, c => Verify(b, c), maxTest: 40));

    /// <summary>Runs one GEMM case on <paramref name="backend"/> and compares it with the reference.</summary>
    internal static void Verify(IBackend backend, GemmCase c)
    {
        var random = new Random(c.Seed);
        float[] a = TestData.Uniform(random, c.M * c.K);
        float[] b = TestData.Uniform(random, c.K * c.N);
        // With beta = 0 the old C must be ignored, NaN included: fill it with NaN to prove it.
        float[] old = c.Beta == 0 ? Enumerable.Repeat(float.NaN, c.M * c.N).ToArray() : TestData.Uniform(random, c.M * c.N);
        using var ta = backend.Tensor(c.TransposeA ? new Shape(c.K, c.M) : new Shape(c.M, c.K), a, "a");
        using var tb = backend.Tensor(c.TransposeB ? new Shape(c.N, c.K) : new Shape(c.K, c.N), b, "b");
        using var tc = backend.Tensor(new Shape(c.M, c.N), old, "c");

        backend.Gemm(ta, tb, c.TransposeA, c.TransposeB, c.Alpha, c.Beta, tc);

        double[] expected = ReferenceBackend.Gemm(a.ToDouble(), b.ToDouble(), old.ToDouble(), c.M, c.N, c.K, c.TransposeA, c.TransposeB, c.Alpha, c.Beta);
        Compare.Close($"{backend.Name} Gemm c", tc.Shape, tc.ToArray(), expected, Tolerances.SumOf(c.K), Tolerances.Relative);
    }
}
