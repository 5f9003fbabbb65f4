using System.Runtime.CompilerServices;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Inverted dropout with a counter-based mask (see Philox): element i is kept when
// u(seed, offset, i) ≥ p, and kept values are multiplied by scale = 1/(1 − p), computed once in
// float. The mask is never stored: the backward draws the same numbers again. One Philox call
// yields four 32-bit words, the numbers of elements 4q … 4q + 3, so the loop runs over quads.
// The CUDA kernel computes the same words and the same float product, so masks and values match.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Dropout.cs.
public sealed partial class CpuBackend
{
    /// <summary>Elements per work item; a multiple of 4 so that every quad belongs to one item.</summary>
    private const long DropoutChunk = 1 << 14;

    public unsafe void DropoutForward(Tensor x, float p, ulong seed, ulong offset, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        OpContract.Dropout(nameof(DropoutForward), x, p, y, nameof(y));
        ApplyDropout(px, py, x.Length, p, seed, offset);
    }

    public unsafe void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, Tensor dx)
    {
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        OpContract.Dropout(nameof(DropoutBackward), dy, p, dx, nameof(dx));
        ApplyDropout(pdy, pdx, dy.Length, p, seed, offset);
    }

    /// <summary>target[i] = source[i]·scale where u(seed, offset, i) ≥ p, else 0. Forward and backward alike.</summary>
    private unsafe void ApplyDropout(float* source, float* target, long length, float p, ulong seed, ulong offset)
    {
        long chunks = (length + DropoutChunk - 1) / DropoutChunk;
        ParallelFor((int)chunks, chunk =>
        {
            long start = chunk * DropoutChunk;
            DropoutChunkOf(source, target, start, Math.Min(start + DropoutChunk, length), p, seed, offset);
        });
    }

    /// <summary>Elements start … end−1 of <see cref="ApplyDropout"/>; start is a multiple of 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DropoutChunkOf(float* source, float* target, long start, long end, float p, ulong seed, ulong offset)
    {
        float scale = 1f / (1f - p);
        var key = ((uint)seed, (uint)(seed >> 32));
        for (long quad = start >> 2; quad << 2 < end; quad++)
        {
            var words = Philox.Generate(((uint)quad, (uint)(quad >> 32), (uint)offset, (uint)(offset >> 32)), key);
            long i = quad << 2;
            Keep(words.X0, i);
            Keep(words.X1, i + 1);
            Keep(words.X2, i + 2);
            Keep(words.X3, i + 3);
        }

        void Keep(uint word, long i)
        {
            if (i < end)
            {
                target[i] = Philox.ToUniform(word) >= p ? source[i] * scale : 0f;
            }
        }
    }
}
