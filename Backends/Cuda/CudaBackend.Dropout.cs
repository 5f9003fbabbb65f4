using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Inverted dropout with Philox masks: Kernels/dropout.cu (+ philox.cuh = Philox.cs). One thread per
// Philox quad of the mask, so the launch counts the quads covering first … first + n − 1. Mirrors Cpu/CpuBackend.Dropout.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Dropout.cs.
public sealed partial class CudaBackend
{
    public void DropoutForward(Tensor x, float p, ulong seed, ulong offset, long firstElement, Tensor y)
    {
        OpContract.Dropout(nameof(DropoutForward), x, p, firstElement, y, nameof(y));
        LaunchElements(Kernel.DropoutForward, Quads(firstElement, x.Length), Address(x, nameof(DropoutForward)), p, seed, offset, (ulong)firstElement, x.Length,
            Address(y, nameof(DropoutForward)));
    }

    public void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, long firstElement, Tensor dx)
    {
        OpContract.Dropout(nameof(DropoutBackward), dy, p, firstElement, dx, nameof(dx));
        LaunchElements(Kernel.DropoutBackward, Quads(firstElement, dy.Length), Address(dy, nameof(DropoutBackward)), p, seed, offset, (ulong)firstElement, dy.Length,
            Address(dx, nameof(DropoutBackward)));
    }

    /// <summary>The Philox quads covering mask elements first … first + length − 1.</summary>
    private static long Quads(long first, int length) => ((first + length + 3) / 4) - (first / 4);
}
