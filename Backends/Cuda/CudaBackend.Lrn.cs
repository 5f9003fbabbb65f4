using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Local response normalization across channels: Kernels/lrn.cu. Mirrors Cpu/CpuBackend.Lrn.cs.
public sealed partial class CudaBackend
{
    public void LrnForward(Tensor x, LocalResponseNorm lrn, Tensor y)
    {
        const string op = nameof(LrnForward);
        lrn.Validate();
        var (n, c, spatial) = ChannelLayout(op, x);
        ExpectShape(op, nameof(y), y, x.Shape);
        ExpectDistinct(op, y, nameof(y), x, nameof(x));
        LaunchElements(Kernel.LrnForward, x.Length, Address(x, op), n, c, spatial, lrn.Size, lrn.Alpha, lrn.Beta, lrn.K, Address(y, op));
    }

    public void LrnBackward(Tensor x, Tensor y, Tensor dy, LocalResponseNorm lrn, Tensor dx)
    {
        const string op = nameof(LrnBackward);
        lrn.Validate();
        var (n, c, spatial) = ChannelLayout(op, x);
        ExpectShape(op, nameof(y), y, x.Shape);
        ExpectShape(op, nameof(dy), dy, x.Shape);
        ExpectShape(op, nameof(dx), dx, x.Shape);
        ExpectDistinct(op, dx, nameof(dx), x, nameof(x));
        ExpectDistinct(op, dx, nameof(dx), y, nameof(y));
        ExpectDistinct(op, dx, nameof(dx), dy, nameof(dy));
        LaunchElements(Kernel.LrnBackward, x.Length, Address(x, op), Address(y, op), Address(dy, op),
            n, c, spatial, lrn.Size, lrn.Alpha, lrn.Beta, lrn.K, Address(dx, op));
    }

    /// <summary>[N, C, H, W] or [N, C] as N images of C channels of S = H·W (or 1) values each.</summary>
    private static (int N, int C, int Spatial) ChannelLayout(string op, Tensor x)
    {
        var s = x.Shape;
        return s.Rank switch
        {
            4 => (s.N, s.C, s.H * s.W),
            2 => (s.N, s.C, 1),
            _ => throw new ArgumentException($"{op}: x is {x.Describe()}, expected [N, C, H, W] or [N, C].", nameof(x)),
        };
    }
}
