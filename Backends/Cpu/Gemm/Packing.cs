using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// The one packing step that is not a plain copy: interleaving rows. A sliver holds, for each p, the
/// values of <i>width</i> rows at column p side by side, so rows that lie one after another in memory
/// (A's rows when A is not transposed, B's rows when B is) must be transposed on the way in.
/// </summary>
internal static unsafe class Packing
{
    /// <summary>
    /// destination[p·width + i] = source[i·ld + p] for i &lt; rows, p &lt; kc; zero for rows … width−1.
    /// Eight rows at a time are transposed in registers, 8×8 values per block (24 shuffles for 64 values
    /// instead of 64 scattered stores), which is what keeps packing a dense layer's weights cheap; the
    /// remaining rows and columns take the scalar loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Interleave(float* source, int ld, int rows, int kc, int width, float* destination)
    {
        int i0 = 0;
        if (Avx.IsSupported)
        {
            for (; i0 + 8 <= rows; i0 += 8)
            {
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(source + ((long)i0 * ld) + p, ld, destination + ((long)p * width) + i0, width);
                }
                Scalar(source + ((long)i0 * ld), ld, 8, p, kc, width, destination + i0);
            }
        }
        Scalar(source + ((long)i0 * ld), ld, rows - i0, 0, kc, width, destination + i0);
        for (int p = 0; p < kc; p++)
        {
            new Span<float>(destination + ((long)p * width) + rows, width - rows).Clear();
        }
    }

    /// <summary>destination[p·width + i] = source[i·ld + p] for i &lt; rows and p0 ≤ p &lt; kc, one value at a time.</summary>
    private static void Scalar(float* source, int ld, int rows, int p0, int kc, int width, float* destination)
    {
        for (int i = 0; i < rows; i++)
        {
            float* row = source + ((long)i * ld);
            for (int p = p0; p < kc; p++)
            {
                destination[((long)p * width) + i] = row[p];
            }
        }
    }

    /// <summary>
    /// Transposes the 8×8 block at <paramref name="source"/> (row stride <paramref name="ld"/>) into
    /// <paramref name="destination"/> (row stride <paramref name="width"/>): the classic three rounds of
    /// unpack, shuffle and 128-bit lane permute.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, int ld, float* destination, int width)
    {
        var r0 = Avx.LoadVector256(source);
        var r1 = Avx.LoadVector256(source + ld);
        var r2 = Avx.LoadVector256(source + (2 * ld));
        var r3 = Avx.LoadVector256(source + (3 * ld));
        var r4 = Avx.LoadVector256(source + (4 * ld));
        var r5 = Avx.LoadVector256(source + (5 * ld));
        var r6 = Avx.LoadVector256(source + (6 * ld));
        var r7 = Avx.LoadVector256(source + (7 * ld));

        // Round 1: interleave pairs of rows.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        // Round 2: gather groups of four within each 128-bit half.
        var s0 = Avx.Shuffle(t0, t2, 0b01_00_01_00);
        var s1 = Avx.Shuffle(t0, t2, 0b11_10_11_10);
        var s2 = Avx.Shuffle(t1, t3, 0b01_00_01_00);
        var s3 = Avx.Shuffle(t1, t3, 0b11_10_11_10);
        var s4 = Avx.Shuffle(t4, t6, 0b01_00_01_00);
        var s5 = Avx.Shuffle(t4, t6, 0b11_10_11_10);
        var s6 = Avx.Shuffle(t5, t7, 0b01_00_01_00);
        var s7 = Avx.Shuffle(t5, t7, 0b11_10_11_10);

        // Round 3: swap 128-bit halves between the two groups of four rows.
        Avx.Store(destination, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(destination + width, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(destination + (2 * width), Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(destination + (3 * width), Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(destination + (4 * width), Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(destination + (5 * width), Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(destination + (6 * width), Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(destination + (7 * width), Avx.Permute2x128(s3, s7, 0x31));
    }
}
