using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda;

/// <summary>NVRTC's version and the virtual architectures (<c>compute_XY</c> as XY) it can target, oldest first.</summary>
internal sealed record NvrtcInfo(Version Version, IReadOnlyList<int> Architectures);

/// <summary>
/// What NVRTC makes for a device: machine code (CUBIN) for <c>sm_XY</c>, loaded as it is, or PTX for
/// <c>compute_XY</c>, which the driver compiles when it loads it.
/// </summary>
internal readonly record struct KernelTarget(int Architecture, bool Cubin)
{
    /// <summary>The value of <c>--gpu-architecture</c>: <c>sm_90</c> or <c>compute_90</c>.</summary>
    public string GpuArchitecture => Cubin ? $"sm_{Architecture}" : $"compute_{Architecture}";

    public override string ToString() => Cubin ? $"CUBIN for sm_{Architecture}" : $"PTX for compute_{Architecture}";
}

/// <summary>
/// Compiles the embedded kernel files with NVRTC. Each file is its own program; the shared
/// headers are handed to NVRTC by name, so no CUDA toolkit headers or include paths are needed.
/// Options: <c>--gpu-architecture</c> for the target; <c>--fmad=false</c>, so a GPU
/// rounds every multiply and add separately, as the CPU backend and the emulator do (the kernels
/// are memory-bound, so fused multiply-adds would buy no speed, only differences); and line
/// information for profilers.
/// <para>
/// CUBIN is preferred: the driver loads machine code from any NVRTC of its own major version,
/// while PTX carries the ISA version of the NVRTC that wrote it and an older driver refuses it
/// (NVRTC 12.8 from PyTorch's wheels on a 12.4 driver). PTX stays the fallback for a GPU newer than
/// NVRTC knows: the driver compiles it forward.
/// </para>
/// </summary>
internal static class KernelCompiler
{
    /// <summary>NVRTC can return CUBIN (<c>nvrtcGetCUBIN</c>) from this version on.</summary>
    public static readonly Version CubinSince = new(11, 1);

    private static readonly ConcurrentDictionary<KernelTarget, Lazy<IReadOnlyDictionary<string, byte[]>>> Compiled = new();

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
    /// What to compile for a device of <paramref name="deviceArchitecture"/> (major·10 + minor): CUBIN
    /// for its own <c>sm_XY</c> when NVRTC supports it and can return CUBIN; else PTX for the newest
    /// architecture NVRTC supports at or below it (the driver compiles PTX forward to newer GPUs).
    /// </summary>
    public static KernelTarget ChooseTarget(int deviceArchitecture, NvrtcInfo nvrtc)
    {
        if (nvrtc.Architectures.Count == 0)
        {
            // NVRTC before 11.2 cannot list its architectures: PTX for the device, checked when loaded.
            return new KernelTarget(deviceArchitecture, Cubin: false);
        }
        if (nvrtc.Architectures.Contains(deviceArchitecture) && nvrtc.Version >= CubinSince)
        {
            return new KernelTarget(deviceArchitecture, Cubin: true);
        }
        int[] usable = nvrtc.Architectures.Where(a => a <= deviceArchitecture).ToArray();
        if (usable.Length == 0)
        {
            int oldest = nvrtc.Architectures[0];
            throw new CudaUnavailableException(
                $"The GPU (compute capability {deviceArchitecture / 10}.{deviceArchitecture % 10}) is older than the oldest architecture " +
                $"NVRTC {nvrtc.Version} compiles for ({oldest / 10}.{oldest % 10}); use an older CUDA toolkit, or --backend cpu.");
        }
        return new KernelTarget(usable.Max(), Cubin: false);
    }

    /// <summary>The NVRTC options for one target.</summary>
    public static string[] Options(KernelTarget target) =>
        [$"--gpu-architecture={target.GpuArchitecture}", "--fmad=false", "--generate-line-info"];

    /// <summary>Every kernel file compiled for <paramref name="target"/>, file name → image; compiled once per process.</summary>
    public static IReadOnlyDictionary<string, byte[]> CompileAll(KernelTarget target) =>
        Compiled.GetOrAdd(target, t => new Lazy<IReadOnlyDictionary<string, byte[]>>(() =>
            KernelCatalog.Files.ToDictionary(file => file.Name, file => Compile(file.Name, KernelCatalog.Read(file.Name), t)))).Value;

    /// <summary>PTX as text (an image from a PTX target, without its terminating zero).</summary>
    public static string PtxText(byte[] image) => Encoding.UTF8.GetString(image).TrimEnd('\0');

    /// <summary>
    /// Compiles one source to CUBIN or to PTX (zero-terminated, as <c>cuModuleLoadData</c> reads it),
    /// or throws <see cref="KernelCompileException"/> with NVRTC's full log.
    /// </summary>
    public static unsafe byte[] Compile(string fileName, string source, KernelTarget target)
    {
        NativeLibraries.Load(NativeLibraries.RtcSpec);
        string[] options = Options(target);
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

            return target.Cubin ? Cubin(program) : Ptx(program);
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

    private static unsafe byte[] Cubin(nint program)
    {
        Nvrtc.Check(Nvrtc.nvrtcGetCUBINSize(program, out nuint size));
        var cubin = new byte[(int)size];
        fixed (byte* pointer = cubin)
        {
            Nvrtc.Check(Nvrtc.nvrtcGetCUBIN(program, pointer));
        }
        return cubin;
    }

    private static unsafe byte[] Ptx(nint program)
    {
        // The size counts the terminating zero, which cuModuleLoadData needs.
        Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(program, out nuint size));
        var ptx = new byte[(int)size];
        fixed (byte* pointer = ptx)
        {
            Nvrtc.Check(Nvrtc.nvrtcGetPTX(program, pointer));
        }
        return ptx;
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
