using System.Diagnostics;
using System.Runtime.CompilerServices;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

/// <summary>
/// The CUDA backend: every <see cref="IBackend"/> op as CUDA C kernels (<c>Cuda/Kernels/*.cu</c>,
/// compiled at run time by NVRTC) and cuBLAS GEMMs, queued in order on one stream of one GPU.
/// Tensors live in device memory from a caching allocator; values cross to and from the host only
/// through <see cref="Upload"/> and <see cref="Download"/>; <see cref="Transfers"/> counts every copy the device makes —
/// no op copies anything between host and device, and nothing falls back to the CPU.
/// <para>
/// One partial file per op family mirrors the CPU backend's (<c>CudaBackend.Lrn.cs</c> ↔
/// <c>Cpu/CpuBackend.Lrn.cs</c> ↔ <c>Kernels/lrn.cu</c>). The same code runs on a real GPU
/// (<see cref="Create"/>) and on the CPU emulation of one (<see cref="CreateEmulated()"/>).
/// </para>
/// </summary>
public sealed partial class CudaBackend : IBackend
{
    /// <summary>Threads per block of the kernels that reduce across a block; REDUCTION_THREADS in common.cuh.</summary>
    internal const int ReductionThreads = 256;

    /// <summary>Threads per block of the elementwise (grid-stride) kernels.</summary>
    private const int ElementThreads = 256;

    /// <summary>Grid-stride kernels get at most this many blocks per multiprocessor; more would only queue.</summary>
    private const int BlocksPerMultiprocessor = 32;

    private readonly ICudaDevice _device;
    private readonly CachingAllocator _allocator;
    private bool _disposed;

    internal CudaBackend(ICudaDevice device)
    {
        _device = device;
        _allocator = new CachingAllocator(device);
    }

    /// <summary>
    /// The backend on CUDA device <paramref name="deviceOrdinal"/>. Without a usable GPU (no driver,
    /// no device, a driver too old, no NVRTC or cuBLAS) it throws <see cref="CudaUnavailableException"/>
    /// with a one-line reason.
    /// </summary>
    public static CudaBackend Create(int deviceOrdinal = 0, MatrixPrecision precision = MatrixPrecision.Fp32) => new(DriverDevice.Open(deviceOrdinal, precision));

    /// <summary>
    /// The backend on an emulated GPU: the same kernels compiled for the CPU by g++ (built once and
    /// cached) and a reference GEMM. Slow, but it runs this backend's code unchanged anywhere g++ is.
    /// </summary>
    public static CudaBackend CreateEmulated() => new(new EmulatedDevice(EmulatorLibrary.ForBackend,
        synchronizeEachLaunch: LaunchDebugging.SynchronizeEachLaunch(Environment.GetEnvironmentVariable)));

    /// <summary>The backend on an emulated GPU whose stream runs as <paramref name="mode"/> says (the tests use <see cref="EmulatorMode.Deferred"/>).</summary>
    internal static CudaBackend CreateEmulated(EmulatorMode mode, long memoryLimit = long.MaxValue, bool synchronizeEachLaunch = false) =>
        new(new EmulatedDevice(EmulatorLibrary.ForBackend, memoryLimit, mode, synchronizeEachLaunch));

    /// <summary><c>cuda:0 (NVIDIA H100 80GB HBM3)</c>, or <c>cuda-emulated</c>.</summary>
    public string Name => _device.Name;

    /// <summary>The device and the versions of the driver, NVRTC and cuBLAS (for a real GPU), one line.</summary>
    public string Description => _device is DriverDevice real ? real.Describe() : $"{Name} (the CUDA kernels compiled for the CPU by g++)";

    /// <summary>The device, one stream, the CUDA C kernels and cuBLAS.</summary>
    public BackendDescription Describe() =>
        new(Name, Threads: 1, Kernels: "CUDA C kernels (Cuda/Kernels) and cuBLAS", Device: Description);

    /// <summary>A debug counter of the host↔device copies made (only <see cref="Upload"/> and <see cref="Download"/> make any).</summary>
    public TransferCounter Transfers => _device.Transfers;

    /// <summary>Device memory held by live tensors and scratch space, in bytes.</summary>
    public long BytesInUse => _allocator.BytesInUse;

    /// <summary>Device memory freed by tensors and kept for reuse, in bytes.</summary>
    public long BytesCached => _allocator.BytesCached;

    internal ICudaDevice Device => _device;

    /// <summary>The threads per block <paramref name="kernel"/> is launched with (what .ci/cuda-static-check budgets registers for).</summary>
    internal static int ThreadsPerBlock(Kernel kernel) => KernelCatalog.Synchronizing.Contains(kernel) ? ReductionThreads : ElementThreads;

    public Tensor Allocate(Shape shape, string? name = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var pointer = _allocator.Rent((long)shape.Length * sizeof(float), out _);
        _device.Fill(pointer, 0, shape.Length);
        return new Tensor(shape, new CudaBuffer(this, _allocator, pointer, shape.Length), name);
    }

