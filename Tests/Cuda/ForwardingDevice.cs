using AlexNet.Backends.Cuda;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// An <see cref="ICudaDevice"/> that passes every call to another: the base of the tests' fault-injecting
/// devices, each of which overrides only the calls it changes.
/// </summary>
internal abstract unsafe class ForwardingDevice(ICudaDevice inner) : ICudaDevice
{
    protected ICudaDevice Inner { get; } = inner;

    public virtual string Name => Inner.Name;
    public int MultiprocessorCount => Inner.MultiprocessorCount;
    public int AllocationGranularity => Inner.AllocationGranularity;
    public TransferCounter Transfers => Inner.Transfers;
    public virtual Exception? Failure => Inner.Failure;
    public bool TryAllocate(long bytes, out DevicePointer pointer) => Inner.TryAllocate(bytes, out pointer);
    public CudaOutOfMemoryException OutOfMemory(long bytes) => Inner.OutOfMemory(bytes);
    public virtual void Free(DevicePointer pointer) => Inner.Free(pointer);
    public void CopyToDevice(float* source, DevicePointer destination, long count) => Inner.CopyToDevice(source, destination, count);
    public void CopyToHost(DevicePointer source, float* destination, long count) => Inner.CopyToHost(source, destination, count);
    public void CopyOnDevice(DevicePointer source, DevicePointer destination, long count) => Inner.CopyOnDevice(source, destination, count);
    public void Fill(DevicePointer destination, uint bits, long count) => Inner.Fill(destination, bits, count);
    public virtual void Launch(Kernel kernel, Dim3 grid, Dim3 block, ReadOnlySpan<KernelArgument> arguments) => Inner.Launch(kernel, grid, block, arguments);
    public virtual void Gemm(in GemmCall call) => Inner.Gemm(call);
    public virtual void Synchronize() => Inner.Synchronize();
    public bool IsIdle() => Inner.IsIdle();
    public nint CurrentStream() => Inner.CurrentStream();
    public virtual void Dispose() => Inner.Dispose();
}
