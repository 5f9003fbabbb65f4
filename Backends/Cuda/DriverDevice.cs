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
    private readonly bool _synchronizeEachLaunch;
    private bool _disposed;

    private DriverDevice(int ordinal, MatrixPrecision precision, bool synchronizeEachLaunch)
    {
        _synchronizeEachLaunch = synchronizeEachLaunch;
        Precision = precision;
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

        // NVRTC first: among those installed, the first that compiles something this GPU's driver loads.
        var (nvrtc, _) = NvrtcChoice.Select(ComputeCapability, driverVersion);
        Nvrtc = nvrtc.Candidate.Info!;
        Target = nvrtc.Target!.Value;
        // A cuBLAS newer than the driver's CUDA cannot run on it: look for one it supports.
        int driverMajor = driverVersion / 1000;
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
        CuResult retained = Driver.cuDevicePrimaryCtxRetain(out _context, _device);
        if (retained == CuResult.DeviceUnavailable)
        {
            var (errorName, _) = Driver.Describe(retained);
            throw CudaAvailability.Unavailable($"{Name} is busy or unavailable to this process (cuDevicePrimaryCtxRetain: {errorName}); " +
                "another process may hold it in exclusive-process compute mode (see nvidia-smi's compute mode), or choose another GPU with CUDA_VISIBLE_DEVICES");
        }
        Driver.Check(retained, "cuDevicePrimaryCtxRetain");
        try
        {
            MakeCurrent();
            Driver.Check(Driver.cuStreamCreate(out _stream, Driver.StreamNonBlocking));
            Driver.Check(Driver.cuEventCreate(out _finished, Driver.EventBlockingSync | Driver.EventDisableTiming));
            Cublas.Check(Cublas.cublasCreate_v2(out _blas));
            Cublas.Check(Cublas.cublasSetStream_v2(_blas, _stream));
            Cublas.Check(Cublas.cublasSetMathMode(_blas, precision == MatrixPrecision.Tf32 ? Cublas.Tf32TensorOpMath : Cublas.DefaultMath));
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

    /// <summary>
    /// Opens CUDA device <paramref name="ordinal"/>, or throws <see cref="CudaUnavailableException"/> in
    /// one line. With <c>ALEXNET_CUDA_SYNC=1</c> or <c>CUDA_LAUNCH_BLOCKING=1</c> it waits after every
    /// launch (<see cref="LaunchDebugging"/>).
    /// </summary>
    public static DriverDevice Open(int ordinal, MatrixPrecision precision = MatrixPrecision.Fp32) =>
        new(ordinal, precision, LaunchDebugging.SynchronizeEachLaunch(Environment.GetEnvironmentVariable));

    public string Name { get; }

    public int MultiprocessorCount { get; }

    public int AllocationGranularity => 512;

    public Exception? Failure { get; private set; }

    public TransferCounter Transfers { get; } = new();

    /// <summary>Compute capability as major·10 + minor, e.g. 90 for an H100.</summary>
    public int ComputeCapability { get; }

    /// <summary>What the kernels were compiled to: CUBIN for the device's own sm_XY, or PTX for the newest compute_XY NVRTC supports.</summary>
    public KernelTarget Target { get; }

    /// <summary>The CUDA version the driver supports, e.g. 13000.</summary>
    public int DriverVersion { get; }

    /// <summary>The NVRTC that compiled the kernels.</summary>
    public NvrtcInfo Nvrtc { get; }

    /// <summary>cuBLAS's version number, e.g. 130001.</summary>
    public int BlasVersion { get; }

    /// <summary>The arithmetic of cuBLAS's GEMMs.</summary>
    public MatrixPrecision Precision { get; }

    /// <summary>The device's memory in bytes.</summary>
    public long TotalMemory { get; }

    /// <summary>Versions and identity, one line, for logs and the gpu-check script.</summary>
    public string Describe() =>
        $"{Name}, compute capability {ComputeCapability / 10}.{ComputeCapability % 10}, {MultiprocessorCount} SMs, " +
        $"{CudaOutOfMemoryException.Bytes(TotalMemory)}; driver CUDA {CudaAvailability.VersionText(DriverVersion)}, " +
        $"NVRTC {Nvrtc.Version} (kernels compiled to {Target}), cuBLAS {BlasVersion} ({(Precision == MatrixPrecision.Tf32 ? "TF32 tensor-core GEMMs" : "FP32 GEMMs")})";

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

    public void CopyToDevice(float* source, DevicePointer destination, long count)
    {
        MakeCurrent();
        Driver.Check(Driver.cuMemcpyHtoDAsync_v2(destination.Address, source, (nuint)(count * sizeof(float)), _stream));
        Transfers.AddUpload(count);
    }

    public void CopyToHost(DevicePointer source, float* destination, long count)
    {
        MakeCurrent();
        Driver.Check(Driver.cuMemcpyDtoHAsync_v2(destination, source.Address, (nuint)(count * sizeof(float)), _stream));
        Transfers.AddDownload(count);
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
        string where = $"(kernel {KernelCatalog.EntryName(kernel)}, grid {grid}, block {block})";
        if (result != CuResult.Success)
        {
            throw Driver.Error(result, "cuLaunchKernel", where);
        }
        if (_synchronizeEachLaunch)
        {
            CuResult finished = WaitForStream();
            if (finished != CuResult.Success)
            {
                throw Fail(Driver.Error(finished, "cuEventSynchronize", $"{where}: this kernel failed (found by waiting after each launch, {LaunchDebugging.Variable})"));
            }
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
                &alpha, (float*)call.A.Address, call.Lda, (float*)call.B.Address, call.Ldb, &beta, (float*)call.C.Address, call.Ldc));
        }
        else
        {
            Cublas.Check(Cublas.cublasSgemmStridedBatched(_blas, transposeA, transposeB, call.M, call.N, call.K,
                &alpha, (float*)call.A.Address, call.Lda, call.StrideA, (float*)call.B.Address, call.Ldb, call.StrideB,
                &beta, (float*)call.C.Address, call.Ldc, call.StrideC, call.BatchCount));
        }
    }

    public void Synchronize()
    {
        CuResult finished = WaitForStream();
        if (finished != CuResult.Success)
        {
            // The error belongs to some kernel queued since the last wait, which one the driver does not say.
            throw Fail(Driver.Error(finished, "cuEventSynchronize",
                $"Work queued on the stream failed; rerun with {LaunchDebugging.Variable} to have the failing kernel named."));
        }
    }

    // A blocking-sync event lets this thread sleep instead of spinning while the GPU works.
    private CuResult WaitForStream()
    {
        MakeCurrent();
        CuResult recorded = Driver.cuEventRecord(_finished, _stream);
        return recorded != CuResult.Success ? recorded : Driver.cuEventSynchronize(_finished);
    }

    private CudaException Fail(CudaException error)
    {
        Failure ??= error;
        return error;
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
        var images = KernelCompiler.CompileAll(Target);
        foreach (var file in KernelCatalog.Files)
        {
            nint module;
            fixed (byte* pointer = images[file.Name])
            {
                CuResult loaded = Driver.cuModuleLoadData(out module, pointer);
                if (loaded != CuResult.Success)
                {
                    throw Driver.Error(loaded, "cuModuleLoadData", $"({Target} of {file.Name})");
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
