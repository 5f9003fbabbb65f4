using System.Reflection;
using System.Runtime.InteropServices;

namespace AlexNet.Backends.Cuda.Interop;

/// <summary>
/// Finds and loads the three CUDA libraries the backend calls: the driver (<c>libcuda.so.1</c> /
/// <c>nvcuda.dll</c>, installed with the NVIDIA driver), cuBLAS and NVRTC (both from a CUDA toolkit,
/// 13, 12 or 11, or from the <c>nvidia-*</c> Python wheels PyTorch installs). The
/// <c>[LibraryImport]</c> declarations name them by the logical names below; a resolver registered
/// for this assembly maps each to the file found here.
/// <para>
/// Search order, first hit wins (<see cref="SearchFolders"/>): the folders in
/// <c>ALEXNET_CUDA_LIBRARY_PATH</c>, <c>CUDA_PATH</c> and <c>CUDA_HOME</c>, the loader's path; the
/// active virtual environment's, conda's and the user's Python site-packages (where pip puts
/// <c>nvidia/cublas/lib</c>, <c>nvidia/cuda_nvrtc/lib</c> and CUDA 13's <c>nvidia/cu13/lib</c>); the
/// usual CUDA and system folders of this machine's architecture (x86-64 or aarch64) and the system's
/// site-packages; then the bare file name, which asks the system loader. In each folder the newest
/// major version is tried first — but, once the driver is known, none newer than the CUDA version
/// it supports (a CUDA 13 cuBLAS or NVRTC does not run on a CUDA 12 driver, while an older toolkit
/// elsewhere on the machine would). NVRTC opens its builtins library by bare name, and cuBLAS needs
/// cuBLASLt; both are loaded first from the same folder, so a toolkit outside the loader's path
/// still works. NVRTC itself is chosen by <see cref="NvrtcChoice"/>, which can pass over one that
/// cannot compile for the GPU.
/// </para>
/// </summary>
internal static class NativeLibraries
{
    /// <summary>Logical name of the CUDA driver API library.</summary>
    public const string Driver = "cuda";

    /// <summary>Logical name of cuBLAS.</summary>
    public const string Blas = "cublas";

    /// <summary>Logical name of NVRTC, the runtime compiler.</summary>
    public const string Rtc = "nvrtc";

    /// <summary>
    /// One library: its file names on Linux and on Windows (newest first), and the pattern of the
    /// companion loaded before it from the same folder.
    /// </summary>
    public sealed record Spec(string LogicalName, string Description, string[] LinuxNames, string[] WindowsNames, Func<string, string?> CompanionPattern)
    {
        public string[] FileNames(LibraryPlatform platform) => platform.Windows ? WindowsNames : LinuxNames;
    }

    /// <summary>A library that was loaded: where from, and the companion loaded with it.</summary>
    public sealed record Loaded(string LogicalName, nint Handle, string Path, string? CompanionPath)
    {
        /// <summary>The CUDA major version in the file name (12 for <c>libcublas.so.12</c>), or 0 for the driver.</summary>
        public int Major => MajorOf(Path);
    }

    public static readonly Spec DriverSpec = new(Driver, "the NVIDIA driver's CUDA library",
        ["libcuda.so.1", "libcuda.so"], ["nvcuda.dll"], _ => null);

    public static readonly Spec BlasSpec = new(Blas, "cuBLAS",
        ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"],
        ["cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"],
        file => file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? "cublasLt64_" + file["cublas64_".Length..]
            : "libcublasLt.so." + file["libcublas.so.".Length..]);

    public static readonly Spec RtcSpec = new(Rtc, "NVRTC (the CUDA runtime compiler)",
        ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"],
        ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"],
        file => file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? $"nvrtc-builtins64_{MajorOf(file)}*.dll"
            : "libnvrtc-builtins.so." + file["libnvrtc.so.".Length..].Split('.')[0] + ".*");

    /// <summary>The libraries in the order the backend needs them.</summary>
    public static readonly IReadOnlyList<Spec> All = [DriverSpec, BlasSpec, RtcSpec];

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Loaded> LoadedLibraries = [];
    private static bool _resolverRegistered;

