using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// Inverted dropout (the paper's section 4.2, scaled at training time instead of at test time):
// element i is kept when its Philox number u(seed, offset, i) ≥ p, and then divided by 1 − p. A tensor
// that is part of a larger batch (a data-parallel shard) starts at mask element firstElement.
// Fast versions: Cpu/CpuBackend.Dropout.cs (four numbers per Philox call, threads), Cuda/Kernels/dropout.cu.
public sealed partial class ReferenceBackend
{
    public void DropoutForward(Tensor x, float p, ulong seed, ulong offset, long firstElement, Tensor y)
    {
        float[] vx = Values(x, nameof(x), nameof(DropoutForward));
        Values(y, nameof(y), nameof(DropoutForward));
        OpContract.Dropout(nameof(DropoutForward), x, p, firstElement, y, nameof(y));
        Store(Dropout(vx, p, seed, offset, firstElement), y);
    }

    public void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, long firstElement, Tensor dx)
    {
        float[] vdy = Values(dy, nameof(dy), nameof(DropoutBackward));
        Values(dx, nameof(dx), nameof(DropoutBackward));
        OpContract.Dropout(nameof(DropoutBackward), dy, p, firstElement, dx, nameof(dx));
        // The same mask as the forward: the gradient passes, scaled, exactly where x did.
        Store(Dropout(vdy, p, seed, offset, firstElement), dx);
    }

    /// <summary>True when dropout keeps element i: its uniform number u(seed, offset, i) is at least p.</summary>
    public static bool DropoutKeeps(float p, ulong seed, ulong offset, long i) => Philox.Uniform(seed, offset, i) >= p;

    /// <summary>
    /// y[i] = x[i] / (1 − p) where mask element first + i is kept, 0 where it is dropped (written
    /// x·(1/(1 − p)), as every backend scales).
    /// </summary>
    public static T[] Dropout<T>(T[] x, float p, ulong seed, ulong offset, long first = 0)
        where T : IFloatingPointIeee754<T>
    {
        T scale = T.One / (T.One - T.CreateChecked(p));
        var y = new T[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = DropoutKeeps(p, seed, offset, first + i) ? x[i] * scale : T.Zero;
        }
        return y;
    }
}
