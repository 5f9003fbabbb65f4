using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Creating tensors and moving values between host arrays and tensors: the only ways in and out.
public sealed partial class CpuBackend
{
    /// <summary>Creates a zero-filled tensor in 64-byte-aligned native memory.</summary>
    public Tensor Allocate(Shape shape, string? name = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Tensor(shape, new CpuBuffer(this, shape.Length), name);
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>; lengths must match.</summary>
    public unsafe void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        float* y = Data(destination, nameof(destination));
        OpContract.TransferLength(nameof(Upload), source.Length, destination);
        source.CopyTo(new Span<float>(y, destination.Length));
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>; lengths must match.</summary>
    public unsafe void Download(Tensor source, Span<float> destination)
    {
        float* x = Data(source, nameof(source));
        OpContract.TransferLength(nameof(Download), destination.Length, source);
        new ReadOnlySpan<float>(x, source.Length).CopyTo(destination);
    }
}
