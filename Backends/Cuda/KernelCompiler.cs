using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda;

/// <summary>NVRTC's version and the virtual architectures (<c>compute_XY</c> as XY) it can target, oldest first.</summary>
internal sealed record NvrtcInfo(Version Version, IReadOnlyList<int> Architectures);

/// <summary>
/// Compiles the embedded kernel files to PTX with NVRTC. Each file is its own program; the shared
/// headers are handed to NVRTC by name, so no CUDA toolkit headers or include paths are needed.
/// Options: <c>--gpu-architecture=compute_XY</c> for the device; <c>--fmad=false</c>, so a GPU
/// rounds every multiply and add separately, as the CPU backend and the emulator do (the kernels
/// are memory-bound, so fused multiply-adds would buy no speed, only differences); and line
/// information for profilers.
/// </summary>
internal static class KernelCompiler
{
    private static readonly ConcurrentDictionary<int, Lazy<IReadOnlyDictionary<string, string>>> Compiled = new();

    /// <summary>The loaded NVRTC's version and supported architectures (empty when this NVRTC cannot list them).</summary>
    public static unsafe NvrtcInfo Info()
    {
        NativeLibraries.Load(NativeLibraries.RtcSpec);
        Nvrtc.Check(Nvrtc.nvrtcVersion(out int major, out int minor));
        var architectures = new List<int>();
        if (Nvrtc.HasSupportedArchitectures)
        {
            Nvrtc.Check(Nvrtc.nvrtcGetNumSupportedArchs(out int count));
            var buffer = new int[count];
            fixed (int* pointer = buffer)
            {
                Nvrtc.Check(Nvrtc.nvrtcGetSupportedArchs(pointer));
            }
            architectures.AddRange(buffer.Order());
        }
        return new NvrtcInfo(new Version(major, minor), architectures);
    }

    /// <summary>
    /// The architecture to compile for: the device's own (major·10 + minor) when NVRTC supports it,
    /// else the newest NVRTC supports below it (the driver compiles PTX forward to newer GPUs).
    /// </summary>
    public static int ChooseArchitecture(int deviceArchitecture, NvrtcInfo nvrtc)
    {
        if (nvrtc.Architectures.Count == 0)
        {
            return deviceArchitecture;
        }
        int[] usable = nvrtc.Architectures.Where(a => a <= deviceArchitecture).ToArray();
        if (usable.Length == 0)
        {
            int oldest = nvrtc.Architectures[0];
            throw new CudaUnavailableException(
                $"The GPU (compute capability {deviceArchitecture / 10}.{deviceArchitecture % 10}) is older than the oldest architecture " +
                $"NVRTC {nvrtc.Version} compiles for ({oldest / 10}.{oldest % 10}); use an older CUDA toolkit, or --backend cpu.");
        }
        return usable.Max();
    }

    /// <summary>The NVRTC options for one architecture.</summary>
    public static string[] Options(int architecture) =>
        [$"--gpu-architecture=compute_{architecture}", "--fmad=false", "--generate-line-info"];

    /// <summary>Every kernel file compiled for <paramref name="architecture"/>, file name → PTX; compiled once per process.</summary>
    public static IReadOnlyDictionary<string, string> CompileAll(int architecture) =>
        Compiled.GetOrAdd(architecture, a => new Lazy<IReadOnlyDictionary<string, string>>(() =>
            KernelCatalog.Files.ToDictionary(file => file.Name, file => Compile(file.Name, KernelCatalog.Read(file.Name), a)))).Value;

    /// <summary>Compiles one source to PTX, or throws <see cref="KernelCompileException"/> with NVRTC's full log.</summary>
    public static unsafe string Compile(string fileName, string source, int architecture)
    {
        NativeLibraries.Load(NativeLibraries.RtcSpec);
        string[] options = Options(architecture);
        var strings = new List<nint>();
        nint Utf8(string text)
        {
            nint pointer = Marshal.StringToCoTaskMemUTF8(text);
            strings.Add(pointer);
            return pointer;
        }
        nint program = 0;
        try
        {
            int headerCount = KernelCatalog.Headers.Count;
            var headers = stackalloc byte*[headerCount];
            var includeNames = stackalloc byte*[headerCount];
            for (int i = 0; i < headerCount; i++)
            {
                headers[i] = (byte*)Utf8(KernelCatalog.Read(KernelCatalog.Headers[i]));
                includeNames[i] = (byte*)Utf8(KernelCatalog.Headers[i]);
            }
            Nvrtc.Check(Nvrtc.nvrtcCreateProgram(out program, (byte*)Utf8(source), (byte*)Utf8(fileName), headerCount, headers, includeNames));

            var optionPointers = stackalloc byte*[options.Length];
            for (int i = 0; i < options.Length; i++)
            {
                optionPointers[i] = (byte*)Utf8(options[i]);
            }
            NvrtcResult compiled = Nvrtc.nvrtcCompileProgram(program, options.Length, optionPointers);
            if (compiled == NvrtcResult.CompilationFailed)
            {
                throw new KernelCompileException("NVRTC", fileName, string.Join(' ', options), Log(program));
            }
            Nvrtc.Check(compiled);

            Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(program, out nuint size));
            var ptx = new byte[(int)size];
            fixed (byte* pointer = ptx)
            {
                Nvrtc.Check(Nvrtc.nvrtcGetPTX(program, pointer));
            }
            return Encoding.UTF8.GetString(ptx).TrimEnd('\0');
        }
        finally
        {
            if (program != 0)
            {
                Nvrtc.nvrtcDestroyProgram(ref program);
            }
            foreach (nint pointer in strings)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
        }
    }

    private static unsafe string Log(nint program)
    {
        Nvrtc.Check(Nvrtc.nvrtcGetProgramLogSize(program, out nuint size));
        var log = new byte[(int)size];
        fixed (byte* pointer = log)
        {
            Nvrtc.Check(Nvrtc.nvrtcGetProgramLog(program, pointer));
        }
        return Encoding.UTF8.GetString(log).TrimEnd('\0');
    }
}
