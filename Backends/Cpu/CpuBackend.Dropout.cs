using System.Runtime.CompilerServices;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Inverted dropout with a counter-based mask (see Philox): element i is kept when
// u(seed, offset, i) ≥ p, and kept values are multiplied by scale = 1/(1 − p), computed once in
// float. The mask is never stored: the backward draws the same numbers again. One Philox call
// yields four 32-bit words, the numbers of mask elements 4q … 4q + 3, so the loop runs over quads;
// the tensor's element k is mask element i = first + k (a data-parallel shard starts mid-mask).
// The CUDA kernel computes the same words and the same float product, so masks and values match.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Dropout.cs.
public sealed partial class CpuBackend
{
    /// <summary>Elements per work item.</summary>
    private const long DropoutChunk = 1 << 14;

    public unsafe void DropoutForward(Tensor x, float p, ulong seed, ulong offset, long firstElement, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        OpContract.Dropout(nameof(DropoutForward), x, p, firstElement, y, nameof(y));
        ApplyDropout(px, py, x.Length, p, seed, offset, firstElement);
    }

    public unsafe void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, long firstElement, Tensor dx)
    {
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        OpContract.Dropout(nameof(DropoutBackward), dy, p, firstElement, dx, nameof(dx));
        ApplyDropout(pdy, pdx, dy.Length, p, seed, offset, firstElement);
    }

    /// <summary>target[k] = source[k]·scale where u(seed, offset, first + k) ≥ p, else 0. Forward and backward alike.</summary>
    private unsafe void ApplyDropout(float* source, float* target, long length, float p, ulong seed, ulong offset, long first)
    {
        long chunks = (length + DropoutChunk - 1) / DropoutChunk;
        ParallelFor((int)chunks, chunk =>
        {
            long start = chunk * DropoutChunk;
            DropoutChunkOf(source, target, start, Math.Min(start + DropoutChunk, length), p, seed, offset, first);
        });
    }

    /// <summary>
    /// Tensor elements start … end−1 of <see cref="ApplyDropout"/>. A quad that straddles two chunks
    /// (or the tensor's ends, when first is not a multiple of 4) is drawn by both; each writes its own elements.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DropoutChunkOf(float* source, float* target, long start, long end, float p, ulong seed, ulong offset, long first)
    {
        float scale = 1f / (1f - p);
        var key = ((uint)seed, (uint)(seed >> 32));
        for (long quad = (first + start) >> 2; quad << 2 < first + end; quad++)
        {
            var words = Philox.Generate(((uint)quad, (uint)(quad >> 32), (uint)offset, (uint)(offset >> 32)), key);
            long k = (quad << 2) - first; // the tensor element of the quad's first mask element
            Keep(words.X0, k);
            Keep(words.X1, k + 1);
            Keep(words.X2, k + 2);
            Keep(words.X3, k + 3);
        }

        void Keep(uint word, long k)
        {
            if (k >= start && k < end)
            {
                target[k] = Philox.ToUniform(word) >= p ? source[k] * scale : 0f;
            }
        }
    }
}
