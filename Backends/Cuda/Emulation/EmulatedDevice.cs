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
    private long _allocatedBytes;

    /// <summary>An emulated device running <paramref name="library"/>'s kernels with at most <paramref name="memoryLimit"/> bytes of "device" memory.</summary>
    public EmulatedDevice(EmulatorLibrary library, long memoryLimit = long.MaxValue)
    {
        _library = library;
        _memoryLimit = memoryLimit;
        _signatures = Enum.GetValues<Kernel>()
            .Select(k => library.Signature(KernelCatalog.EntryName(k))
                ?? throw new InvalidOperationException($"The emulator library {library.Path} has no kernel {KernelCatalog.EntryName(k)}."))
            .ToArray();
    }

    public string Name => "cuda-emulated";

    /// <summary>Launch sizes scale with this; the emulator runs blocks one after another whatever it is.</summary>
    public int MultiprocessorCount => 2;

    public int AllocationGranularity => sizeof(float);

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
            if (!_allocations.Remove(pointer.Address, out long bytes))
            {
                throw new InvalidOperationException($"cuMemFree_v2 (emulated): {pointer} was not allocated or was freed already.");
            }
            CheckGuards(pointer.Address, bytes, "a kernel or copy before this free");
            _allocatedBytes -= bytes;
            NativeMemory.AlignedFree((byte*)pointer.Address - GuardBytes);
        }
    }

    public void CopyToDevice(ReadOnlySpan<float> source, DevicePointer destination)
    {
        CheckRange(destination, source.Length * (long)sizeof(float), "cuMemcpyHtoDAsync_v2");
        source.CopyTo(new Span<float>((void*)destination.Address, source.Length));
        Transfers.AddUpload(source.Length);
    }

    public void CopyToHost(DevicePointer source, Span<float> destination)
    {
        CheckRange(source, destination.Length * (long)sizeof(float), "cuMemcpyDtoHAsync_v2");
        new ReadOnlySpan<float>((void*)source.Address, destination.Length).CopyTo(destination);
        Transfers.AddDownload(destination.Length);
    }

    public void CopyOnDevice(DevicePointer source, DevicePointer destination, long count)
    {
        CheckRange(source, count * sizeof(float), "cuMemcpyDtoDAsync_v2");
        CheckRange(destination, count * sizeof(float), "cuMemcpyDtoDAsync_v2");
        Buffer.MemoryCopy((void*)source.Address, (void*)destination.Address, count * sizeof(float), count * sizeof(float));
    }

    public void Fill(DevicePointer destination, uint bits, long count)
    {
        CheckRange(destination, count * sizeof(uint), "cuMemsetD32Async");
        for (long done = 0; done < count; done += int.MaxValue)
        {
            int chunk = (int)Math.Min(int.MaxValue, count - done);
            new Span<uint>((uint*)destination.Address + done, chunk).Fill(bits);
        }
    }

    public void Launch(Kernel kernel, Dim3 grid, Dim3 block, ReadOnlySpan<KernelArgument> arguments)
    {
        string name = KernelCatalog.EntryName(kernel);
        CheckArguments(name, _signatures[(int)kernel], arguments);
        ulong* values = stackalloc ulong[arguments.Length];
        void** pointers = stackalloc void*[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            values[i] = arguments[i].Bits;
            pointers[i] = &values[i];
        }
        _library.Launch(name, grid, block, pointers);
        CheckAllGuards(name);
    }

    public void Gemm(in GemmCall call)
    {
        string name = call.BatchCount == 1 ? "cublasSgemm_v2" : "cublasSgemmStridedBatched";
        CheckRange(call.A, Extent(call.TransposeA ? call.K : call.M, call.TransposeA ? call.M : call.K, call.Lda, call.StrideA, call.BatchCount), $"{name} (A)");
        CheckRange(call.B, Extent(call.TransposeB ? call.N : call.K, call.TransposeB ? call.K : call.N, call.Ldb, call.StrideB, call.BatchCount), $"{name} (B)");
        CheckRange(call.C, Extent(call.M, call.N, call.Ldc, call.StrideC, call.BatchCount), $"{name} (C)");
        _blas.Run(call);
        CheckAllGuards(name);
    }

    public void Synchronize()
    {
    }

    // Work is done when it is queued: there is never anything in flight.
    public bool IsIdle() => true;

    public nint CurrentStream() => 0;

    public void Dispose()
    {
        _blas.Dispose();
        lock (_gate)
        {
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
    private void CheckArguments(string kernel, string signature, ReadOnlySpan<KernelArgument> arguments)
    {
        var kinds = new string(arguments.ToArray().Select(a => (char)a.Kind).ToArray());
        if (kinds != signature)
        {
            throw new ArgumentException($"{kernel} launched with arguments ({Describe(kinds)}) but takes ({Describe(signature)}).");
        }
        for (int i = 0; i < arguments.Length; i++)
        {
            if (arguments[i].Kind == ArgumentKind.Pointer)
            {
                CheckRange(new DevicePointer(arguments[i].Bits), 0, $"{kernel} (argument {i})");
            }
        }
    }

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

    // [pointer, pointer + bytes) must lie inside one live allocation (a 0-byte range: the pointer itself must).
    private void CheckRange(DevicePointer pointer, long bytes, string what)
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
                    return;
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