    /// <summary>Registers the resolver for this assembly's <c>[LibraryImport]</c>s; safe to call any number of times.</summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (!_resolverRegistered)
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
                _resolverRegistered = true;
            }
        }
    }

    /// <summary>
    /// Loads <paramref name="spec"/>'s library (once per process) or throws <see cref="DllNotFoundException"/>
    /// listing every place tried; with <paramref name="maxMajor"/>, skips files of a newer CUDA major version.
    /// </summary>
    public static Loaded Load(Spec spec, int? maxMajor = null)
    {
        lock (Gate)
        {
            if (LoadedLibraries.TryGetValue(spec.LogicalName, out var loaded))
            {
                return loaded;
            }
            var tried = new List<string>();
            foreach (var candidate in Candidates(spec, LibraryPlatform.Current, CurrentFolders(), File.Exists, maxMajor))
            {
                if (TryOpen(spec, candidate, out loaded, out string? failure))
                {
                    LoadedLibraries[spec.LogicalName] = loaded!;
                    return loaded!;
                }
                tried.Add(failure!);
            }
            throw new DllNotFoundException($"{spec.Description} was not found; tried {string.Join(", ", tried)}.");
        }
    }

    /// <summary>
    /// Makes <paramref name="candidate"/> (opened by <see cref="TryOpen"/>) the library the
    /// <c>[LibraryImport]</c>s of <paramref name="spec"/> call; returns the one loaded already, if any.
    /// </summary>
    public static Loaded Adopt(Spec spec, Loaded candidate)
    {
        lock (Gate)
        {
            return LoadedLibraries.TryAdd(spec.LogicalName, candidate) ? candidate : LoadedLibraries[spec.LogicalName];
        }
    }

    /// <summary>The library <paramref name="spec"/> names, if this process loaded it already.</summary>
    public static Loaded? AlreadyLoaded(Spec spec)
    {
        lock (Gate)
        {
            return LoadedLibraries.GetValueOrDefault(spec.LogicalName);
        }
    }

    /// <summary>Loads one candidate file (its companion first), without making it the one the imports call.</summary>
    public static bool TryOpen(Spec spec, string candidate, out Loaded? loaded, out string? failure)
    {
        loaded = null;
        string? companion = Path.IsPathRooted(candidate) ? FindCompanion(spec, candidate) : null;
        if (companion is not null && !NativeLibrary.TryLoad(companion, out _))
        {
            failure = $"{candidate} (its companion {companion} did not load)";
            return false;
        }
        if (!NativeLibrary.TryLoad(candidate, out nint handle))
        {
            failure = candidate;
            return false;
        }
        loaded = new Loaded(spec.LogicalName, handle, candidate, companion);
        failure = null;
        return true;
    }

    /// <summary>This process's search folders.</summary>
    public static IReadOnlyList<string> CurrentFolders() =>
        [.. SearchFolders(Environment.GetEnvironmentVariable, LibraryPlatform.Current).Select(f => f.Path)];

    /// <summary>True when the library loads; never throws.</summary>
    public static bool TryLoad(Spec spec, out Loaded? loaded, out string? error, int? maxMajor = null)
    {
        try
        {
            loaded = Load(spec, maxMajor);
            error = null;
            return true;
        }
        catch (DllNotFoundException e)
        {
            loaded = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// The folders searched, in order, each with where it came from (for <c>alexnet cuda-info</c>),
    /// given the environment and the platform (parameters, so tests can supply fake ones). Folders
    /// under Python site-packages are listed only where they exist; the rest whether or not.
    /// </summary>
    public static IReadOnlyList<SearchFolder> SearchFolders(Func<string, string?> environment, LibraryPlatform platform)
    {
        var folders = new List<SearchFolder>();
        char separator = platform.Windows ? ';' : ':';
        string? Variable(string name) => environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        void AddList(string variable)
        {
            foreach (var folder in (Variable(variable) ?? "").Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                folders.Add(new SearchFolder(folder, variable));
            }
        }
        AddList("ALEXNET_CUDA_LIBRARY_PATH");
        foreach (var variable in new[] { "CUDA_PATH", "CUDA_HOME" })
        {
            if (Variable(variable) is { } root)
            {
                folders.Add(new SearchFolder(Path.Combine(root, platform.Windows ? "bin" : "lib64"), variable));
                if (!platform.Windows)
                {
                    folders.Add(new SearchFolder(Path.Combine(root, "targets", platform.CudaTarget, "lib"), variable));
                }
            }
        }
        AddList(platform.Windows ? "PATH" : "LD_LIBRARY_PATH");
        if (Variable("VIRTUAL_ENV") is { } venv)
        {
            AddWheels(folders, platform, SitePackages(venv, platform), "the active virtual environment (VIRTUAL_ENV)");
        }
        if (Variable("CONDA_PREFIX") is { } conda)
        {
            // conda's cuda-nvrtc and libcublas packages put the libraries in the environment itself.
            folders.Add(new SearchFolder(platform.Windows ? Path.Combine(conda, "Library", "bin") : Path.Combine(conda, "lib"), "the conda environment (CONDA_PREFIX)"));
            AddWheels(folders, platform, SitePackages(conda, platform), "the conda environment's site-packages");
        }
        if (Variable(platform.Windows ? "APPDATA" : "HOME") is { } userRoot)
        {
            var userSites = platform.Windows
                ? Glob(Path.Combine(userRoot, "Python"), "Python3*").Select(p => Path.Combine(p, "site-packages"))
                : Glob(Path.Combine(userRoot, ".local", "lib"), "python3*").Select(p => Path.Combine(p, "site-packages"));
            AddWheels(folders, platform, userSites, "the user's site-packages (pip install --user)");
        }
        foreach (var folder in platform.SystemFolders)
        {
            folders.Add(new SearchFolder(folder, "the usual places"));
        }
        AddWheels(folders, platform, platform.SystemSitePackages.SelectMany(pattern => Glob(Path.GetDirectoryName(pattern)!, Path.GetFileName(pattern))),
            "the system's Python packages");
        return folders.DistinctBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    // The wheels' library folders: nvidia-cublas-cu12 → nvidia/cublas/lib, nvidia-cuda-nvrtc-cu12 →
    // nvidia/cuda_nvrtc/lib, CUDA 13's single nvidia/cu13/lib; on Windows their bin folders.
    private static void AddWheels(List<SearchFolder> folders, LibraryPlatform platform, IEnumerable<string> sitePackages, string source)
    {
        string leaf = platform.Windows ? "bin" : "lib";
        foreach (var site in sitePackages)
        {
            foreach (var package in new[] { "cu13", "cublas", "cuda_nvrtc" })
            {
                string folder = Path.Combine(site, "nvidia", package, leaf);
                if (Directory.Exists(folder))
                {
                    folders.Add(new SearchFolder(folder, source));
                }
            }
        }
    }

    private static IEnumerable<string> SitePackages(string prefix, LibraryPlatform platform) => platform.Windows
        ? [Path.Combine(prefix, "Lib", "site-packages")]
        : Glob(Path.Combine(prefix, "lib"), "python3*").Select(p => Path.Combine(p, "site-packages"));

    private static IEnumerable<string> Glob(string folder, string pattern) =>
        Directory.Exists(folder) ? Directory.EnumerateDirectories(folder, pattern).Order(StringComparer.Ordinal) : [];

    /// <summary>
    /// Every path to try for <paramref name="spec"/>: each existing file in each folder (newest name
    /// first within a folder), then the bare names for the system loader; none of a CUDA major
    /// version above <paramref name="maxMajor"/> when it is given.
    /// </summary>
    public static IEnumerable<string> Candidates(Spec spec, LibraryPlatform platform, IReadOnlyList<string> folders, Func<string, bool> fileExists, int? maxMajor = null)
    {
        var names = spec.FileNames(platform).Where(name => maxMajor is not int limit || MajorOf(name) <= limit).ToArray();
        foreach (var folder in folders)
        {
            foreach (var name in names)
            {
                string path = Path.Combine(folder, name);
                if (fileExists(path))
                {
                    yield return path;
                }
            }
        }
        foreach (var name in names)
        {
            yield return name;
        }
    }

    /// <summary>
    /// The CUDA major version a toolkit library's file name carries (<c>libnvrtc.so.11.2</c>: 11,
    /// <c>cublas64_12.dll</c>: 12, <c>nvrtc64_130_0.dll</c>: 13), 0 for the driver's.
    /// </summary>
    public static int MajorOf(string path)
    {
        string name = Path.GetFileName(path);
        if (name.StartsWith("libcuda.", StringComparison.Ordinal) || name.Equals("nvcuda.dll", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }
        int at = name.IndexOf("64_", StringComparison.Ordinal);
        if (name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && at >= 0)
        {
            // cublas64_12.dll: "12"; nvrtc64_120_0.dll and nvrtc-builtins64_124.dll: "120", "124" (major·10 + minor).
            string digits = new(name[(at + 3)..].TakeWhile(char.IsAsciiDigit).ToArray());
            return digits.Length >= 3 ? int.Parse(digits[..^1], System.Globalization.CultureInfo.InvariantCulture)
                : digits.Length > 0 ? int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        return VersionOf(name).Major;
    }

    /// <summary>The library to load before <paramref name="path"/>, from its folder, or null when it needs none or none is there.</summary>
    public static string? FindCompanion(Spec spec, string path)
    {
        string? pattern = spec.CompanionPattern(Path.GetFileName(path));
        string? folder = Path.GetDirectoryName(path);
        if (pattern is null || folder is null || !Directory.Exists(folder))
        {
            return null;
        }
        return Directory.EnumerateFiles(folder, pattern)
            .OrderByDescending(file => VersionOf(Path.GetFileName(file)))
            .ThenByDescending(file => Path.GetFileName(file), StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>What was loaded, one line per library, for logs and the gpu-check script.</summary>
    public static string Describe()
    {
        lock (Gate)
        {
            return string.Join(Environment.NewLine, LoadedLibraries.Values.Select(l =>
                $"{l.LogicalName}: {l.Path}" + (l.CompanionPath is null ? "" : $" (after {l.CompanionPath})")));
        }
    }

    private static Version VersionOf(string fileName)
    {
        int at = fileName.IndexOf(".so.", StringComparison.Ordinal);
        string text = at >= 0 ? fileName[(at + 4)..] : "";
        if (!text.Contains('.'))
        {
            text += ".0";
        }
        return Version.TryParse(text, out var version) ? version : new Version(0, 0);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        Spec? spec = libraryName switch
        {
            Driver => DriverSpec,
            Blas => BlasSpec,
            Rtc => RtcSpec,
            _ => null,
        };
        // Returning 0 hands an unknown or missing library back to the runtime, whose
        // DllNotFoundException then surfaces at the call; callers load explicitly first for a clearer message.
        return spec is not null && TryLoad(spec, out var loaded, out _) ? loaded!.Handle : 0;
    }
}

/// <summary>A folder the libraries are looked for in, and why (the variable or the kind of install it comes from).</summary>
internal sealed record SearchFolder(string Path, string Source);

/// <summary>
/// What the search depends on besides the environment: Windows or Linux, the CUDA target folder
/// name (<c>x86_64-linux</c>, <c>sbsa-linux</c>), the system's library folders and its Python
/// site-packages patterns. <see cref="Current"/> is this machine; tests make their own.
/// </summary>
internal sealed record LibraryPlatform(bool Windows, string CudaTarget, IReadOnlyList<string> SystemFolders, IReadOnlyList<string> SystemSitePackages)
{
    public static LibraryPlatform Current { get; } = For(OperatingSystem.IsWindows(), RuntimeInformation.ProcessArchitecture == Architecture.Arm64,
        Environment.GetEnvironmentVariable("ProgramFiles"), Environment.GetEnvironmentVariable("SystemRoot"));

    /// <summary>The platform of a Windows or Linux machine, x86-64 or arm64.</summary>
    public static LibraryPlatform For(bool windows, bool arm64, string? programFiles = null, string? systemRoot = null)
    {
        if (windows)
        {
            var toolkits = programFiles is null ? [] : Directory.Exists(Path.Combine(programFiles, "NVIDIA GPU Computing Toolkit", "CUDA"))
                ? Directory.EnumerateDirectories(Path.Combine(programFiles, "NVIDIA GPU Computing Toolkit", "CUDA"), "v*")
                    .OrderDescending(StringComparer.Ordinal).Select(v => Path.Combine(v, "bin")).ToList()
                : new List<string>();
            return new(true, "x64", [.. toolkits, Path.Combine(systemRoot ?? @"C:\Windows", "System32")], []);
        }
        // Debian/Ubuntu multiarch folders; NVIDIA's server arm64 toolkits use sbsa-linux, Jetson's aarch64-linux.
        string multiarch = arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        string[] targets = arm64 ? ["sbsa-linux", "aarch64-linux"] : ["x86_64-linux"];
        return new(false, targets[0],
        [
            "/usr/local/cuda/lib64",
            .. targets.Select(t => $"/usr/local/cuda/targets/{t}/lib"),
            "/usr/local/nvidia/lib64",
            "/usr/lib/wsl/lib",
            $"/usr/lib/{multiarch}",
            $"/lib/{multiarch}",
            $"/usr/lib/{multiarch}/nvidia/current",
            "/usr/lib64",
            "/lib64",
        ],
        ["/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages", "/usr/lib/python3/dist-packages", "/usr/lib/python3*/site-packages"]);
    }
}
