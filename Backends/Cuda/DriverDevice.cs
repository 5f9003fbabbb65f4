using System.Text;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda;

/// <summary>
/// A real GPU through the CUDA driver API: the device's primary context, one non-blocking stream
/// that every copy, kernel and GEMM is queued on (so they run in call order without waiting for
/// each other), the kernels compiled by NVRTC for this GPU and loaded as modules, and a cuBLAS
/// handle bound to the stream.
/// <para>
/// Setup order and why: <c>cuInit</c> and the version checks first, so a machine without a usable
/// GPU fails in one line (<see cref="CudaAvailability"/>); then the primary context (the one the
/// CUDA runtime would use too; made current on whichever thread calls in); then the stream, cuBLAS
/// and the modules, which all belong to that context.
/// </para>
/// </summary>
internal sealed unsafe class DriverDevice : ICudaDevice
{
    private static long s_nextId;

    // Which device (by id) made its context current on this thread. An id rather than the context
    // handle: a primary context released and retained again may come back with the same handle, yet
    // must be made current again.
    [ThreadStatic]
    private static long t_currentDevice;

    private readonly long _id = Interlocked.Increment(ref s_nextId);

    private readonly int _device;
    private readonly nint _context;
    private readonly nint _stream;
    private readonly nint _blas;
    private readonly nint _finished;
    private readonly List<nint> _modules = [];
    private readonly nint[] _functions = new nint[Enum.GetValues<Kernel>().Length];
    private bool _disposed;

