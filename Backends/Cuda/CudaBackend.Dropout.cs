using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Inverted dropout with Philox masks: Kernels/dropout.cu (+ philox.cuh = Philox.cs). One thread per
// Philox quad of the mask, so the launch counts the quads covering first … first + n − 1. Mirrors Cpu/CpuBackend.Dropout.cs.
public sealed partial class CudaBackend
{
    public void DropoutForward(Tensor x, float p, ulong seed, ulong offset, long firstElement, Tensor y)
    {
        CheckDropout(nameof(DropoutForward), x, p, firstElement, y);
        LaunchElements(Kernel.DropoutForward, Quads(firstElement, x.Length), Address(x, nameof(DropoutForward)), p, seed, offset, (ulong)firstElement, x.Length,
            Address(y, nameof(DropoutForward)));
    }

    public void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, long firstElement, Tensor dx)
    {
        CheckDropout(nameof(DropoutBackward), dy, p, firstElement, dx);
        LaunchElements(Kernel.DropoutBackward, Quads(firstElement, dy.Length), Address(dy, nameof(DropoutBackward)), p, seed, offset, (ulong)firstElement, dy.Length,
            Address(dx, nameof(DropoutBackward)));
    }

    /// <summary>The Philox quads covering mask elements first … first + length − 1.</summary>
    private static long Quads(long first, int length) => ((first + length + 3) / 4) - (first / 4);

    private static void CheckDropout(string op, Tensor input, float p, long firstElement, Tensor output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstElement);
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"{op}: the drop probability must be in [0, 1).");
        }
        ExpectLength(op, "output", output, input.Length);
    }
}
