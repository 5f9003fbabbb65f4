namespace AlexNet.Tensors;

/// <summary>
/// Where tensors live: a backend (the CPU, a CUDA device). Every tensor is created by its device,
/// and values cross between host memory and the device only through <see cref="Upload"/> and
/// <see cref="Download"/> — there are no hidden copies.
/// </summary>
public interface IDevice
{
    /// <summary>A short name shown in the debugger and in error messages, e.g. <c>cpu</c> or <c>cuda:0 (NVIDIA H100)</c>.</summary>
    string Name { get; }

    /// <summary>Creates a tensor of the given shape on this device, every element zero.</summary>
    /// <param name="shape">The tensor's dimensions.</param>
    /// <param name="name">An optional name shown in the debugger and in error messages, e.g. <c>conv1.weight</c>.</param>
    Tensor Allocate(Shape shape, string? name = null);

    /// <summary>Copies host values into a tensor of this device. <paramref name="source"/> has exactly the tensor's length.</summary>
    void Upload(ReadOnlySpan<float> source, Tensor destination);

    /// <summary>Copies a tensor of this device into host memory. <paramref name="destination"/> has exactly the tensor's length.</summary>
    void Download(Tensor source, Span<float> destination);
}
