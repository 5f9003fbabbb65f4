using AlexNet.Backends;

namespace AlexNet.Layers;

/// <summary>
/// Random numbers drawn on the host for initialization, from Philox4x32-10 — the counter-based
/// generator dropout uses (<see cref="Philox"/>). Every number is a pure function of (seed, stream,
/// index), so the weights depend only on the seed and the parameter's name: not on the backend, the
/// thread count, the order layers are built in, or the .NET version (the algorithm behind a seeded
/// <see cref="Random"/> is not a documented contract).
/// <para>
/// Mapping: element i reads block q = i / 4, i.e. Philox(counter = (q low, q high, stream low,
/// stream high), key = (seed low, seed high)), and uses word i mod 4. Uniform numbers are
/// <see cref="Philox.ToUniform"/> of that word; normal numbers pair words (0, 1) and (2, 3) through
/// the Box–Muller transform, the first of a pair taking the cosine and the second the sine.
/// </para>
/// </summary>
public static class HostRandom
{
    // Big tensors are filled in parallel chunks; each element's value does not depend on the chunking.
    private const int ChunkLength = 1 << 16;

    /// <summary>
    /// A stream number for a name (64-bit FNV-1a over its UTF-16 code units). Stable across runs and
    /// machines, unlike <see cref="string.GetHashCode()"/>, which .NET randomizes per process.
    /// </summary>
    public static ulong StreamOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ulong hash = 0xCBF29CE484222325;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 0x100000001B3;
        }
        return hash;
    }

    /// <summary>
    /// A new seed from a seed and a stream (SplitMix64's finalizer), for a generator that must not
    /// share its key with the initializer's, e.g. a dropout layer's.
    /// </summary>
    public static ulong DeriveSeed(ulong seed, ulong stream)
    {
        ulong z = seed + ((stream + 1) * 0x9E3779B97F4A7C15);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Fills <paramref name="values"/> with numbers uniform in [low, high).</summary>
    public static void FillUniform(Memory<float> values, float low, float high, ulong seed, ulong stream) =>
        ForEachChunk(values, (chunk, start) =>
        {
            var span = chunk.Span;
            float width = high - low;
            Span<float> block = stackalloc float[4];
            for (int i = 0; i < span.Length; i += 4)
            {
                var (x0, x1, x2, x3) = Block(start + i, seed, stream);
                block[0] = low + (width * Philox.ToUniform(x0));
                block[1] = low + (width * Philox.ToUniform(x1));
                block[2] = low + (width * Philox.ToUniform(x2));
                block[3] = low + (width * Philox.ToUniform(x3));
                block[..Math.Min(4, span.Length - i)].CopyTo(span[i..]);
            }
        });

    /// <summary>Fills <paramref name="values"/> with normal numbers of the given mean and standard deviation.</summary>
    public static void FillNormal(Memory<float> values, float mean, float std, ulong seed, ulong stream) =>
        ForEachChunk(values, (chunk, start) =>
        {
            var span = chunk.Span;
            Span<float> block = stackalloc float[4];
            for (int i = 0; i < span.Length; i += 4)
            {
                var (x0, x1, x2, x3) = Block(start + i, seed, stream);
                var (z0, z1) = BoxMuller(x0, x1);
                var (z2, z3) = BoxMuller(x2, x3);
                block[0] = (float)(mean + (std * z0));
                block[1] = (float)(mean + (std * z1));
                block[2] = (float)(mean + (std * z2));
                block[3] = (float)(mean + (std * z3));
                block[..Math.Min(4, span.Length - i)].CopyTo(span[i..]);
            }
        });

    // Two independent standard normal numbers from two uniform words.
    private static (double, double) BoxMuller(uint first, uint second)
    {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - Philox.ToUniform(first)));
        var (sin, cos) = Math.SinCos(2.0 * Math.PI * Philox.ToUniform(second));
        return (radius * cos, radius * sin);
    }

    // The four words of the Philox block that holds element `index` (a multiple of 4).
    private static (uint, uint, uint, uint) Block(long index, ulong seed, ulong stream)
    {
        ulong q = (ulong)index >> 2;
        return Philox.Generate(((uint)q, (uint)(q >> 32), (uint)stream, (uint)(stream >> 32)), ((uint)seed, (uint)(seed >> 32)));
    }

    // Runs `fill` on chunks of ChunkLength elements (a multiple of 4) in parallel, passing each chunk's start index.
    private static void ForEachChunk(Memory<float> values, Action<Memory<float>, long> fill)
    {
        int chunks = (values.Length + ChunkLength - 1) / ChunkLength;
        if (chunks <= 1)
        {
            fill(values, 0);
            return;
        }
        Parallel.For(0, chunks, c =>
        {
            int start = c * ChunkLength;
            fill(values.Slice(start, Math.Min(ChunkLength, values.Length - start)), start);
        });
    }
}
