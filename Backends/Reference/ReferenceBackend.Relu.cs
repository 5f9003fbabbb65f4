using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// ReLU, the paper's non-linearity (section 3.1): y = max(0, x); dx = dy where y > 0.
// Fast versions: Cpu/CpuBackend.Relu.cs, Cuda/Kernels/relu.cu.
public sealed partial class ReferenceBackend
{
    public void ReluForward(Tensor x, Tensor y)
    {
        float[] vx = Values(x, nameof(x), nameof(ReluForward));
        Values(y, nameof(y), nameof(ReluForward));
        OpContract.ReluForward(x, y);
        Store(ReluForward(vx), y);
    }

    public void ReluBackward(Tensor y, Tensor dy, Tensor dx)
    {
        float[] vy = Values(y, nameof(y), nameof(ReluBackward)), vdy = Values(dy, nameof(dy), nameof(ReluBackward));
        Values(dx, nameof(dx), nameof(ReluBackward));
        OpContract.ReluBackward(y, dy, dx);
        Store(ReluBackward(vy, vdy), dx);
    }

    /// <summary>y = max(0, x).</summary>
    public static T[] ReluForward<T>(T[] x)
        where T : IFloatingPointIeee754<T>
    {
        var y = new T[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > T.Zero ? x[i] : T.Zero;
        }
        return y;
    }

    /// <summary>dx = dy where y &gt; 0, else 0 (the gradient at exactly 0 is taken as 0).</summary>
    public static T[] ReluBackward<T>(T[] y, T[] dy)
        where T : IFloatingPointIeee754<T>
    {
        var dx = new T[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
        }
        return dx;
    }
}
