using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Fully connected layers: three cuBLAS products and the bias kernels of Kernels/bias.cu.
// Mirrors Cpu/CpuBackend.Dense.cs.
public sealed partial class CudaBackend
{
    public void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        const string op = nameof(DenseForward);
        var (batch, inputs, outputs) = DenseShape(op, x, weight);
        ExpectShape(op, nameof(y), y, new Shape(batch, outputs));
        ExpectDistinct(op, y, nameof(y), x, nameof(x));
        ExpectDistinct(op, y, nameof(y), weight, nameof(weight));
        // y (N × O) = x (N × I) · weightᵀ (I × O)
        RowMajorGemm(false, true, batch, outputs, inputs, 1f, Address(x, op), inputs, 0, Address(weight, op), inputs, 0,
            0f, Address(y, op), outputs, 0);
        if (bias is not null)
        {
            ExpectShape(op, nameof(bias), bias, new Shape(outputs));
            LaunchElements(Kernel.BiasForward, y.Length, Address(bias, op), outputs, 1, y.Length, Address(y, op));
        }
    }

    public void DenseBackward(Tensor x, Tensor weight, Tensor dy, Tensor? dx, Tensor dWeight, Tensor? dBias)
    {
        const string op = nameof(DenseBackward);
        var (batch, inputs, outputs) = DenseShape(op, x, weight);
        ExpectShape(op, nameof(dy), dy, new Shape(batch, outputs));
        ExpectShape(op, nameof(dWeight), dWeight, weight.Shape);
        ExpectDistinct(op, dWeight, nameof(dWeight), x, nameof(x));
        ExpectDistinct(op, dWeight, nameof(dWeight), dy, nameof(dy));
        var gradient = Address(dy, op);
        if (dx is not null)
        {
            ExpectLength(op, nameof(dx), dx, x.Length);
            ExpectDistinct(op, dx, nameof(dx), dy, nameof(dy));
            ExpectDistinct(op, dx, nameof(dx), weight, nameof(weight));
            // dx (N × I) = dy (N × O) · weight (O × I)
            RowMajorGemm(false, false, batch, inputs, outputs, 1f, gradient, outputs, 0, Address(weight, op), inputs, 0,
                0f, Address(dx, op), inputs, 0);
        }
        // dWeight (O × I) += dyᵀ (O × N) · x (N × I)
        RowMajorGemm(true, false, outputs, inputs, batch, 1f, gradient, outputs, 0, Address(x, op), inputs, 0,
            1f, Address(dWeight, op), inputs, 0);
        if (dBias is not null)
        {
            ExpectShape(op, nameof(dBias), dBias, new Shape(outputs));
            LaunchElements(Kernel.DenseBiasBackward, outputs, gradient, batch, outputs, Address(dBias, op));
        }
    }

    /// <summary>x is read as [N, I] (a flattened [N, C, H, W] works too); weight must be [O, I].</summary>
    private static (int Batch, int Inputs, int Outputs) DenseShape(string op, Tensor x, Tensor weight)
    {
        int batch = x.Shape.N, inputs = x.Shape.ItemLength;
        ExpectRank(op, nameof(weight), weight, 2);
        if (weight.Shape[1] != inputs)
        {
            throw new ArgumentException($"{op}: the weights {weight.Describe()} need {weight.Shape[1]} inputs per row, but x is {x.Describe()} with {inputs}.", nameof(weight));
        }
        return (batch, inputs, weight.Shape[0]);
    }
}
