using System.Runtime.CompilerServices;

namespace AlexNet.Backends;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
/// counter-based generator. Instead of a state that advances, each random number is a pure
/// function of a key and a counter, so any thread — on the CPU or on a GPU — can compute the
/// number for element i directly. The CUDA kernel <c>Cuda/Kernels/philox.cuh</c> is the same
/// function, so both backends drop exactly the same elements.
/// <para>
/// Dropout's mapping, shared by every backend: key = (seed low 32 bits, seed high 32 bits);
/// counter = (q low, q high, offset low, offset high) with q = i / 4; the element uses output
/// word i mod 4, turned into u = (word &gt;&gt; 8) · 2⁻²⁴ ∈ [0, 1).
/// </para>
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>Ten rounds of Philox4x32 on <paramref name="counter"/> with <paramref name="key"/>.</summary>
    public static (uint X0, uint X1, uint X2, uint X3) Generate(
        (uint C0, uint C1, uint C2, uint C3) counter, (uint K0, uint K1) key)
    {
        var (c0, c1, c2, c3) = counter;
        var (k0, k1) = key;
        for (int round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                k0 += W0;
                k1 += W1;
            }
            ulong product0 = (ulong)M0 * c0;
            ulong product1 = (ulong)M1 * c2;
            uint hi0 = (uint)(product0 >> 32), lo0 = (uint)product0;
            uint hi1 = (uint)(product1 >> 32), lo1 = (uint)product1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>The uniform number in [0, 1) that element <paramref name="index"/> of a dropout call draws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(ulong seed, ulong offset, long index)
    {
        ulong quad = (ulong)index >> 2;
        var words = Generate(((uint)quad, (uint)(quad >> 32), (uint)offset, (uint)(offset >> 32)), ((uint)seed, (uint)(seed >> 32)));
        uint word = (index & 3) switch { 0 => words.X0, 1 => words.X1, 2 => words.X2, _ => words.X3 };
        return ToUniform(word);
    }

    /// <summary>The top 24 bits of a word as a float in [0, 1): every value exactly representable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToUniform(uint word) => (word >> 8) * (1.0f / 16777216.0f);
}
