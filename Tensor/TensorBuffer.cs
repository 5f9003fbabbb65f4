namespace AlexNet.Tensors;

/// <summary>
/// The memory behind a tensor, owned by the device that allocated it: host memory for the CPU,
/// device memory for CUDA. Each backend derives its own buffer type and is the only code that
/// reads its contents directly.
/// </summary>
public abstract class TensorBuffer : IDisposable
{
    /// <summary>Creates a buffer of <paramref name="length"/> floats belonging to <paramref name="device"/>.</summary>
    protected TensorBuffer(IDevice device, int length)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Device = device;
        Length = length;
    }

    /// <summary>The device that allocated this buffer and alone may read or write it.</summary>
    public IDevice Device { get; }

    /// <summary>Capacity in floats.</summary>
    public int Length { get; }

    /// <summary>True once the memory has been returned to its device.</summary>
    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        if (!IsDisposed)
        {
            IsDisposed = true;
            Release();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>Returns the memory to the device; called once.</summary>
    protected abstract void Release();
}
