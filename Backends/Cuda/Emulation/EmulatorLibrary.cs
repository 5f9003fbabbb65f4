using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace AlexNet.Backends.Cuda.Emulation;

/// <summary>A kernel an emulator library contains: its entry point and whether it calls <c>__syncthreads</c>.</summary>
internal sealed record EmulatedKernel(string Name, bool Synchronizes);

/// <summary>
/// What an emulator library is built from: source files by the path their <c>#include</c>s use
/// (kernel files at the top, the emulation files under <c>emulation/</c>), the kernel files the
/// launcher includes, and the kernels its table lists.
/// </summary>
internal sealed record EmulatorSources(
    IReadOnlyDictionary<string, string> Files, IReadOnlyList<string> KernelFiles, IReadOnlyList<EmulatedKernel> Kernels)
{
    /// <summary>The backend's kernels, as <see cref="KernelCatalog"/> lists them.</summary>
    public static EmulatorSources FromCatalog()
    {
        var paths = KernelCatalog.Files.Select(f => f.Name).Concat(KernelCatalog.Headers).Concat(KernelCatalog.EmulationSources);
        var kernels = KernelCatalog.Files.SelectMany(f => f.Kernels)
            .Select(k => new EmulatedKernel(KernelCatalog.EntryName(k), KernelCatalog.Synchronizing.Contains(k)))
            .ToList();
        return new EmulatorSources(paths.ToDictionary(p => p, KernelCatalog.Read), KernelCatalog.Files.Select(f => f.Name).ToList(), kernels);
    }

    /// <summary><c>#include "relu.cu"</c> … for every kernel file.</summary>
    public string KernelSourcesInclude() => string.Concat(KernelFiles.Select(f => $"#include \"{f}\"\n"));

    /// <summary><c>ALEXNET_KERNEL(relu_forward, false)</c> … for every kernel.</summary>
    public string KernelTableInclude() =>
        string.Concat(Kernels.Select(k => $"ALEXNET_KERNEL({k.Name}, {(k.Synchronizes ? "true" : "false")})\n"));
}

/// <summary>How the emulator library is compiled and where it is cached.</summary>
internal sealed record EmulatorBuildOptions(string Compiler, string CacheRoot, bool Debug)
{
    /// <summary>
    /// From the environment: <c>CXX</c> (default <c>g++</c>); <c>ALEXNET_CUDA_EMULATOR_CACHE</c>
    /// (default <c>$XDG_CACHE_HOME/alexnet/cuda-emulator</c> or <c>~/.cache/alexnet/cuda-emulator</c>);
    /// <c>ALEXNET_CUDA_EMULATOR_DEBUG=1</c> for an unoptimized build with debug information, to step
    /// through kernels in gdb.
    /// </summary>
    public static EmulatorBuildOptions FromEnvironment()
    {
        string? cache = Environment.GetEnvironmentVariable("ALEXNET_CUDA_EMULATOR_CACHE");
        if (string.IsNullOrWhiteSpace(cache))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrWhiteSpace(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            cache = Path.Combine(root, "alexnet", "cuda-emulator");
        }
        string? compiler = Environment.GetEnvironmentVariable("CXX");
        return new EmulatorBuildOptions(string.IsNullOrWhiteSpace(compiler) ? "g++" : compiler, cache,
            Environment.GetEnvironmentVariable("ALEXNET_CUDA_EMULATOR_DEBUG") == "1");
    }

    /// <summary>
    /// The compiler flags. <c>-ffp-contract=off</c>: every multiply and add rounds on its own, as on
    /// the GPU (NVRTC runs with <c>--fmad=false</c>) and in .NET.
    /// </summary>
    public string[] Flags =>
    [
        "-std=c++20", Debug ? "-O0" : "-O2", Debug ? "-g" : "-g0", "-fPIC", "-shared", "-pthread",
        "-fvisibility=hidden", "-ffp-contract=off", "-Wall", "-Wextra",
    ];
}

/// <summary>
/// The kernels compiled for the CPU: every <c>.cu</c> file included into
/// <c>emulation/launcher.cpp</c> and built by g++ into a shared library on first use, cached by a
/// hash of the sources and flags (a changed kernel builds a new library), and loaded into the
/// process. Its one entry point, <c>launch</c>, runs a kernel from the same argument array
/// <c>cuLaunchKernel</c> receives.
/// </summary>
internal sealed unsafe class EmulatorLibrary
{
    private const string LibraryFile = "libalexnet_kernels.so";
    private const string BuildLogFile = "build.log";

    private static readonly Lazy<EmulatorLibrary> Backend = new(() => Build(EmulatorSources.FromCatalog(), EmulatorBuildOptions.FromEnvironment()));

    private readonly delegate* unmanaged<byte*, uint*, uint*, uint, void**, int> _launch;
    private readonly delegate* unmanaged<byte*, byte*> _signature;
    private readonly delegate* unmanaged<byte*> _lastError;
    private readonly Dictionary<string, nint> _names = [];
    private readonly Lock _namesGate = new();

    private EmulatorLibrary(string path, string buildLog)
    {
        Path = path;
        BuildLog = buildLog;
        nint handle = NativeLibrary.Load(path);
        _launch = (delegate* unmanaged<byte*, uint*, uint*, uint, void**, int>)NativeLibrary.GetExport(handle, "launch");
        _signature = (delegate* unmanaged<byte*, byte*>)NativeLibrary.GetExport(handle, "kernel_signature");
        _lastError = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(handle, "last_error");
    }

