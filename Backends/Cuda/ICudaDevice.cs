namespace AlexNet.Backends.Cuda;

/// <summary>An address in a CUDA device's memory (<c>CUdeviceptr</c>).</summary>
internal readonly record struct DevicePointer(ulong Address)
{
    /// <summary>The address <paramref name="floats"/> single-precision elements further on.</summary>
    public DevicePointer Plus(long floats) => new(Address + (ulong)(floats * sizeof(float)));

    public override string ToString() => $"0x{Address:x}";
}

/// <summary>A grid or block size, as in CUDA.</summary>
internal readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1)
{
    public override string ToString() => $"({X}, {Y}, {Z})";
}

/// <summary>The C type of a kernel argument, one letter each as the emulator spells kernel signatures.</summary>
internal enum ArgumentKind : byte
{
    Pointer = (byte)'p',
    Int = (byte)'i',
    Float = (byte)'f',
    UInt64 = (byte)'u',
}

/// <summary>
/// One kernel argument: its value's bytes (little-endian, in the low bytes of 8) and its C type.
/// cuLaunchKernel receives a pointer to each value and reads as many bytes as the parameter has.
/// </summary>
internal readonly record struct KernelArgument(ulong Bits, ArgumentKind Kind)
{
    public static implicit operator KernelArgument(DevicePointer pointer) => new(pointer.Address, ArgumentKind.Pointer);

    public static implicit operator KernelArgument(int value) => new((uint)value, ArgumentKind.Int);

    public static implicit operator KernelArgument(float value) => new(BitConverter.SingleToUInt32Bits(value), ArgumentKind.Float);

    public static implicit operator KernelArgument(ulong value) => new(value, ArgumentKind.UInt64);

    // Every other type is refused at compile time: without these, a long would become a float and a
    // uint an unsigned long long without a word, and the kernel would read the wrong bytes.
    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(long value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(uint value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(double value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(short value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(ushort value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(byte value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(sbyte value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(char value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(bool value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(nint value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(nuint value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(decimal value) => throw new NotSupportedException(Unsupported);

    [Obsolete(Unsupported, error: true)]
    public static implicit operator KernelArgument(Half value) => throw new NotSupportedException(Unsupported);

    private const string Unsupported = "A kernel argument is a DevicePointer, int, float or ulong (the kernels' pointer, int, float and unsigned long long); convert explicitly to the parameter's C type.";
}

/// <summary>
/// A single-precision GEMM as cuBLAS defines it, column-major:
/// C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, C m×n, for each of
/// <see cref="BatchCount"/> matrices <see cref="StrideA"/>, <see cref="StrideB"/>, <see cref="StrideC"/>
/// floats apart (a stride of 0 reuses one matrix for the whole batch).
/// </summary>
internal readonly record struct GemmCall(
    bool TransposeA, bool TransposeB, int M, int N, int K, float Alpha,
    DevicePointer A, int Lda, long StrideA,
    DevicePointer B, int Ldb, long StrideB,
    float Beta, DevicePointer C, int Ldc, long StrideC, int BatchCount = 1);

/// <summary>
/// What <see cref="CudaBackend"/> needs from a GPU — memory, copies, kernel launches and GEMM, all
/// queued in order on one stream, and a way to wait for them — and nothing else. Two devices sit behind it: the real one
/// (<see cref="DriverDevice"/>: the CUDA driver API, NVRTC and cuBLAS) and the CPU emulation of it
/// (<see cref="Emulation.EmulatedDevice"/>: the same kernel sources compiled by g++, host memory,
/// a reference GEMM), so the backend's code runs unchanged on both and the emulated runs prove its
/// launches (grids, argument order, offsets) in CI.
/// </summary>
internal interface ICudaDevice : IDisposable
{
    /// <summary>Shown in tensor descriptions and errors, e.g. <c>cuda:0 (NVIDIA H100 80GB HBM3)</c>.</summary>
    string Name { get; }

    /// <summary>Streaming multiprocessors; launch sizes are derived from it.</summary>
    int MultiprocessorCount { get; }

    /// <summary>
    /// The caching allocator rounds sizes up to a multiple of this, so freed blocks fit more requests.
    /// The emulator uses 4 (none), so its guard bytes sit right after each tensor's last element.
    /// </summary>
    int AllocationGranularity { get; }

    /// <summary>Allocates <paramref name="bytes"/> (contents undefined); false when the device is out of memory.</summary>
    bool TryAllocate(long bytes, out DevicePointer pointer);

    /// <summary>The exception for an allocation of <paramref name="bytes"/> that failed even after the cache was emptied.</summary>
    CudaOutOfMemoryException OutOfMemory(long bytes);

    /// <summary>Returns memory from <see cref="TryAllocate"/>.</summary>
    void Free(DevicePointer pointer);

    /// <summary>
    /// Every <see cref="CopyToDevice"/> and <see cref="CopyToHost"/>, counted here, at the seam,
    /// so a copy that bypasses the backend's Upload and Download is counted too.
    /// </summary>
    TransferCounter Transfers { get; }

    /// <summary>
    /// Queues a copy of <paramref name="count"/> host floats to the device, in stream order. The copy
    /// may read <paramref name="source"/> any time until <see cref="Synchronize"/> returns, so the
    /// caller keeps it pinned and unchanged until then.
    /// </summary>
    unsafe void CopyToDevice(float* source, DevicePointer destination, long count);

    /// <summary>
    /// Queues a copy of <paramref name="count"/> device floats to the host, in stream order; the
    /// values are in <paramref name="destination"/> (pinned until then) once <see cref="Synchronize"/> returns.
    /// </summary>
    unsafe void CopyToHost(DevicePointer source, float* destination, long count);

    /// <summary>Copies <paramref name="count"/> floats within the device, in stream order.</summary>
    void CopyOnDevice(DevicePointer source, DevicePointer destination, long count);

    /// <summary>Sets <paramref name="count"/> 32-bit words to <paramref name="bits"/> (a float's bit pattern), in stream order.</summary>
    void Fill(DevicePointer destination, uint bits, long count);

    /// <summary>Launches a kernel with the given grid, block and arguments (in the kernel's parameter order), in stream order.</summary>
    void Launch(Kernel kernel, Dim3 grid, Dim3 block, ReadOnlySpan<KernelArgument> arguments);

    /// <summary>Runs a column-major GEMM (cuBLAS semantics), in stream order.</summary>
    void Gemm(in GemmCall call);

    /// <summary>Waits until everything queued has finished; throws the first error of the work it waited for.</summary>
    void Synchronize();

    /// <summary>
    /// The first error queued work raised, once there is one: a failed kernel leaves a CUDA context
    /// unusable ("sticky"), so later errors are its consequences, not news.
    /// </summary>
    Exception? Failure { get; }

    /// <summary>True when everything queued has finished; never waits (a collective's deadline is checked between polls).</summary>
    bool IsIdle();

    /// <summary>
    /// Makes this device current on the calling thread and returns its stream (<c>CUstream</c>), for a
    /// library that queues work in the same order (NCCL). 0 on the emulator, which has no stream.
    /// </summary>
    nint CurrentStream();
}
