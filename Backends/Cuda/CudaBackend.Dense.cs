using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Fully connected layers: three cuBLAS products and the bias kernels of Kernels/bias.cu.
// Mirrors Cpu/CpuBackend.Dense.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Dense.cs.
public sealed partial class CudaBackend
{
    public void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        const string op = nameof(DenseForward);
        var (batch, inputs, outputs) = OpContract.DenseForward(x, weight, bias, y);
        // y (N × O) = x (N × I) · weightᵀ (I × O)
        RowMajorGemm(false, true, batch, outputs, inputs, 1f, Address(x, op), inputs, 0, Address(weight, op), inputs, 0,
            0f, Address(y, op), outputs, 0);
        if (bias is not null)
        {
            LaunchElements(Kernel.BiasForward, y.Length, Address(bias, op), outputs, 1, y.Length, Address(y, op));
        }
    }

    public void DenseBackward(Tensor x, Tensor weight, Tensor dy, Tensor? dx, Tensor dWeight, Tensor? dBias)
    {
        const string op = nameof(DenseBackward);
        var (batch, inputs, outputs) = OpContract.DenseBackward(x, weight, dy, dx, dWeight, dBias);
        var gradient = Address(dy, op);
        if (dx is not null)
        {
            // dx (N × I) = dy (N × O) · weight (O × I)
            RowMajorGemm(false, false, batch, inputs, outputs, 1f, gradient, outputs, 0, Address(weight, op), inputs, 0,
                0f, Address(dx, op), inputs, 0);
        }
        // dWeight (O × I) += dyᵀ (O × N) · x (N × I)
        RowMajorGemm(true, false, outputs, inputs, batch, 1f, gradient, outputs, 0, Address(x, op), inputs, 0,
            1f, Address(dWeight, op), inputs, 0);
        if (dBias is not null)
        {
            LaunchElements(Kernel.DenseBiasBackward, outputs, gradient, batch, outputs, Address(dBias, op));
        }
    }
}
