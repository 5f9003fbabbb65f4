using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// ReLU: Kernels/relu.cu. In place is allowed (y may be x, dx may be dy). Mirrors Cpu/CpuBackend.Relu.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Relu.cs.
public sealed partial class CudaBackend
{
    public void ReluForward(Tensor x, Tensor y)
    {
        OpContract.ReluForward(x, y);
        LaunchElements(Kernel.ReluForward, x.Length, Address(x, nameof(ReluForward)), x.Length, Address(y, nameof(ReluForward)));
    }

    public void ReluBackward(Tensor y, Tensor dy, Tensor dx)
    {
        const string op = nameof(ReluBackward);
        OpContract.ReluBackward(y, dy, dx);
        LaunchElements(Kernel.ReluBackward, y.Length, Address(y, op), Address(dy, op), y.Length, Address(dx, op));
    }
}
