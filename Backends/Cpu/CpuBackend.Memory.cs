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
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"Upload: the source holds {source.Length} floats, but {destination.Describe()} holds {destination.Length}.", nameof(source));
        }
        source.CopyTo(new Span<float>(y, destination.Length));
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>; lengths must match.</summary>
    public unsafe void Download(Tensor source, Span<float> destination)
    {
        float* x = Data(source, nameof(source));
        if (destination.Length != source.Length)
        {
            throw new ArgumentException($"Download: {source.Describe()} holds {source.Length} floats, but the destination holds {destination.Length}.", nameof(destination));
        }
        new ReadOnlySpan<float>(x, source.Length).CopyTo(destination);
    }
}
