using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// Fully connected layers: y = x·weightᵀ + bias, and its three gradients; DenseReluForward is the layer
// followed by ReLU (the fast backends fuse the two). Fast versions:
// Cpu/CpuBackend.Dense.cs (Sgemm), Cuda/CudaBackend.Dense.cs (cuBLAS).
public sealed partial class ReferenceBackend
{
    public void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        const string op = nameof(DenseForward);
        float[] vx = Values(x, nameof(x), op), vWeight = Values(weight, nameof(weight), op);
        float[]? vBias = bias is null ? null : Values(bias, nameof(bias), op);
        Values(y, nameof(y), op);
        var (n, inputs, outputs) = OpContract.DenseForward(x, weight, bias, y);
        Store(DenseForward(vx, vWeight, vBias, n, inputs, outputs), y);
    }

    // The fused op is the two ops one after the other: the dense layer, then the ReLU of its output.
    public void DenseReluForward(Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        const string op = nameof(DenseReluForward);
        float[] vx = Values(x, nameof(x), op), vWeight = Values(weight, nameof(weight), op);
        float[]? vBias = bias is null ? null : Values(bias, nameof(bias), op);
        Values(y, nameof(y), op);
        var (n, inputs, outputs) = OpContract.DenseReluForward(x, weight, bias, y);
        Store(ReluForward(DenseForward(vx, vWeight, vBias, n, inputs, outputs)), y);
    }

    public void DenseBackward(Tensor x, Tensor weight, Tensor dy, Tensor? dx, Tensor dWeight, Tensor? dBias)
    {
        const string op = nameof(DenseBackward);
        float[] vx = Values(x, nameof(x), op), vWeight = Values(weight, nameof(weight), op), vdy = Values(dy, nameof(dy), op);
        Values(dWeight, nameof(dWeight), op);
        if (dx is not null)
        {
            Values(dx, nameof(dx), op);
        }
        if (dBias is not null)
        {
            Values(dBias, nameof(dBias), op);
        }
        var (n, inputs, outputs) = OpContract.DenseBackward(x, weight, dy, dx, dWeight, dBias);
        var (gradientX, gradientWeight, gradientBias) = DenseBackward(vx, vWeight, vdy, n, inputs, outputs);
        if (dx is not null)
        {
            Store(gradientX, dx);
        }
        Accumulate(gradientWeight, dWeight);
        if (dBias is not null)
        {
            Accumulate(gradientBias, dBias);
        }
    }

    /// <summary>y[n, o] = bias[o] + Σ_i x[n, i]·weight[o, i].</summary>
    public static T[] DenseForward<T>(T[] x, T[] weight, T[]? bias, int n, int inputs, int outputs)
        where T : IFloatingPointIeee754<T>
    {
        var y = new T[n * outputs];
        for (int row = 0; row < n; row++)
        {
            for (int o = 0; o < outputs; o++)
            {
                T sum = bias is null ? T.Zero : bias[o];
                for (int i = 0; i < inputs; i++)
                {
                    sum += x[(row * inputs) + i] * weight[(o * inputs) + i];
                }
                y[(row * outputs) + o] = sum;
            }
        }
        return y;
    }

    /// <summary>dx[n, i] = Σ_o dy[n, o]·weight[o, i]; dWeight[o, i] = Σ_n dy[n, o]·x[n, i]; dBias[o] = Σ_n dy[n, o] (all fresh).</summary>
    public static (T[] Dx, T[] DWeight, T[] DBias) DenseBackward<T>(T[] x, T[] weight, T[] dy, int n, int inputs, int outputs)
        where T : IFloatingPointIeee754<T>
    {
        var dx = new T[n * inputs];
        var dWeight = new T[outputs * inputs];
        var dBias = new T[outputs];
        for (int row = 0; row < n; row++)
        {
            for (int o = 0; o < outputs; o++)
            {
                T gradient = dy[(row * outputs) + o];
                dBias[o] += gradient;
                for (int i = 0; i < inputs; i++)
                {
                    dx[(row * inputs) + i] += gradient * weight[(o * inputs) + i];
                    dWeight[(o * inputs) + i] += gradient * x[(row * inputs) + i];
                }
            }
        }
        return (dx, dWeight, dBias);
    }
}
