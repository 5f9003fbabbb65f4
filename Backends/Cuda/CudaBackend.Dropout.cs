using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Inverted dropout with Philox masks: Kernels/dropout.cu (+ philox.cuh = Philox.cs). One thread per
// four elements, so the launch counts quads. Mirrors Cpu/CpuBackend.Dropout.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Dropout.cs.
public sealed partial class CudaBackend
{
    public void DropoutForward(Tensor x, float p, ulong seed, ulong offset, Tensor y)
    {
        OpContract.Dropout(nameof(DropoutForward), x, p, y, nameof(y));
        LaunchElements(Kernel.DropoutForward, (x.Length + 3L) / 4, Address(x, nameof(DropoutForward)), p, seed, offset, x.Length,
            Address(y, nameof(DropoutForward)));
    }

    public void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, Tensor dx)
    {
        OpContract.Dropout(nameof(DropoutBackward), dy, p, dx, nameof(dx));
        LaunchElements(Kernel.DropoutBackward, (dy.Length + 3L) / 4, Address(dy, nameof(DropoutBackward)), p, seed, offset, dy.Length,
            Address(dx, nameof(DropoutBackward)));
    }
}
