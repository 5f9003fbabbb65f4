using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace AlexNet.Backends.Cuda.Emulation;

/// <summary>
/// The CUDA device emulated on the CPU, behind the same <see cref="ICudaDevice"/> seam as the real
/// one: device memory is host memory (a "device pointer" is a host address), copies are memcpy,
/// kernels run through the g++-built <see cref="EmulatorLibrary"/>, GEMM through
/// <see cref="EmulatedBlas"/> (cuBLAS's contract on the CPU backend's GEMM). Everything runs synchronously, in call order.
/// <para>
/// It also checks what a GPU would not: every launch's arguments against the kernel's signature
/// (count and C types), every pointer argument against the live allocations, every GEMM operand's
/// whole extent, and, after every kernel and GEMM, the guard bytes around each allocation, so a
/// write past either end of a buffer fails naming the kernel instead of corrupting memory silently.
/// Guards and fresh allocations hold NaN, so a read past the end or of memory nobody wrote turns
/// the result into NaN instead of adding a value too small for a tolerance to notice.
/// </para>
/// <para>
/// <see cref="EmulatorMode.Deferred"/> makes the stream as asynchronous as a GPU's, and stricter:
/// copies, fills, kernels and GEMMs are queued and run only at the next <see cref="Synchronize"/>,
/// on another thread. So a result read without synchronizing is NaN (a download's destination is
/// filled with NaN until its copy runs); a host buffer changed before its upload ran fails the
/// upload; and freeing memory that queued work still uses fails the free. The tests run the CUDA
/// backend in this mode; <c>--backend cuda-emulated</c> runs synchronously, to step through kernels.
/// </para>
/// </summary>
internal sealed unsafe class EmulatedDevice : ICudaDevice
{
    /// <summary>Guard bytes before and after each allocation; also keeps allocations 256-byte aligned, like cuMemAlloc's.</summary>
    public const int GuardBytes = 256;

    /// <summary>0xFFFFFFFF read as a float is a NaN.</summary>
    private const byte GuardPattern = 0xFF;

    private readonly EmulatorLibrary _library;
    private readonly EmulatedBlas _blas = new();
    private readonly long _memoryLimit;
    private readonly string[] _signatures;
    private readonly Dictionary<ulong, long> _allocations = [];  // pointer → bytes
    private readonly Lock _gate = new();
    private readonly Lock _streamGate = new();
    private readonly List<QueuedWork> _queued = [];
    private readonly List<QueuedWork> _running = [];
    private readonly EmulatorMode _mode;
    private readonly bool _synchronizeEachLaunch;
    private long _allocatedBytes;

    /// <summary>
    /// An emulated device running <paramref name="library"/>'s kernels with at most
    /// <paramref name="memoryLimit"/> bytes of "device" memory; <paramref name="synchronizeEachLaunch"/>
    /// as <c>ALEXNET_CUDA_SYNC=1</c> does for a real GPU.
    /// </summary>
    public EmulatedDevice(EmulatorLibrary library, long memoryLimit = long.MaxValue, EmulatorMode mode = EmulatorMode.Synchronous, bool synchronizeEachLaunch = false)
    {
        _library = library;
        _memoryLimit = memoryLimit;
        _mode = mode;
        _synchronizeEachLaunch = synchronizeEachLaunch;
        _signatures = Enum.GetValues<Kernel>()
            .Select(k => library.Signature(KernelCatalog.EntryName(k))
                ?? throw new InvalidOperationException($"The emulator library {library.Path} has no kernel {KernelCatalog.EntryName(k)}."))
            .ToArray();
    }

    public string Name => "cuda-emulated";

    /// <summary>Launch sizes scale with this; the emulator runs blocks one after another whatever it is.</summary>
    public int MultiprocessorCount => 2;

    public int AllocationGranularity => sizeof(float);

    public Exception? Failure { get; private set; }

    public TransferCounter Transfers { get; } = new();

