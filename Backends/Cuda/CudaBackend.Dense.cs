using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Fully connected layers: three cuBLAS products and the bias kernels of Kernels/bias.cu.
// Mirrors Cpu/CpuBackend.Dense.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Dense.cs.
public sealed partial class CudaBackend
{
    public void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y) =>
        DenseForward(nameof(DenseForward), x, weight, bias, y, OpContract.DenseForward(x, weight, bias, y), relu: false);

    // Fused: the reference's DenseForward followed by its ReluForward, the bias and the max in one kernel.
    public void DenseReluForward(Tensor x, Tensor weight, Tensor? bias, Tensor y) =>
        DenseForward(nameof(DenseReluForward), x, weight, bias, y, OpContract.DenseReluForward(x, weight, bias, y), relu: true);

    private void DenseForward(string op, Tensor x, Tensor weight, Tensor? bias, Tensor y, (int N, int Inputs, int Outputs) sizes, bool relu)
    {
        var (batch, inputs, outputs) = sizes;
        // y (N × O) = x (N × I) · weightᵀ (I × O)
        RowMajorGemm(false, true, batch, outputs, inputs, 1f, Address(x, op), inputs, 0, Address(weight, op), inputs, 0,
            0f, Address(y, op), outputs, 0);
        BiasAndRelu(op, bias, outputs, 1, y, relu);
    }

    /// <summary>
    /// y[n, c, s] += bias[c] (when there is a bias), then y = max(0, y) when <paramref name="relu"/>: one
    /// kernel for whichever of the two there is, so a fused ReLU costs no pass of its own.
    /// </summary>
    private void BiasAndRelu(string op, Tensor? bias, int channels, int spatial, Tensor y, bool relu)
    {
        var output = Address(y, op);
        if (bias is not null)
        {
            LaunchElements(relu ? Kernel.BiasReluForward : Kernel.BiasForward, y.Length, Address(bias, op), channels, spatial, y.Length, output);
        }
        else if (relu)
        {
            LaunchElements(Kernel.ReluForward, y.Length, output, y.Length, output);
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
