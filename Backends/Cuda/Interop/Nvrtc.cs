using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlexNet.Backends.Cuda.Interop;

/// <summary>An NVRTC status code (<c>nvrtcResult</c>).</summary>
internal enum NvrtcResult
{
    Success = 0,
    CompilationFailed = 6,
}

/// <summary>
/// NVRTC (<c>nvrtc.h</c>), CUDA's runtime compiler: CUDA C source in, CUBIN or PTX out, no GPU needed.
/// Wrap every call in <see cref="Check"/>.
/// </summary>
internal static unsafe partial class Nvrtc
{
    static Nvrtc() => NativeLibraries.EnsureResolver();

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcVersion(out int major, out int minor);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetNumSupportedArchs(out int count);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetSupportedArchs(int* architectures);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcCreateProgram(out nint program, byte* source, byte* name,
        int headerCount, byte** headers, byte** includeNames);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcCompileProgram(nint program, int optionCount, byte** options);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetProgramLogSize(nint program, out nuint size);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetProgramLog(nint program, byte* log);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetPTXSize(nint program, out nuint size);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetPTX(nint program, byte* ptx);

    // CUBIN (machine code for one sm_XY) straight from NVRTC: added in CUDA 11.1.
    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetCUBINSize(nint program, out nuint size);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcGetCUBIN(nint program, byte* cubin);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial NvrtcResult nvrtcDestroyProgram(ref nint program);

    [LibraryImport(NativeLibraries.Rtc)]
    public static partial byte* nvrtcGetErrorString(NvrtcResult result);

    /// <summary>True when this NVRTC exports <c>nvrtcGetSupportedArchs</c> (added in CUDA 11.2).</summary>
    public static bool HasSupportedArchitectures =>
        NativeLibrary.TryGetExport(NativeLibraries.Load(NativeLibraries.RtcSpec).Handle, "nvrtcGetSupportedArchs", out _);

    /// <summary>Throws a <see cref="CudaException"/> naming the call unless <paramref name="result"/> is success.</summary>
    public static void Check(NvrtcResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != NvrtcResult.Success)
        {
            throw new CudaException(Driver.CallName(call), Name(result), Describe(result), (int)result);
        }
    }

    /// <summary>The status's name as NVRTC gives it, e.g. <c>NVRTC_ERROR_COMPILATION</c>.</summary>
    public static string Name(NvrtcResult result) =>
        Marshal.PtrToStringUTF8((nint)nvrtcGetErrorString(result)) is { Length: > 0 } name ? name : $"nvrtcResult {(int)result}";

    /// <summary>What a status means (NVRTC itself only names them).</summary>
    public static string Describe(NvrtcResult result) => (int)result switch
    {
        1 => "NVRTC ran out of host memory",
        2 => "the program could not be created",
        3 => "an argument was invalid",
        4 => "the program handle was invalid",
        5 => "a compiler option was not accepted",
        6 => "the source did not compile; see the log",
        7 => "a builtin operation failed; is libnvrtc-builtins from the same CUDA version loadable?",
        11 => "NVRTC failed internally",
        _ => "see the NVRTC documentation for this status",
    };
}
