using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// The AVX2 micro-kernel: a 6×16 tile of C in twelve 256-bit registers (of the sixteen AVX2 has).
/// Per k step: load two vectors of B (the tile's 16 columns), broadcast each of A's 6 values
/// and add their products to 12 accumulators. 12 accumulators + 2 B vectors + 1 broadcast
/// fit the register file, and 12 independent fused multiply-adds per step keep both FMA
/// pipelines busy despite their latency.
/// </summary>
internal readonly struct MicroKernel6x16 : IMicroKernel
{
    public static int Rows => 6;

    public static int Columns => 16;

    /// <summary>True when the processor runs 256-bit vectors natively (AVX2).</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(int kc, float* a, float* b, float alpha, float beta, bool relu, float* c, nint ldc)
    {
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var ai = Vector256.Create(a[0]);
            c00 = Vector256.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector256.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = Vector256.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector256.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = Vector256.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector256.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = Vector256.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector256.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = Vector256.MultiplyAddEstimate(ai, b0, c40);
            c41 = Vector256.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = Vector256.MultiplyAddEstimate(ai, b0, c50);
            c51 = Vector256.MultiplyAddEstimate(ai, b1, c51);
            a += 6;
            b += 16;
        }

        Store(c00, alpha, beta, relu, c + (0 * ldc));
        Store(c01, alpha, beta, relu, c + (0 * ldc) + 8);
        Store(c10, alpha, beta, relu, c + (1 * ldc));
        Store(c11, alpha, beta, relu, c + (1 * ldc) + 8);
        Store(c20, alpha, beta, relu, c + (2 * ldc));
        Store(c21, alpha, beta, relu, c + (2 * ldc) + 8);
        Store(c30, alpha, beta, relu, c + (3 * ldc));
        Store(c31, alpha, beta, relu, c + (3 * ldc) + 8);
        Store(c40, alpha, beta, relu, c + (4 * ldc));
        Store(c41, alpha, beta, relu, c + (4 * ldc) + 8);
        Store(c50, alpha, beta, relu, c + (5 * ldc));
        Store(c51, alpha, beta, relu, c + (5 * ldc) + 8);
    }

    /// <summary>c = beta·c + alpha·sum, reading c only when beta ≠ 0; then max(0, c) when <paramref name="relu"/> (the fused ReLU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(Vector256<float> sum, float alpha, float beta, bool relu, float* c)
    {
        var result = sum * alpha;
        if (beta != 0)
        {
            result = Vector256.MultiplyAddEstimate(Vector256.Load(c), Vector256.Create(beta), result);
        }
        if (relu)
        {
            // max(0, x) as the CPU's ReluForward takes it (IEEE maximum: a NaN stays NaN, so a diverging loss is still seen).
            result = Vector256.Max(result, Vector256<float>.Zero);
        }
        result.Store(c);
    }
}
