using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

/// <summary>The device memory behind a tensor of a <see cref="CudaBackend"/>: a block from its caching allocator.</summary>
internal sealed class CudaBuffer : TensorBuffer
{
    private readonly CachingAllocator _allocator;

    public CudaBuffer(CudaBackend backend, CachingAllocator allocator, DevicePointer pointer, int length)
        : base(backend, length)
    {
        _allocator = allocator;
        Pointer = pointer;
    }

    /// <summary>Where the first element is on the device.</summary>
    public DevicePointer Pointer { get; }

    protected override void Release() => _allocator.Return(Pointer);
}
