using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// The elementwise helpers: fill, copy, scale, y + alpha·x. Fast versions: Cpu/CpuBackend.Elementwise.cs
// (TensorPrimitives over threads), Cuda/Kernels/elementwise.cu.
public sealed partial class ReferenceBackend
{
    public void Fill(float value, Tensor y)
    {
        float[] vy = Values(y, nameof(y), nameof(Fill));
        for (int i = 0; i < y.Length; i++)
        {
            vy[i] = value;
        }
    }

    public void Copy(Tensor x, Tensor y)
    {
        float[] vx = Values(x, nameof(x), nameof(Copy)), vy = Values(y, nameof(y), nameof(Copy));
        OpContract.SameLength(nameof(Copy), x, y);
        Array.Copy(vx, vy, x.Length);
    }

    public void Scale(float alpha, Tensor y)
    {
        float[] vy = Values(y, nameof(y), nameof(Scale));
        for (int i = 0; i < y.Length; i++)
        {
            vy[i] *= alpha;
        }
    }

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        float[] vx = Values(x, nameof(x), nameof(Axpy)), vy = Values(y, nameof(y), nameof(Axpy));
        OpContract.SameLength(nameof(Axpy), x, y);
        Store(Axpy(alpha, vx, vy), y);
    }

    /// <summary>y + alpha·x, elementwise.</summary>
    public static T[] Axpy<T>(T alpha, T[] x, T[] y)
        where T : IFloatingPointIeee754<T>
    {
        var result = new T[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            result[i] = y[i] + (alpha * x[i]);
        }
        return result;
    }
}
