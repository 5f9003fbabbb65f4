using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Max pooling: Kernels/pooling.cu. Mirrors Cpu/CpuBackend.Pooling.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Pooling.cs.
public sealed partial class CudaBackend
{
    public void MaxPool2dForward(Tensor x, Pooling pooling, Tensor y)
    {
        const string op = nameof(MaxPool2dForward);
        var (n, c, h, w, oh, ow) = Sizes(OpContract.MaxPool2dForward(x, pooling, y));
        LaunchElements(Kernel.MaxpoolForward, y.Length, Address(x, op), n, c, h, w,
            pooling.Kernel, pooling.Stride, pooling.Padding, oh, ow, Address(y, op));
    }

    public void MaxPool2dBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        const string op = nameof(MaxPool2dBackward);
        var (n, c, h, w, oh, ow) = Sizes(OpContract.MaxPool2dBackward(x, dy, pooling, dx));
        LaunchElements(Kernel.MaxpoolBackward, x.Length, Address(x, op), Address(dy, op), n, c, h, w,
            pooling.Kernel, pooling.Stride, pooling.Padding, oh, ow, 0, Address(dx, op));
    }

    // Fused: the reference's MaxPool2dBackward followed by its ReluBackward (ReferenceBackend.Pooling.cs).
    public void MaxPool2dReluBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        const string op = nameof(MaxPool2dReluBackward);
        var (n, c, h, w, oh, ow) = Sizes(OpContract.MaxPool2dReluBackward(x, dy, pooling, dx));
        LaunchElements(Kernel.MaxpoolBackward, x.Length, Address(x, op), Address(dy, op), n, c, h, w,
            pooling.Kernel, pooling.Stride, pooling.Padding, oh, ow, 1, Address(dx, op));
    }

    private static (int N, int C, int H, int W, int OutHeight, int OutWidth) Sizes(PoolingShape s) => (s.N, s.C, s.H, s.W, s.OH, s.OW);
}