    /// <summary>Copies host values to the tensor; returns once the copy has run, so <paramref name="source"/> may be reused at once.</summary>
    public unsafe void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        var pointer = Address(destination, nameof(Upload));
        OpContract.TransferLength(nameof(Upload), source.Length, destination);
        fixed (float* host = source)
        {
            _device.CopyToDevice(host, pointer, source.Length);
            _device.Synchronize();
        }
    }

    /// <summary>Waits for the work queued before it, then copies the tensor's values to the host.</summary>
    public unsafe void Download(Tensor source, Span<float> destination)
    {
        var pointer = Address(source, nameof(Download));
        OpContract.TransferLength(nameof(Download), destination.Length, source);
        fixed (float* host = destination)
        {
            _device.CopyToHost(pointer, host, destination.Length);
            _device.Synchronize();
        }
    }

    public void Synchronize() => _device.Synchronize();

    /// <summary>
    /// Frees all device memory (tensors still alive included) and the device's resources. Every
    /// step is tried even when one fails, and the first failure is thrown — unless the device
    /// reported a failure before (a failed kernel poisons the CUDA context, so teardown fails too):
    /// that one has reached the caller already, and a teardown error would only hide it.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Exception? reportedBefore = _device.Failure;
        Exception? first = null;
        void Step(Action step)
        {
            try
            {
                step();
            }
            catch (Exception error)
            {
                first ??= error;
            }
        }
        Step(_device.Synchronize);
        Step(_allocator.Dispose);
        Step(_device.Dispose);
        if (first is not null && reportedBefore is null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    public override string ToString() => Name;

    // ----- Helpers shared by the op files ---------------------------------------------------

    /// <summary>The device address of a tensor, after the contract's check that it lives on this backend and is not disposed.</summary>
    internal DevicePointer Address(Tensor tensor, string operation, [CallerArgumentExpression(nameof(tensor))] string parameter = "")
    {
        OpContract.OnDevice(operation, parameter, tensor, this);
        return ((CudaBuffer)tensor.Buffer).Pointer;
    }

    /// <summary>
    /// Launches a grid-stride kernel over <paramref name="count"/> items: enough blocks of
    /// <see cref="ElementThreads"/> to give each item a thread, capped at
    /// <see cref="BlocksPerMultiprocessor"/> per multiprocessor (the loop covers the rest).
    /// </summary>
    private void LaunchElements(Kernel kernel, long count, params ReadOnlySpan<KernelArgument> arguments)
    {
        Debug.Assert(!KernelCatalog.Synchronizing.Contains(kernel), $"{kernel} reduces across a block; use LaunchBlocks.");
        if (count == 0)
        {
            return;
        }
        long blocks = Math.Min((count + ElementThreads - 1) / ElementThreads, (long)_device.MultiprocessorCount * BlocksPerMultiprocessor);
        if (count + (blocks * ElementThreads) > int.MaxValue)
        {
            throw new NotSupportedException($"{KernelCatalog.EntryName(kernel)}: {count} elements are more than the kernels' 32-bit indices reach.");
        }
        _device.Launch(kernel, new Dim3((uint)blocks), new Dim3((uint)ThreadsPerBlock(kernel)), arguments);
    }

    /// <summary>Launches a block-reduction kernel: <paramref name="blocks"/> blocks (one per row or channel) of <see cref="ReductionThreads"/>.</summary>
    private void LaunchBlocks(Kernel kernel, int blocks, params ReadOnlySpan<KernelArgument> arguments)
    {
        Debug.Assert(KernelCatalog.Synchronizing.Contains(kernel), $"{kernel} is elementwise; use LaunchElements.");
        if (blocks > 0)
        {
            _device.Launch(kernel, new Dim3((uint)blocks), new Dim3((uint)ThreadsPerBlock(kernel)), arguments);
        }
    }

    /// <summary>Temporary device memory for one op, handed back to the cache when disposed (safe at once: one stream).</summary>
    private Workspace Scratch(long floats) => new(_allocator, _allocator.Rent(Math.Max(1, floats) * sizeof(float), out _));

    private readonly struct Workspace(CachingAllocator allocator, DevicePointer pointer) : IDisposable
    {
        public DevicePointer Pointer { get; } = pointer;

        public void Dispose() => allocator.Return(Pointer);
    }
}

/// <summary>Counts the copies between host and device memory, for tests and profiling.</summary>
public sealed class TransferCounter
{
    private long _uploads, _downloads, _uploadedValues, _downloadedValues;

    /// <summary>Host → device copies.</summary>
    public long Uploads => Interlocked.Read(ref _uploads);

    /// <summary>Device → host copies.</summary>
    public long Downloads => Interlocked.Read(ref _downloads);

    /// <summary>Floats copied host → device.</summary>
    public long UploadedValues => Interlocked.Read(ref _uploadedValues);

    /// <summary>Floats copied device → host.</summary>
    public long DownloadedValues => Interlocked.Read(ref _downloadedValues);

    /// <summary>Starts counting from zero.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _uploads, 0);
        Interlocked.Exchange(ref _downloads, 0);
        Interlocked.Exchange(ref _uploadedValues, 0);
        Interlocked.Exchange(ref _downloadedValues, 0);
    }

    public override string ToString() => $"{Uploads} uploads ({UploadedValues} values), {Downloads} downloads ({DownloadedValues} values)";

    internal void AddUpload(long values)
    {
        Interlocked.Increment(ref _uploads);
        Interlocked.Add(ref _uploadedValues, values);
    }

    internal void AddDownload(long values)
    {
        Interlocked.Increment(ref _downloads);
        Interlocked.Add(ref _downloadedValues, values);
    }
}