    private DriverDevice(int ordinal)
    {
        int driverVersion = CudaAvailability.InitializeDriver();
        Driver.Check(Driver.cuDeviceGetCount(out int count));
        if (ordinal < 0 || ordinal >= count)
        {
            throw CudaAvailability.Unavailable($"there is no CUDA device {ordinal} (this machine has {count})");
        }
        Driver.Check(Driver.cuDeviceGet(out _device, ordinal));
        byte* name = stackalloc byte[256];
        Driver.Check(Driver.cuDeviceGetName(name, 256, _device));
        Driver.Check(Driver.cuDeviceGetAttribute(out int major, DeviceAttribute.ComputeCapabilityMajor, _device));
        Driver.Check(Driver.cuDeviceGetAttribute(out int minor, DeviceAttribute.ComputeCapabilityMinor, _device));
        Driver.Check(Driver.cuDeviceGetAttribute(out int multiprocessors, DeviceAttribute.MultiprocessorCount, _device));
        Driver.Check(Driver.cuDeviceTotalMem_v2(out nuint totalMemory, _device));
        MultiprocessorCount = multiprocessors;
        TotalMemory = (long)totalMemory;
        ComputeCapability = (major * 10) + minor;
        DriverVersion = driverVersion;
        Name = $"cuda:{ordinal} ({new string((sbyte*)name)})";

        // Toolkit libraries newer than the driver's CUDA cannot run on it: look for ones it supports.
        int driverMajor = driverVersion / 1000;
        if (!NativeLibraries.TryLoad(NativeLibraries.RtcSpec, out _, out string? rtcError, driverMajor))
        {
            throw CudaAvailability.Unavailable($"NVRTC (the CUDA runtime compiler, from a CUDA toolkit) for CUDA {driverMajor} or older is not installed: {rtcError} Set ALEXNET_CUDA_LIBRARY_PATH to its folder");
        }
        if (!NativeLibraries.TryLoad(NativeLibraries.BlasSpec, out var blas, out string? blasError, driverMajor))
        {
            throw CudaAvailability.Unavailable($"cuBLAS (from a CUDA toolkit) for CUDA {driverMajor} or older is not installed: {blasError} Set ALEXNET_CUDA_LIBRARY_PATH to its folder");
        }
        if (blas!.Major > driverMajor)
        {
            // Loaded earlier in this process, before the driver's version was known.
            throw CudaAvailability.Unavailable(
                $"the NVIDIA driver supports CUDA {CudaAvailability.VersionText(driverVersion)}, older than the cuBLAS {blas.Major} already loaded from {blas.Path}; " +
                "update the driver or point ALEXNET_CUDA_LIBRARY_PATH at an older CUDA toolkit");
        }
        Nvrtc = KernelCompiler.Info();
        int nvrtcVersion = (Nvrtc.Version.Major * 1000) + (Nvrtc.Version.Minor * 10);
        if (nvrtcVersion > driverVersion)
        {
            // PTX carries the ISA version of the compiler that made it; an older driver refuses it.
            throw CudaAvailability.Unavailable(
                $"the NVIDIA driver supports CUDA {CudaAvailability.VersionText(driverVersion)}, older than NVRTC {Nvrtc.Version}, whose PTX it cannot load; " +
                "update the driver or point ALEXNET_CUDA_LIBRARY_PATH at an older CUDA toolkit");
        }
        Architecture = KernelCompiler.ChooseArchitecture(ComputeCapability, Nvrtc);

        Driver.Check(Driver.cuDevicePrimaryCtxRetain(out _context, _device));
        try
        {
            MakeCurrent();
            Driver.Check(Driver.cuStreamCreate(out _stream, Driver.StreamNonBlocking));
            Driver.Check(Driver.cuEventCreate(out _finished, Driver.EventBlockingSync | Driver.EventDisableTiming));
            Cublas.Check(Cublas.cublasCreate_v2(out _blas));
            Cublas.Check(Cublas.cublasSetStream_v2(_blas, _stream));
            Cublas.Check(Cublas.cublasSetMathMode(_blas, Cublas.DefaultMath));
            Cublas.Check(Cublas.cublasGetVersion_v2(_blas, out int blasVersion));
            BlasVersion = blasVersion;
            LoadKernels();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens CUDA device <paramref name="ordinal"/>, or throws <see cref="CudaUnavailableException"/> in one line.</summary>
    public static DriverDevice Open(int ordinal) => new(ordinal);

    public string Name { get; }

    public int MultiprocessorCount { get; }

    public int AllocationGranularity => 512;

    public TransferCounter Transfers { get; } = new();

    /// <summary>Compute capability as major·10 + minor, e.g. 90 for an H100.</summary>
    public int ComputeCapability { get; }

    /// <summary>The <c>compute_XY</c> the kernels were compiled for (capped to what NVRTC supports).</summary>
    public int Architecture { get; }

    /// <summary>The CUDA version the driver supports, e.g. 13000.</summary>
    public int DriverVersion { get; }

    /// <summary>The NVRTC that compiled the kernels.</summary>
    public NvrtcInfo Nvrtc { get; }

    /// <summary>cuBLAS's version number, e.g. 130001.</summary>
    public int BlasVersion { get; }

    /// <summary>The device's memory in bytes.</summary>
    public long TotalMemory { get; }

    /// <summary>Versions and identity, one line, for logs and the gpu-check script.</summary>
    public string Describe() =>
        $"{Name}, compute capability {ComputeCapability / 10}.{ComputeCapability % 10}, {MultiprocessorCount} SMs, " +
        $"{CudaOutOfMemoryException.Bytes(TotalMemory)}; driver CUDA {CudaAvailability.VersionText(DriverVersion)}, " +
        $"NVRTC {Nvrtc.Version} (kernels compiled for compute_{Architecture}), cuBLAS {BlasVersion}";

    public bool TryAllocate(long bytes, out DevicePointer pointer)
    {
        MakeCurrent();
        CuResult result = Driver.cuMemAlloc_v2(out ulong address, (nuint)bytes);
        pointer = new DevicePointer(address);
        if (result == CuResult.OutOfMemory)
        {
            return false;
        }
        Driver.Check(result, "cuMemAlloc_v2");
        return true;
    }

    public CudaOutOfMemoryException OutOfMemory(long bytes)
    {
        MakeCurrent();
        Driver.Check(Driver.cuMemGetInfo_v2(out nuint free, out nuint total));
        var (name, text) = Driver.Describe(CuResult.OutOfMemory);
        return new CudaOutOfMemoryException("cuMemAlloc_v2", name, text, (int)CuResult.OutOfMemory, bytes, (long)free, (long)total);
    }

    public void Free(DevicePointer pointer)
    {
        MakeCurrent();
        Driver.Check(Driver.cuMemFree_v2(pointer.Address));
    }

    public void CopyToDevice(ReadOnlySpan<float> source, DevicePointer destination)
    {
        MakeCurrent();
        fixed (float* host = source)
        {
            // From pageable memory this returns once the values are staged, so the span may be reused.
            Driver.Check(Driver.cuMemcpyHtoDAsync_v2(destination.Address, host, (nuint)(source.Length * sizeof(float)), _stream));
        }
        Transfers.AddUpload(source.Length);
    }

    public void CopyToHost(DevicePointer source, Span<float> destination)
    {
        MakeCurrent();
        fixed (float* host = destination)
        {
            Driver.Check(Driver.cuMemcpyDtoHAsync_v2(host, source.Address, (nuint)(destination.Length * sizeof(float)), _stream));
        }
        Transfers.AddDownload(destination.Length);
        Synchronize();
    }

    public void CopyOnDevice(DevicePointer source, DevicePointer destination, long count)
    {
        MakeCurrent();
        Driver.Check(Driver.cuMemcpyDtoDAsync_v2(destination.Address, source.Address, (nuint)(count * sizeof(float)), _stream));
    }

    public void Fill(DevicePointer destination, uint bits, long count)
    {
        MakeCurrent();
        Driver.Check(Driver.cuMemsetD32Async(destination.Address, bits, (nuint)count, _stream));
    }

    public void Launch(Kernel kernel, Dim3 grid, Dim3 block, ReadOnlySpan<KernelArgument> arguments)
    {
        MakeCurrent();
        // cuLaunchKernel takes an array of pointers, one to each argument's value; it copies the
        // values before returning, so they may live on this stack frame.
        ulong* values = stackalloc ulong[arguments.Length];
        void** pointers = stackalloc void*[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            values[i] = arguments[i].Bits;
            pointers[i] = &values[i];
        }
        CuResult result = Driver.cuLaunchKernel(_functions[(int)kernel], grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, 0, _stream, pointers, null);
        if (result != CuResult.Success)
        {
            throw Driver.Error(result, "cuLaunchKernel", $"(kernel {KernelCatalog.EntryName(kernel)}, grid {grid}, block {block})");
        }
    }

    public void Gemm(in GemmCall call)
    {
        MakeCurrent();
        var transposeA = call.TransposeA ? CublasOperation.Transpose : CublasOperation.None;
        var transposeB = call.TransposeB ? CublasOperation.Transpose : CublasOperation.None;
        float alpha = call.Alpha, beta = call.Beta;
        if (call.BatchCount == 1)
        {
            Cublas.Check(Cublas.cublasSgemm_v2(_blas, transposeA, transposeB, call.M, call.N, call.K,
                &alpha, call.A.Address, call.Lda, call.B.Address, call.Ldb, &beta, call.C.Address, call.Ldc));
        }
        else
        {
            Cublas.Check(Cublas.cublasSgemmStridedBatched(_blas, transposeA, transposeB, call.M, call.N, call.K,
                &alpha, call.A.Address, call.Lda, call.StrideA, call.B.Address, call.Ldb, call.StrideB,
                &beta, call.C.Address, call.Ldc, call.StrideC, call.BatchCount));
        }
    }

    public void Synchronize()
    {
        MakeCurrent();
        // A blocking-sync event lets this thread sleep instead of spinning while the GPU works.
        Driver.Check(Driver.cuEventRecord(_finished, _stream));
        Driver.Check(Driver.cuEventSynchronize(_finished));
    }

    public bool IsIdle()
    {
        MakeCurrent();
        var result = Driver.cuStreamQuery(_stream);
        if (result == CuResult.NotReady)
        {
            return false;
        }
        Driver.Check(result);
        return true;
    }

    public nint CurrentStream()
    {
        MakeCurrent();
        return _stream;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_context == 0)
        {
            return;
        }
        MakeCurrent();
        // Teardown results are ignored on purpose: an error here (say, after a failed kernel has
        // poisoned the context) must not mask the exception that led to disposing.
        if (_blas != 0)
        {
            _ = Cublas.cublasDestroy_v2(_blas);
        }
        foreach (nint module in _modules)
        {
            _ = Driver.cuModuleUnload(module);
        }
        if (_finished != 0)
        {
            _ = Driver.cuEventDestroy_v2(_finished);
        }
        if (_stream != 0)
        {
            _ = Driver.cuStreamDestroy_v2(_stream);
        }
        _ = Driver.cuDevicePrimaryCtxRelease_v2(_device);
        t_currentDevice = 0;
    }

    private void LoadKernels()
    {
        var ptx = KernelCompiler.CompileAll(Architecture);
        foreach (var file in KernelCatalog.Files)
        {
            byte[] image = Encoding.UTF8.GetBytes(ptx[file.Name] + "\0");
            nint module;
            fixed (byte* pointer = image)
            {
                CuResult loaded = Driver.cuModuleLoadData(out module, pointer);
                if (loaded != CuResult.Success)
                {
                    throw Driver.Error(loaded, "cuModuleLoadData", $"(PTX of {file.Name} for compute_{Architecture})");
                }
            }
            _modules.Add(module);
            foreach (var kernel in file.Kernels)
            {
                Driver.Check(Driver.cuModuleGetFunction(out _functions[(int)kernel], module, KernelCatalog.EntryName(kernel)));
            }
        }
    }

    private void MakeCurrent()
    {
        if (t_currentDevice != _id)
        {
            Driver.Check(Driver.cuCtxSetCurrent(_context));
            t_currentDevice = _id;
        }
    }
}
