namespace AlexNet.Backends.Cuda;

/// <summary>
/// Keeps freed device memory for reuse instead of returning it to the driver: <c>cuMemAlloc</c>
/// and <c>cuMemFree</c> are slow and synchronize the device, and a training step frees and
/// re-allocates the same sizes every time. Sizes are rounded up to the device's granularity and
/// blocks are reused only for requests of the same rounded size.
/// <para>
/// Reuse is safe without waiting for the GPU because all work runs in order on one stream: a block
/// handed out again is only written by work queued after everything that used it before.
/// When an allocation fails, the cache is released and the allocation retried once; after that the
/// out-of-memory error says how much was asked for and what is free. Everything, cached or still
/// in use, goes back to the driver on <see cref="Dispose"/>.
/// </para>
/// </summary>
internal sealed class CachingAllocator : IDisposable
{
    private readonly ICudaDevice _device;
    private readonly Dictionary<long, Stack<DevicePointer>> _free = [];
    private readonly Dictionary<ulong, long> _inUse = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public CachingAllocator(ICudaDevice device) => _device = device;

    /// <summary>Bytes handed out and not yet returned.</summary>
    public long BytesInUse { get; private set; }

    /// <summary>Bytes held for reuse.</summary>
    public long BytesCached { get; private set; }

    /// <summary>A block of at least <paramref name="bytes"/> (contents undefined); throws <see cref="CudaOutOfMemoryException"/>.</summary>
    public DevicePointer Rent(long bytes, out long size)
    {
        int granularity = _device.AllocationGranularity;
        size = Math.Max(granularity, (bytes + granularity - 1) / granularity * granularity);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.TryGetValue(size, out var blocks) && blocks.TryPop(out var reused))
            {
                BytesCached -= size;
                return Track(reused, size);
            }
            if (!_device.TryAllocate(size, out var pointer))
            {
                ReleaseCacheLocked();
                if (!_device.TryAllocate(size, out pointer))
                {
                    throw _device.OutOfMemory(size);
                }
            }
            return Track(pointer, size);
        }
    }

    /// <summary>Takes a block back for reuse; ignored once the allocator is disposed (its memory is gone already).</summary>
    public void Return(DevicePointer pointer)
    {
        lock (_gate)
        {
            if (_disposed || !_inUse.Remove(pointer.Address, out long size))
            {
                return;
            }
            BytesInUse -= size;
            BytesCached += size;
            if (!_free.TryGetValue(size, out var blocks))
            {
                _free[size] = blocks = new Stack<DevicePointer>();
            }
            blocks.Push(pointer);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            // Every block is freed even when one fails (a poisoned context fails them all); the first error is thrown.
            Exception? first = null;
            foreach (var pointer in _free.Values.SelectMany(blocks => blocks).Concat(_inUse.Keys.Select(address => new DevicePointer(address))))
            {
                try
                {
                    _device.Free(pointer);
                }
                catch (Exception error)
                {
                    first ??= error;
                }
            }
            _free.Clear();
            _inUse.Clear();
            BytesCached = 0;
            BytesInUse = 0;
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
        }
    }

    private DevicePointer Track(DevicePointer pointer, long size)
    {
        _inUse[pointer.Address] = size;
        BytesInUse += size;
        return pointer;
    }

    private void ReleaseCacheLocked()
    {
        // Work queued before a block was returned may still use it: wait for it before freeing.
        _device.Synchronize();
        foreach (var blocks in _free.Values)
        {
            foreach (var pointer in blocks)
            {
                _device.Free(pointer);
            }
        }
        _free.Clear();
        BytesCached = 0;
    }
}
