using System.Runtime.Intrinsics;
using AlexNet.Backends.Cpu;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>
/// The CPU GEMM's three micro-kernels and its thread counts, each against the reference (the
/// backend-agnostic GEMM property runs only the default kernel), plus the blocking boundaries.
/// </summary>
public sealed class CpuGemmKernelTests
{
    public static TheoryData<GemmKernel, int> KernelsAndThreads => new()
    {
        { GemmKernel.Vector512, 1 }, { GemmKernel.Vector512, 2 },
        { GemmKernel.Vector256, 1 }, { GemmKernel.Vector256, 2 },
        { GemmKernel.Scalar, 1 }, { GemmKernel.Scalar, 2 },
    };

    [Theory, MemberData(nameof(KernelsAndThreads))]
    public void Every_kernel_matches_the_reference(GemmKernel kernel, int threads)
    {
        SkipUnlessSupported(kernel);
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads, GemmKernel = kernel });
        Properties.Check(Cases.Gemm, c => GemmProperties.Verify(backend, c), maxTest: 15);
    }

    /// <summary>
    /// Sizes that cross the cache blocks (MC = 240 rows, KC = 256 of k, NC = 4096 columns), the 8×32
    /// tile (primes, one less and one more), and single rows, columns or terms.
    /// </summary>
    [Theory]
    [InlineData(97, 40, 600, false, false)]
    [InlineData(5, 4100, 300, false, true)]
    [InlineData(200, 33, 257, true, false)]
    [InlineData(7, 4097, 513, true, true)]
    [InlineData(241, 37, 300, false, false)]
    [InlineData(263, 31, 1, true, true)]
    [InlineData(1, 4099, 17, false, true)]
    [InlineData(9, 1, 2053, true, false)]
    [InlineData(16, 64, 7, false, true)]
    public void Blocks_boundaries_are_handled(int m, int n, int k, bool transposeA, bool transposeB)
    {
        using var backend = new CpuBackend();
        GemmProperties.Verify(backend, new GemmCase(m, n, k, transposeA, transposeB, 1.5f, 0.5f, Seed: m + n + k));
    }

    /// <summary>Each tile of C is computed by one thread in a fixed order, so the thread count cannot change a bit of the result.</summary>
    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        using var one = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        using var two = new CpuBackend(new CpuBackendOptions { Threads = 2 });
        var random = new Random(5);
        float[] a = TestData.Uniform(random, 150 * 300), b = TestData.Uniform(random, 300 * 170);
        float[] Multiply(CpuBackend backend)
        {
            using var ta = backend.Tensor(new Shape(150, 300), a);
            using var tb = backend.Tensor(new Shape(300, 170), b);
            using var tc = backend.Allocate(new Shape(150, 170));
            backend.Gemm(ta, tb, false, false, 1, 0, tc);
            return tc.ToArray();
        }
        Compare.Exact("Gemm, 1 thread vs 2", new Shape(150, 170), Multiply(one), Multiply(two));
    }

    private static void SkipUnlessSupported(GemmKernel kernel)
    {
        Assert.SkipWhen(kernel == GemmKernel.Vector512 && !Vector512.IsHardwareAccelerated, "this processor has no native 512-bit vectors");
        Assert.SkipWhen(kernel == GemmKernel.Vector256 && !Vector256.IsHardwareAccelerated, "this processor has no native 256-bit vectors");
    }
}
