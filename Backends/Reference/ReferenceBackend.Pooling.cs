using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// Max pooling (the paper's overlapping pooling, section 3.4: 3×3 windows every 2 pixels). The
// backward routes each gradient to its window's winner; MaxPool2dReluBackward is that followed by
// ReLU's backward (the fast backends fuse the two). Fast versions: Cpu/CpuBackend.Pooling.cs
// (rows of windows reduced with vectors, over threads), Cuda/Kernels/pooling.cu.
public sealed partial class ReferenceBackend
{
    public void MaxPool2dForward(Tensor x, Pooling pooling, Tensor y)
    {
        float[] vx = Values(x, nameof(x), nameof(MaxPool2dForward));
        Values(y, nameof(y), nameof(MaxPool2dForward));
        var s = OpContract.MaxPool2dForward(x, pooling, y);
        Store(MaxPool2dForward(vx, s), y);
    }

    public void MaxPool2dBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        float[] vx = Values(x, nameof(x), nameof(MaxPool2dBackward)), vdy = Values(dy, nameof(dy), nameof(MaxPool2dBackward));
        Values(dx, nameof(dx), nameof(MaxPool2dBackward));
        var s = OpContract.MaxPool2dBackward(x, dy, pooling, dx);
        Store(MaxPool2dBackward(vx, vdy, s), dx);
    }

    public void MaxPool2dReluBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        float[] vx = Values(x, nameof(x), nameof(MaxPool2dReluBackward)), vdy = Values(dy, nameof(dy), nameof(MaxPool2dReluBackward));
        Values(dx, nameof(dx), nameof(MaxPool2dReluBackward));
        var s = OpContract.MaxPool2dReluBackward(x, dy, pooling, dx);
        Store(MaxPool2dReluBackward(vx, vdy, s), dx);
    }

    /// <summary>y = the largest real pixel of each window (padding never wins).</summary>
    public static T[] MaxPool2dForward<T>(T[] x, PoolingShape s)
        where T : IFloatingPointIeee754<T>
    {
        var y = new T[s.YLength];
        for (int plane = 0; plane < s.N * s.C; plane++)
        {
            for (int oh = 0; oh < s.OH; oh++)
            {
                for (int ow = 0; ow < s.OW; ow++)
                {
                    y[(((plane * s.OH) + oh) * s.OW) + ow] = x[Winner(x, s, plane, oh, ow)];
                }
            }
        }
        return y;
    }

    /// <summary>dx: each dy added to its window's winner; the first maximum in row-major order wins ties.</summary>
    public static T[] MaxPool2dBackward<T>(T[] x, T[] dy, PoolingShape s)
        where T : IFloatingPointIeee754<T>
    {
        var dx = new T[s.XLength];
        for (int plane = 0; plane < s.N * s.C; plane++)
        {
            for (int oh = 0; oh < s.OH; oh++)
            {
                for (int ow = 0; ow < s.OW; ow++)
                {
                    dx[Winner(x, s, plane, oh, ow)] += dy[(((plane * s.OH) + oh) * s.OW) + ow];
                }
            }
        }
        return dx;
    }

    /// <summary>
    /// The fused op is no new maths, only the two backwards one after the other: the pool's, then the
    /// ReLU's with x (the ReLU's output) deciding where the gradient passes. The fast backends do both in one pass.
    /// </summary>
    public static T[] MaxPool2dReluBackward<T>(T[] x, T[] dy, PoolingShape s)
        where T : IFloatingPointIeee754<T> => ReluBackward(x, MaxPool2dBackward(x, dy, s));

    /// <summary>The flat index in x of the winner of window (oh, ow) in one plane, scanning rows then columns, keeping the first maximum.</summary>
    public static int Winner<T>(T[] x, PoolingShape s, int plane, int oh, int ow)
        where T : IFloatingPointIeee754<T>
    {
        int best = -1;
        for (int i = 0; i < s.Kernel; i++)
        {
            for (int j = 0; j < s.Kernel; j++)
            {
                int h = (oh * s.Stride) - s.Padding + i, w = (ow * s.Stride) - s.Padding + j;
                if (h < 0 || h >= s.H || w < 0 || w >= s.W)
                {
                    continue;
                }
                int index = (((plane * s.H) + h) * s.W) + w;
                if (best < 0 || x[index] > x[best])
                {
                    best = index;
                }
            }
        }
        return best;
    }
}
