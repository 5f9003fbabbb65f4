using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlexNet.Backends.Cuda.Interop;

/// <summary>
/// A CUDA driver API status code (<c>CUresult</c>, <c>cuda.h</c>). Only the codes the backend
/// reacts to are named; .ci/cuda-static-check holds each value against <c>cuda.h</c> (the runtime
/// API's codes, such as <c>cudaErrorInsufficientDriver</c> = 35, are not the driver's).
/// </summary>
internal enum CuResult
{
    Success = 0,
    OutOfMemory = 2,
    NotInitialized = 3,
    StubLibrary = 34,
    DeviceUnavailable = 46,
    NoDevice = 100,
    UnsupportedPtxVersion = 222,
    NotReady = 600,
    IllegalAddress = 700,
    LaunchFailed = 719,
    SystemDriverMismatch = 803,
    CompatNotSupportedOnDevice = 804,
}

/// <summary>The device attributes the backend reads (<c>CUdevice_attribute</c>).</summary>
internal enum DeviceAttribute
{
    MultiprocessorCount = 16,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
}

/// <summary>
/// The CUDA driver API (<c>libcuda.so.1</c>, <c>cuda.h</c>): the functions this backend calls, by the
/// exported names the <c>cuda.h</c> macros resolve to (<c>cuMemAlloc</c> is <c>cuMemAlloc_v2</c>,
/// and so on). Device pointers (<c>CUdeviceptr</c>) are <see cref="ulong"/>; handles (contexts,
/// streams, modules, functions, events) are <see cref="nint"/>.
/// Wrap every call in <see cref="Check"/>.
/// </summary>
internal static unsafe partial class Driver
{
    public const uint StreamNonBlocking = 0x1;
    public const uint EventBlockingSync = 0x1;
    public const uint EventDisableTiming = 0x2;

    static Driver() => NativeLibraries.EnsureResolver();

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuInit(uint flags);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDriverGetVersion(out int version);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDeviceGetCount(out int count);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDeviceGet(out int device, int ordinal);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDeviceGetAttribute(out int value, DeviceAttribute attribute, int device);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDeviceTotalMem_v2(out nuint bytes, int device);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuDevicePrimaryCtxRelease_v2(int device);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuCtxSetCurrent(nint context);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuMemGetInfo_v2(out nuint free, out nuint total);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuMemAlloc_v2(out ulong pointer, nuint bytes);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuMemFree_v2(ulong pointer);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuModuleLoadData(out nint module, void* image);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuModuleUnload(nint module);

    [LibraryImport(NativeLibraries.Driver, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CuResult cuModuleGetFunction(out nint function, nint module, string name);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuLaunchKernel(nint function,
        uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, nint stream, void** arguments, void** extra);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuStreamCreate(out nint stream, uint flags);

    /// <summary>Success when all work queued on the stream has finished, NotReady while some is running.</summary>
    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuStreamQuery(nint stream);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuStreamDestroy_v2(nint stream);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuEventCreate(out nint @event, uint flags);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuEventDestroy_v2(nint @event);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuEventRecord(nint @event, nint stream);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuEventSynchronize(nint @event);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuGetErrorName(CuResult error, out byte* name);

    [LibraryImport(NativeLibraries.Driver)]
    public static partial CuResult cuGetErrorString(CuResult error, out byte* text);

    /// <summary>
    /// Throws a <see cref="CudaException"/> unless <paramref name="result"/> is success. The call's
    /// name comes from the expression itself (<c>Check(cuMemFree_v2(p))</c> reports
    /// <c>cuMemFree_v2</c>), so it cannot drift from the function called.
    /// </summary>
    public static void Check(CuResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != CuResult.Success)
        {
            throw Error(result, CallName(call));
        }
    }

    /// <summary>The exception for a failed call: the call, the error's name and the driver's text for it.</summary>
    public static CudaException Error(CuResult result, string call, string? hint = null)
    {
        var (name, text) = Describe(result);
        return new CudaException(call, name, text, (int)result, hint);
    }

    /// <summary>The driver's name and text for an error code (the number when the driver does not know it).</summary>
    public static (string Name, string Text) Describe(CuResult result)
    {
        string name = cuGetErrorName(result, out byte* namePointer) == CuResult.Success && namePointer is not null
            ? Marshal.PtrToStringUTF8((nint)namePointer) ?? ""
            : $"CUresult {(int)result}";
        string text = cuGetErrorString(result, out byte* textPointer) == CuResult.Success && textPointer is not null
            ? Marshal.PtrToStringUTF8((nint)textPointer) ?? ""
            : "no description";
        return (name, text);
    }

    /// <summary>"Driver.cuMemAlloc_v2(out p, bytes)" → "cuMemAlloc_v2".</summary>
    public static string CallName(string expression)
    {
        int open = expression.IndexOf('(', StringComparison.Ordinal);
        string name = open >= 0 ? expression[..open] : expression;
        int dot = name.LastIndexOf('.');
        return (dot >= 0 ? name[(dot + 1)..] : name).Trim();
    }
}
