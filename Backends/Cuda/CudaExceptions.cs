namespace AlexNet.Backends.Cuda;

/// <summary>
/// A CUDA driver, cuBLAS, NVRTC or emulator call failed. The message names the call, the error's
/// name and the library's description of it, e.g.
/// <c>cuModuleLoadData failed: CUDA_ERROR_UNSUPPORTED_PTX_VERSION (the provided PTX was compiled with an unsupported toolchain.)</c>.
/// </summary>
public class CudaException : Exception
{
    public CudaException(string call, string errorName, string errorText, int code, string? hint = null)
        : base(Format(call, errorName, errorText, hint))
    {
        Call = call;
        ErrorName = errorName;
        Code = code;
    }




    /// <summary>The library function that failed, e.g. <c>cuMemAlloc_v2</c>.</summary>
    public string Call { get; }

    /// <summary>The error's name, e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>.</summary>
    public string ErrorName { get; }

    /// <summary>The numeric error code the library returned.</summary>
    public int Code { get; }

    /// <summary>"call failed: NAME (text)" and, when given, a hint on what to do.</summary>
    public static string Format(string call, string errorName, string errorText, string? hint = null) =>
        $"{call} failed: {errorName} ({errorText})" + (string.IsNullOrEmpty(hint) ? "" : " " + hint);
}

/// <summary>
/// The GPU ran out of memory. The message says how much was asked for, how much is free, and
/// suggests a smaller batch.
/// </summary>
public sealed class CudaOutOfMemoryException : CudaException
{
    public CudaOutOfMemoryException(string call, string errorName, string errorText, int code, long requestedBytes, long freeBytes, long totalBytes)
        : base(call, errorName, errorText, code,
            $"Asked for {Bytes(requestedBytes)} with {Bytes(freeBytes)} of {Bytes(totalBytes)} free on the GPU; try a smaller batch size (--batch-size).")
    {
        RequestedBytes = requestedBytes;
        FreeBytes = freeBytes;
    }




    public long RequestedBytes { get; }

    public long FreeBytes { get; }

    /// <summary>A byte count in MiB (or GiB), e.g. <c>562.5 MiB</c>.</summary>
    public static string Bytes(long bytes) => bytes >= 1L << 30
        ? $"{bytes / (double)(1L << 30):0.##} GiB"
        : $"{bytes / (double)(1L << 20):0.#} MiB";
}

/// <summary>
/// No usable GPU: the driver is missing, there is no device, or the driver is too old. The message
/// is one line saying which, and suggests <c>--backend cpu</c>.
/// </summary>
public sealed class CudaUnavailableException : Exception
{

    public CudaUnavailableException(string message)
        : base(message)
    {
    }

}

/// <summary>NVRTC (or, for the emulator, g++) could not compile kernel code; the message holds the compiler's full log.</summary>
public sealed class KernelCompileException : Exception
{
    public KernelCompileException(string compiler, string file, string options, string log)
        : base($"{compiler} could not compile {file} ({options}):{Environment.NewLine}{log}")
    {
        Log = log;
    }




    /// <summary>NVRTC's compiler log.</summary>
    public string Log { get; }
}