    /// <summary>The library of the backend's own kernels, built (or found in the cache) once per process.</summary>
    public static EmulatorLibrary ForBackend => Backend.Value;

    /// <summary>Where the library file is.</summary>
    public string Path { get; }

    /// <summary>What the compiler printed when it built this library (warnings); empty for a clean build.</summary>
    public string BuildLog { get; }

    /// <summary>Builds the library for <paramref name="sources"/> unless the cache has it, and loads it.</summary>
    public static EmulatorLibrary Build(EmulatorSources sources, EmulatorBuildOptions options)
    {
        string folder = System.IO.Path.Combine(options.CacheRoot, Hash(sources, options));
        string library = System.IO.Path.Combine(folder, LibraryFile);
        if (!File.Exists(library))
        {
            Compile(sources, options, folder);
        }
        string log = System.IO.Path.Combine(folder, BuildLogFile);
        return new EmulatorLibrary(library, File.Exists(log) ? File.ReadAllText(log) : "");
    }

    /// <summary>A kernel's parameter kinds, one letter each (<see cref="ArgumentKind"/>), or null when the library has no such kernel.</summary>
    public string? Signature(string kernel) =>
        Marshal.PtrToStringUTF8((nint)_signature((byte*)Name(kernel)));

    /// <summary>Runs a kernel to completion; <paramref name="arguments"/>[i] points at the i-th argument's value.</summary>
    public void Launch(string kernel, Dim3 grid, Dim3 block, void** arguments)
    {
        uint* gridSize = stackalloc uint[] { grid.X, grid.Y, grid.Z };
        uint* blockSize = stackalloc uint[] { block.X, block.Y, block.Z };
        int status = _launch((byte*)Name(kernel), gridSize, blockSize, 0, arguments);
        if (status != 0)
        {
            string why = Marshal.PtrToStringUTF8((nint)_lastError()) ?? "";
            throw new CudaException("launch", "EMULATOR_LAUNCH_FAILED", why, status, $"(kernel {kernel}, grid {grid}, block {block})");
        }
    }

    // Kernel names as null-terminated UTF-8, made once and kept for the life of the process.
    private nint Name(string kernel)
    {
        lock (_namesGate)
        {
            if (!_names.TryGetValue(kernel, out nint name))
            {
                name = Marshal.StringToCoTaskMemUTF8(kernel);
                _names[kernel] = name;
            }
            return name;
        }
    }

    private static string Hash(EmulatorSources sources, EmulatorBuildOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(options.Compiler).AppendLine(string.Join(' ', options.Flags));
        foreach (var (path, content) in sources.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append(path).Append('\0').Append(content).Append('\0');
        }
        text.Append(sources.KernelSourcesInclude()).Append(sources.KernelTableInclude());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    // Builds into a private staging folder and renames it into place, so processes building the same
    // library at once never see a half-written one.
    private static void Compile(EmulatorSources sources, EmulatorBuildOptions options, string folder)
    {
        string staging = $"{folder}.staging-{Environment.ProcessId}-{Guid.NewGuid():N}";
        string source = System.IO.Path.Combine(staging, "src");
        try
        {
            foreach (var (path, content) in sources.Files)
            {
                string file = System.IO.Path.Combine(source, path);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
                File.WriteAllText(file, content);
            }
            Directory.CreateDirectory(System.IO.Path.Combine(source, "emulation"));
            File.WriteAllText(System.IO.Path.Combine(source, "emulation", "kernel_sources.inc"), sources.KernelSourcesInclude());
            File.WriteAllText(System.IO.Path.Combine(source, "emulation", "kernel_table.inc"), sources.KernelTableInclude());

            var start = new ProcessStartInfo(options.Compiler)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = staging,
            };
            foreach (string flag in options.Flags)
            {
                start.ArgumentList.Add(flag);
            }
            // Debug information names the sources where they will be after the rename, so gdb finds them.
            foreach (string argument in new[] { $"-fdebug-prefix-map={staging}={folder}", "-I", "src", "src/emulation/launcher.cpp", "-o", LibraryFile })
            {
                start.ArgumentList.Add(argument);
            }
            string command = $"{options.Compiler} {string.Join(' ', start.ArgumentList)}";
            string output = Run(start, command);
            File.WriteAllText(System.IO.Path.Combine(staging, BuildLogFile), output);
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (File.Exists(System.IO.Path.Combine(folder, LibraryFile)))
            {
                // Another process finished the same build first; use its library.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static string Run(ProcessStartInfo start, string command)
    {
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw CudaAvailability.Unavailable(
                $"the CUDA kernel emulator needs a C++20 compiler, and {start.FileName} could not be run; install g++ or set CXX to one",
                suggestEmulator: false);
        }
        using (process)
        {
            var standardOutput = process.StandardOutput.ReadToEndAsync();
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            string output = (standardOutput.Result + errors).Trim();
            if (process.ExitCode != 0)
            {
                throw new KernelCompileException(start.FileName, "emulation/launcher.cpp with every kernel file", command, output);
            }
            return output;
        }
    }
}
