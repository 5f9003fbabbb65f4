using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Max pooling: Kernels/pooling.cu. Mirrors Cpu/CpuBackend.Pooling.cs.
public sealed partial class CudaBackend
{
    public void MaxPool2dForward(Tensor x, Pooling pooling, Tensor y)
    {
        const string op = nameof(MaxPool2dForward);
        var (n, c, h, w, oh, ow) = PoolingShape(op, x, pooling);
        ExpectShape(op, nameof(y), y, new Shape(n, c, oh, ow));
        ExpectDistinct(op, y, nameof(y), x, nameof(x));
        LaunchElements(Kernel.MaxpoolForward, y.Length, Address(x, op), n, c, h, w,
            pooling.Kernel, pooling.Stride, pooling.Padding, oh, ow, Address(y, op));
    }

    public void MaxPool2dBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        const string op = nameof(MaxPool2dBackward);
        var (n, c, h, w, oh, ow) = PoolingShape(op, x, pooling);
        ExpectShape(op, nameof(dy), dy, new Shape(n, c, oh, ow));
        ExpectShape(op, nameof(dx), dx, x.Shape);
        ExpectDistinct(op, dx, nameof(dx), x, nameof(x));
        ExpectDistinct(op, dx, nameof(dx), dy, nameof(dy));
        LaunchElements(Kernel.MaxpoolBackward, x.Length, Address(x, op), Address(dy, op), n, c, h, w,
            pooling.Kernel, pooling.Stride, pooling.Padding, oh, ow, Address(dx, op));
    }

    private static (int N, int C, int H, int W, int OutHeight, int OutWidth) PoolingShape(string op, Tensor x, Pooling pooling)
    {
        pooling.Validate();
        ExpectRank(op, nameof(x), x, 4);
        var s = x.Shape;
        return (s.N, s.C, s.H, s.W, pooling.OutputSize(s.H), pooling.OutputSize(s.W));
    }
}