    /// <summary>Bytes currently allocated.</summary>
    public long AllocatedBytes
    {
        get
        {
            lock (_gate)
            {
                return _allocatedBytes;
            }
        }
    }

    public bool TryAllocate(long bytes, out DevicePointer pointer)
    {
        lock (_gate)
        {
            if (bytes > _memoryLimit - _allocatedBytes)
            {
                pointer = default;
                return false;
            }
            byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)(bytes + (2 * GuardBytes)), GuardBytes);
            NativeMemory.Fill(block, (nuint)(bytes + (2 * GuardBytes)), GuardPattern);
            pointer = new DevicePointer((ulong)(block + GuardBytes));
            _allocations[pointer.Address] = bytes;
            _allocatedBytes += bytes;
            return true;
        }
    }

    public CudaOutOfMemoryException OutOfMemory(long bytes)
    {
        long free = _memoryLimit - AllocatedBytes;
        return new CudaOutOfMemoryException("cuMemAlloc_v2", "CUDA_ERROR_OUT_OF_MEMORY", "out of memory (emulated device limit)", 2,
            bytes, free, _memoryLimit);
    }

    public void Free(DevicePointer pointer)
    {
        lock (_gate)
        {
            if (!_allocations.ContainsKey(pointer.Address))
            {
                throw new InvalidOperationException($"cuMemFree_v2 (emulated): {pointer} was not allocated or was freed already.");
            }
            if (_queued.Concat(_running).FirstOrDefault(work => work.Uses.Contains(pointer.Address)) is { } user)
            {
                throw new InvalidOperationException(
                    $"cuMemFree_v2 (emulated, deferred): {pointer} is still used by queued work ({user.Name}); synchronize before freeing it.");
            }
            _allocations.Remove(pointer.Address, out long bytes);
            CheckGuards(pointer.Address, bytes, "a kernel or copy before this free");
            _allocatedBytes -= bytes;
            NativeMemory.AlignedFree((byte*)pointer.Address - GuardBytes);
        }
    }

    public void CopyToDevice(float* source, DevicePointer destination, long count)
    {
        long bytes = count * sizeof(float);
        ulong block = CheckRange(destination, bytes, "cuMemcpyHtoDAsync_v2");
        Transfers.AddUpload(count);
        if (_mode == EmulatorMode.Synchronous)
        {
            Buffer.MemoryCopy(source, (void*)destination.Address, bytes, bytes);
            return;
        }
        // What the host buffer held when the copy was queued: it must hold the same when the copy runs.
        float[] queued = new ReadOnlySpan<float>(source, checked((int)count)).ToArray();
        Enqueue("cuMemcpyHtoDAsync_v2", [block], () =>
        {
            var now = new ReadOnlySpan<float>(source, queued.Length);
            if (!now.SequenceEqual(queued))
            {
                throw new InvalidOperationException(
                    "cuMemcpyHtoDAsync_v2 (emulated, deferred): the host buffer changed between queuing the copy and its running; keep it unchanged until Synchronize.");
            }
            Buffer.MemoryCopy(source, (void*)destination.Address, bytes, bytes);
        });
    }

    public void CopyToHost(DevicePointer source, float* destination, long count)
    {
        long bytes = count * sizeof(float);
        ulong block = CheckRange(source, bytes, "cuMemcpyDtoHAsync_v2");
        Transfers.AddDownload(count);
        if (_mode == EmulatorMode.Deferred)
        {
            // Until the copy runs the destination holds NaN, so reading it without synchronizing shows.
            new Span<float>(destination, checked((int)count)).Fill(float.NaN);
        }
        Enqueue("cuMemcpyDtoHAsync_v2", [block], () => Buffer.MemoryCopy((void*)source.Address, destination, bytes, bytes));
    }

    public void CopyOnDevice(DevicePointer source, DevicePointer destination, long count)
    {
        long bytes = count * sizeof(float);
        ulong from = CheckRange(source, bytes, "cuMemcpyDtoDAsync_v2");
        ulong to = CheckRange(destination, bytes, "cuMemcpyDtoDAsync_v2");
        Enqueue("cuMemcpyDtoDAsync_v2", [from, to], () => Buffer.MemoryCopy((void*)source.Address, (void*)destination.Address, bytes, bytes));
    }

    public void Fill(DevicePointer destination, uint bits, long count)
    {
        ulong block = CheckRange(destination, count * sizeof(uint), "cuMemsetD32Async");
        Enqueue("cuMemsetD32Async", [block], () =>
        {
            for (long done = 0; done < count; done += int.MaxValue)
            {
                int chunk = (int)Math.Min(int.MaxValue, count - done);
                new Span<uint>((uint*)destination.Address + done, chunk).Fill(bits);
            }
        });
    }

    public void Launch(Kernel kernel, Dim3 grid, Dim3 block, ReadOnlySpan<KernelArgument> arguments)
    {
        string name = KernelCatalog.EntryName(kernel);
        var uses = CheckArguments(name, _signatures[(int)kernel], arguments);
        ulong[] values = new ulong[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            values[i] = arguments[i].Bits;
        }
        Enqueue(name, uses, () =>
        {
            void** pointers = stackalloc void*[values.Length];
            fixed (ulong* first = values)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    pointers[i] = first + i;
                }
                _library.Launch(name, grid, block, pointers);
            }
            CheckAllGuards(name);
        });
        if (_synchronizeEachLaunch)
        {
            Synchronize();
        }
    }

    public void Gemm(in GemmCall call)
    {
        string name = call.BatchCount == 1 ? "cublasSgemm_v2" : "cublasSgemmStridedBatched";
        ulong a = CheckRange(call.A, Extent(call.TransposeA ? call.K : call.M, call.TransposeA ? call.M : call.K, call.Lda, call.StrideA, call.BatchCount), $"{name} (A)");
        ulong b = CheckRange(call.B, Extent(call.TransposeB ? call.N : call.K, call.TransposeB ? call.K : call.N, call.Ldb, call.StrideB, call.BatchCount), $"{name} (B)");
        ulong c = CheckRange(call.C, Extent(call.M, call.N, call.Ldc, call.StrideC, call.BatchCount), $"{name} (C)");
        var copy = call;
        Enqueue(name, [a, b, c], () =>
        {
            _blas.Run(copy);
            CheckAllGuards(name);
        });
    }

    /// <summary>
    /// Runs the queued work, in order, on another thread (deferred mode). The first failure is
    /// thrown here, the rest of the queue is dropped, and the device keeps it as its
    /// <see cref="Failure"/>, as a CUDA context keeps a kernel's error.
    /// </summary>
    public void Synchronize()
    {
        if (_mode == EmulatorMode.Synchronous)
        {
            return;
        }
        lock (_streamGate)
        {
            lock (_gate)
            {
                _running.AddRange(_queued);
                _queued.Clear();
            }
            Exception? failure = null;
            var stream = new Thread(() =>
            {
                foreach (var work in _running)
                {
                    try
                    {
                        work.Run();
                    }
                    catch (Exception e)
                    {
                        failure = e;
                        return;
                    }
                }
            }, maxStackSize: 16 << 20) { Name = "emulated CUDA stream", IsBackground = true };
            stream.Start();
            stream.Join();
            lock (_gate)
            {
                _running.Clear();
            }
            if (failure is not null)
            {
                Failure ??= failure;
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }

    // Work is done when it is queued: there is never anything in flight.
    public bool IsIdle() => true;

    public nint CurrentStream() => 0;

    public void Dispose()
    {
        _blas.Dispose();
        lock (_gate)
        {
            _queued.Clear();
            foreach (var (address, _) in _allocations)
            {
                NativeMemory.AlignedFree((byte*)address - GuardBytes);
            }
            _allocations.Clear();
            _allocatedBytes = 0;
        }
    }

    // The arguments must match the kernel's parameters in number and C type, and every pointer must
    // point into a live allocation — a GPU would take any of these without complaint.
    private ulong[] CheckArguments(string kernel, string signature, ReadOnlySpan<KernelArgument> arguments)
    {
        var kinds = new string(arguments.ToArray().Select(a => (char)a.Kind).ToArray());
        if (kinds != signature)
        {
            throw new ArgumentException($"{kernel} launched with arguments ({Describe(kinds)}) but takes ({Describe(signature)}).");
        }
        var uses = new List<ulong>();
        for (int i = 0; i < arguments.Length; i++)
        {
            if (arguments[i].Kind == ArgumentKind.Pointer)
            {
                uses.Add(CheckRange(new DevicePointer(arguments[i].Bits), 0, $"{kernel} (argument {i})"));
            }
        }
        return [.. uses];
    }

    // Runs the work now (synchronous mode) or queues it for the next Synchronize (deferred mode).
    private void Enqueue(string name, ulong[] uses, Action run)
    {
        if (_mode == EmulatorMode.Synchronous)
        {
            run();
            return;
        }
        lock (_gate)
        {
            _queued.Add(new QueuedWork(name, uses, run));
        }
    }

    /// <summary>Work on the deferred stream: what it is called, the allocations it uses, and what it does.</summary>
    private sealed record QueuedWork(string Name, ulong[] Uses, Action Run);

    private static string Describe(string kinds) => string.Join(", ", kinds.Select(k => ((ArgumentKind)k) switch
    {
        ArgumentKind.Pointer => "pointer",
        ArgumentKind.Int => "int",
        ArgumentKind.Float => "float",
        ArgumentKind.UInt64 => "unsigned long long",
        _ => $"'{k}'",
    }));

    // Bytes from the first to one past the last element a column-major rows×columns operand touches, over the batch.
    private static long Extent(int rows, int columns, int ld, long stride, int batch) =>
        rows == 0 || columns == 0 || batch == 0 ? 0
            : ((Math.Max(0, batch - 1) * stride) + ((long)(columns - 1) * ld) + rows) * sizeof(float);

    // [pointer, pointer + bytes) must lie inside one live allocation (a 0-byte range: the pointer
    // itself must); returns where that allocation starts.
    private ulong CheckRange(DevicePointer pointer, long bytes, string what)
    {
        lock (_gate)
        {
            foreach (var (start, size) in _allocations)
            {
                if (pointer.Address >= start && pointer.Address < start + (ulong)size)
                {
                    if (pointer.Address + (ulong)bytes > start + (ulong)size)
                    {
                        throw new ArgumentException($"{what}: {bytes} bytes from {pointer} run past the end of its allocation of {size} bytes at 0x{start:x}.");
                    }
                    return start;
                }
            }
            throw new ArgumentException($"{what}: {pointer} is not in any live allocation of the emulated device.");
        }
    }

    private void CheckAllGuards(string what)
    {
        lock (_gate)
        {
            foreach (var (address, bytes) in _allocations)
            {
                CheckGuards(address, bytes, what);
            }
        }
    }

    private static void CheckGuards(ulong address, long bytes, string what)
    {
        byte* start = (byte*)address;
        bool before = new ReadOnlySpan<byte>(start - GuardBytes, GuardBytes).ContainsAnyExcept(GuardPattern);
        bool after = new ReadOnlySpan<byte>(start + bytes, GuardBytes).ContainsAnyExcept(GuardPattern);
        if (before || after)
        {
            throw new CudaException("launch", "EMULATOR_OUT_OF_BOUNDS",
                $"{what} wrote {(before ? "before the start" : "past the end")} of the {bytes}-byte allocation at 0x{address:x}", 0);
        }
    }
}

/// <summary>How the emulated stream runs its work: at once, in the caller's thread, or deferred to the next synchronization (as on a GPU, and stricter).</summary>
internal enum EmulatorMode
{
    Synchronous,
    Deferred,
}
