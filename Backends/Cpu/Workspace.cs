namespace AlexNet.Backends.Cpu;

/// <summary>
/// Scratch memory the CPU backend reuses between calls: im2col columns, GEMM's packed panels,
/// per-thread partial sums. Each worker rents a block at the start of an op and returns it at the
/// end, so hot loops never allocate. A rent takes the smallest free block that is large enough, or
/// else grows the largest free one, so after the first training steps the blocks match the largest
/// needs and no op allocates scratch memory any more. Renting is thread-safe: two ops running at
/// once on different threads simply hold different blocks.
/// </summary>
internal sealed unsafe class Workspace : IDisposable
{
    private readonly List<Block> _free = [];
    private readonly List<Block> _all = [];
    private bool _disposed;

    /// <summary>Rents a block of at least <paramref name="length"/> floats; dispose the lease to return it. Contents are undefined.</summary>
    public Lease Rent(long length)
    {
        if (length == 0)
        {
            // Nothing needed: an empty lease, so no block leaves the pool for nothing.
            return new Lease(this, null);
        }
        Block? block;
        lock (_free)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // The smallest free block that is large enough; failing that, the largest one, to grow.
            Block? smallestFitting = null, largest = null;
            foreach (var candidate in _free)
            {
                if (candidate.Capacity >= length && (smallestFitting is null || candidate.Capacity < smallestFitting.Capacity))
                {
                    smallestFitting = candidate;
                }
                if (largest is null || candidate.Capacity > largest.Capacity)
                {
                    largest = candidate;
                }
            }
            block = smallestFitting ?? largest;
            if (block is null)
            {
                block = new Block();
                _all.Add(block);
            }
            else
            {
                _free.Remove(block);
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
                _free.Add(block);
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
            _free.ForEach(block => block.Dispose());
            _free.Clear();
        }
    }

    /// <summary>A rented block; <see cref="Dispose"/> hands it back to the workspace.</summary>
    public readonly struct Lease(Workspace owner, Block? block) : IDisposable
    {
        /// <summary>The first float of the block (64-byte aligned); null for an empty lease.</summary>
        public float* Pointer => block is null ? null : block.Pointer;

        public void Dispose()
        {
            if (block is not null)
            {
                owner.Return(block);
            }
        }
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
