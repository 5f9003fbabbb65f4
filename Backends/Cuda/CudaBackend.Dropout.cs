using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Inverted dropout with Philox masks: Kernels/dropout.cu (+ philox.cuh = Philox.cs). One thread per
// four elements, so the launch counts quads. Mirrors Cpu/CpuBackend.Dropout.cs.
public sealed partial class CudaBackend
{
    public void DropoutForward(Tensor x, float p, ulong seed, ulong offset, Tensor y)
    {
        CheckDropout(nameof(DropoutForward), x, p, y);
        LaunchElements(Kernel.DropoutForward, (x.Length + 3L) / 4, Address(x, nameof(DropoutForward)), p, seed, offset, x.Length,
            Address(y, nameof(DropoutForward)));
    }

    public void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, Tensor dx)
    {
        CheckDropout(nameof(DropoutBackward), dy, p, dx);
        LaunchElements(Kernel.DropoutBackward, (dy.Length + 3L) / 4, Address(dy, nameof(DropoutBackward)), p, seed, offset, dy.Length,
            Address(dx, nameof(DropoutBackward)));
    }

    private static void CheckDropout(string op, Tensor input, float p, Tensor output)
    {
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"{op}: the drop probability must be in [0, 1).");
        }
        ExpectLength(op, "output", output, input.Length);
    }
}
