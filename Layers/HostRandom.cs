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
            float width = high - low;
            ForEachBlock(chunk.Span, start, seed, stream, (words, block) =>
            {
                for (int w = 0; w < block.Length; w++)
                {
                    block[w] = low + (width * Philox.ToUniform(words[w]));
                }
            });
        });

    /// <summary>Fills <paramref name="values"/> with normal numbers of the given mean and standard deviation.</summary>
    public static void FillNormal(Memory<float> values, float mean, float std, ulong seed, ulong stream) =>
        ForEachChunk(values, (chunk, start) =>
        {
            ForEachBlock(chunk.Span, start, seed, stream, (words, block) =>
            {
                for (int w = 0; w < block.Length; w++)
                {
                    int first = w & ~1;
                    // 1 − u lies in (0, 1], so the logarithm is finite.
                    double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - Philox.ToUniform(words[first])));
                    double angle = 2.0 * Math.PI * Philox.ToUniform(words[first + 1]);
                    double z = (w & 1) == 0 ? radius * Math.Cos(angle) : radius * Math.Sin(angle);
                    block[w] = (float)(mean + (std * z));
                }
            });
        });

    private delegate void BlockAction(ReadOnlySpan<uint> words, Span<float> block);

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

    // Calls `action` once per Philox block with the block's four words and the (up to four) elements
    // it covers; `start` is the index of span[0] in the whole tensor, a multiple of 4.
    private static void ForEachBlock(Span<float> span, long start, ulong seed, ulong stream, BlockAction action)
    {
        var key = ((uint)seed, (uint)(seed >> 32));
        Span<uint> words = stackalloc uint[4];
        for (int i = 0; i < span.Length; i += 4)
        {
            ulong q = (ulong)(start + i) >> 2;
            var (x0, x1, x2, x3) = Philox.Generate(((uint)q, (uint)(q >> 32), (uint)stream, (uint)(stream >> 32)), key);
            words[0] = x0;
            words[1] = x1;
            words[2] = x2;
            words[3] = x3;
            action(words, span.Slice(i, Math.Min(4, span.Length - i)));
        }
    }
}
