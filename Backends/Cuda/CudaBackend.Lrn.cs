using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Local response normalization across channels: Kernels/lrn.cu. Mirrors Cpu/CpuBackend.Lrn.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Lrn.cs.
public sealed partial class CudaBackend
{
    public void LrnForward(Tensor x, LocalResponseNorm lrn, Tensor y)
    {
        const string op = nameof(LrnForward);
        var s = OpContract.LrnForward(x, lrn, y);
        var (n, c, spatial) = (s.N, s.C, s.H * s.W);
        LaunchElements(Kernel.LrnForward, x.Length, Address(x, op), n, c, spatial, lrn.Size, lrn.Alpha, lrn.Beta, lrn.K, Address(y, op));
    }

    public void LrnBackward(Tensor x, Tensor y, Tensor dy, LocalResponseNorm lrn, Tensor dx)
    {
        const string op = nameof(LrnBackward);
        var s = OpContract.LrnBackward(x, y, dy, lrn, dx);
        var (n, c, spatial) = (s.N, s.C, s.H * s.W);
        LaunchElements(Kernel.LrnBackward, x.Length, Address(x, op), Address(y, op), Address(dy, op),
            n, c, spatial, lrn.Size, lrn.Alpha, lrn.Beta, lrn.K, Address(dx, op));
    }
}
