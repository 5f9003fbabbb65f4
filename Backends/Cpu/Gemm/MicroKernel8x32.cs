using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// The AVX-512 micro-kernel: an 8×32 tile of C in sixteen 512-bit registers (of the 32 AVX-512 has).
/// Per k step: load two vectors of B (the tile's 32 columns), broadcast each of A's 8 values
/// and add their products to 16 accumulators — 16 fused multiply-adds for 10 loads. Two FMA
/// pipelines with a 4-cycle latency need at least 8 independent sums in flight; 16 leave slack.
/// Eight rows also divide every filter count and batch size AlexNet uses (48 … 384, 64, 128),
/// so few tiles are partial.
/// </summary>
internal readonly struct MicroKernel8x32 : IMicroKernel
{
    public static int Rows => 8;

    public static int Columns => 32;

    /// <summary>True when the processor runs 512-bit vectors natively (AVX-512).</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(int kc, float* a, float* b, float alpha, float beta, bool relu, float* c, nint ldc)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        // The C tile is needed at the end: start fetching its 16 cache lines now, behind the k loop.
        if (Sse.IsSupported)
        {
            for (int r = 0; r < 8; r++)
            {
                Sse.Prefetch0(c + (r * ldc));
                Sse.Prefetch0(c + (r * ldc) + 16);
            }
        }
        int p = 0;
        // Two k steps per iteration: half the loop overhead (counter, compare, branch) per FMA.
        for (; p + 2 <= kc; p += 2)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var ai = Vector512.Create(a[0]);
            c00 = Vector512.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector512.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector512.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector512.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.MultiplyAddEstimate(ai, b0, c40);
            c41 = Vector512.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.MultiplyAddEstimate(ai, b0, c50);
            c51 = Vector512.MultiplyAddEstimate(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.MultiplyAddEstimate(ai, b0, c60);
            c61 = Vector512.MultiplyAddEstimate(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.MultiplyAddEstimate(ai, b0, c70);
            c71 = Vector512.MultiplyAddEstimate(ai, b1, c71);
        
            var d0 = Vector512.Load(b + 32);
            var d1 = Vector512.Load(b + 48);
            var ei = Vector512.Create(a[8]);
            c00 = Vector512.MultiplyAddEstimate(ei, d0, c00);
            c01 = Vector512.MultiplyAddEstimate(ei, d1, c01);
            ei = Vector512.Create(a[9]);
            c10 = Vector512.MultiplyAddEstimate(ei, d0, c10);
            c11 = Vector512.MultiplyAddEstimate(ei, d1, c11);
            ei = Vector512.Create(a[10]);
            c20 = Vector512.MultiplyAddEstimate(ei, d0, c20);
            c21 = Vector512.MultiplyAddEstimate(ei, d1, c21);
            ei = Vector512.Create(a[11]);
            c30 = Vector512.MultiplyAddEstimate(ei, d0, c30);
            c31 = Vector512.MultiplyAddEstimate(ei, d1, c31);
            ei = Vector512.Create(a[12]);
            c40 = Vector512.MultiplyAddEstimate(ei, d0, c40);
            c41 = Vector512.MultiplyAddEstimate(ei, d1, c41);
            ei = Vector512.Create(a[13]);
            c50 = Vector512.MultiplyAddEstimate(ei, d0, c50);
            c51 = Vector512.MultiplyAddEstimate(ei, d1, c51);
            ei = Vector512.Create(a[14]);
            c60 = Vector512.MultiplyAddEstimate(ei, d0, c60);
            c61 = Vector512.MultiplyAddEstimate(ei, d1, c61);
            ei = Vector512.Create(a[15]);
            c70 = Vector512.MultiplyAddEstimate(ei, d0, c70);
            c71 = Vector512.MultiplyAddEstimate(ei, d1, c71);
                    a += 16;
            b += 64;
        }
        for (; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var ai = Vector512.Create(a[0]);
            c00 = Vector512.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector512.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector512.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector512.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.MultiplyAddEstimate(ai, b0, c40);
            c41 = Vector512.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.MultiplyAddEstimate(ai, b0, c50);
            c51 = Vector512.MultiplyAddEstimate(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.MultiplyAddEstimate(ai, b0, c60);
            c61 = Vector512.MultiplyAddEstimate(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.MultiplyAddEstimate(ai, b0, c70);
            c71 = Vector512.MultiplyAddEstimate(ai, b1, c71);
            a += 8;
            b += 32;
                }

        Store(c00, alpha, beta, relu, c + (0 * ldc));
        Store(c01, alpha, beta, relu, c + (0 * ldc) + 16);
        Store(c10, alpha, beta, relu, c + (1 * ldc));
        Store(c11, alpha, beta, relu, c + (1 * ldc) + 16);
        Store(c20, alpha, beta, relu, c + (2 * ldc));
        Store(c21, alpha, beta, relu, c + (2 * ldc) + 16);
        Store(c30, alpha, beta, relu, c + (3 * ldc));
        Store(c31, alpha, beta, relu, c + (3 * ldc) + 16);
        Store(c40, alpha, beta, relu, c + (4 * ldc));
        Store(c41, alpha, beta, relu, c + (4 * ldc) + 16);
        Store(c50, alpha, beta, relu, c + (5 * ldc));
        Store(c51, alpha, beta, relu, c + (5 * ldc) + 16);
        Store(c60, alpha, beta, relu, c + (6 * ldc));
        Store(c61, alpha, beta, relu, c + (6 * ldc) + 16);
        Store(c70, alpha, beta, relu, c + (7 * ldc));
        Store(c71, alpha, beta, relu, c + (7 * ldc) + 16);
    }

    /// <summary>c = beta·c + alpha·sum, reading c only when beta ≠ 0; then max(0, c) when <paramref name="relu"/> (the fused ReLU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(Vector512<float> sum, float alpha, float beta, bool relu, float* c)
    {
        var result = sum * alpha;
        if (beta != 0)
        {
            result = Vector512.MultiplyAddEstimate(Vector512.Load(c), Vector512.Create(beta), result);
        }
        if (relu)
        {
            // max(0, x) as the CPU's ReluForward takes it (IEEE maximum: a NaN stays NaN, so a diverging loss is still seen).
            result = Vector512.Max(result, Vector512<float>.Zero);
        }
        result.Store(c);
    }
}
