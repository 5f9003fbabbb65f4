namespace AlexNet.Backends.Cpu;

/// <summary>
/// Scratch memory the CPU backend reuses between calls: im2col columns, GEMM's packed panels,
/// per-thread partial sums. Each worker rents one block at the start of an op and returns it at the
/// end, so hot loops never allocate; blocks only grow, so after the first training step every
/// block is as large as the largest need and no op allocates at all. Renting is thread-safe: two
/// ops running at once on different threads simply hold different blocks.
/// </summary>
internal sealed unsafe class Workspace : IDisposable
{
    private readonly Stack<Block> _free = new();
    private readonly List<Block> _all = [];
    private bool _disposed;

    /// <summary>Rents a block of at least <paramref name="length"/> floats; dispose the lease to return it. Contents are undefined.</summary>
    public Lease Rent(long length)
    {
        Block? block;
        lock (_free)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_free.TryPop(out block))
            {
                block = new Block();
                _all.Add(block);
            }
        }
        block.EnsureCapacity(length);
        return new Lease(this, block);
    }

    private void Return(Block block)
    {
        lock (_free)
        {
            if (_disposed)
            {
                block.Dispose();
            }
            else
            {
                _free.Push(block);
            }
        }
    }

    /// <summary>Bytes held by all blocks, rented or free.</summary>
    public long Bytes
    {
        get
        {
            lock (_free)
            {
                return _all.Sum(b => b.Capacity) * sizeof(float);
            }
        }
    }

    public void Dispose()
    {
        lock (_free)
        {
            _disposed = true;
            while (_free.TryPop(out var block))
            {
                block.Dispose();
            }
        }
    }

    /// <summary>A rented block; <see cref="Dispose"/> hands it back to the workspace.</summary>
    public readonly struct Lease(Workspace owner, Block block) : IDisposable
    {
        /// <summary>The first float of the block (64-byte aligned).</summary>
        public float* Pointer => block.Pointer;

        public void Dispose() => owner.Return(block);
    }

    /// <summary>One growable native array.</summary>
    public sealed class Block : IDisposable
    {
        public float* Pointer { get; private set; }

        public long Capacity { get; private set; }

        public void EnsureCapacity(long length)
        {
            if (length > Capacity)
            {
                // Contents need not survive: a block is scratch, so free first and allocate afresh.
                Free();
                Pointer = NativeFloats.Allocate(length);
                Capacity = length;
                GC.AddMemoryPressure(length * sizeof(float));
            }
        }

        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        ~Block() => Free();

        private void Free()
        {
            if (Pointer != null)
            {
                NativeFloats.Free(Pointer);
                GC.RemoveMemoryPressure(Capacity * sizeof(float));
                Pointer = null;
                Capacity = 0;
            }
        }
    }
}
