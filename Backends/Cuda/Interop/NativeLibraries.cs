using System.Reflection;
using System.Runtime.InteropServices;

namespace AlexNet.Backends.Cuda.Interop;

/// <summary>
/// Finds and loads the three CUDA libraries the backend calls: the driver (<c>libcuda.so.1</c>,
/// installed with the NVIDIA driver), cuBLAS and NVRTC (both from a CUDA toolkit, 13, 12 or 11).
/// The <c>[LibraryImport]</c> declarations name them by the logical names below; a resolver
/// registered for this assembly maps each to the file found here.
/// <para>
/// Search order, first hit wins: the folders in <c>ALEXNET_CUDA_LIBRARY_PATH</c>,
/// <c>CUDA_PATH/lib64</c>, <c>CUDA_HOME/lib64</c> and <c>LD_LIBRARY_PATH</c>; then the usual CUDA
/// and system folders; then the bare file name, which asks the system loader (ld.so.cache). In each
/// folder the newest major version is tried first — but, once the driver is known, none newer than
/// the CUDA version it supports (a CUDA 13 cuBLAS or NVRTC does not run on a CUDA 12 driver, while
/// an older toolkit elsewhere on the machine would). NVRTC opens its builtins library
/// (<c>libnvrtc-builtins.so.X.Y</c>) by bare name, and cuBLAS needs cuBLASLt; both are loaded first
/// from the same folder, so a toolkit outside the loader's path still works.
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

    /// <summary>One library: its file names (newest first) and the companion loaded before it from the same folder.</summary>
    public sealed record Spec(string LogicalName, string Description, string[] FileNames, Func<string, string?> CompanionPattern);

    /// <summary>A library that was loaded: where from, and the companion loaded with it.</summary>
    public sealed record Loaded(string LogicalName, nint Handle, string Path, string? CompanionPath)
    {
        /// <summary>The CUDA major version in the file name (12 for <c>libcublas.so.12</c>), or 0 for unversioned names.</summary>
        public int Major => MajorOf(Path);
    }

    public static readonly Spec DriverSpec = new(Driver, "the NVIDIA driver's CUDA library",
        ["libcuda.so.1", "libcuda.so"], _ => null);

    public static readonly Spec BlasSpec = new(Blas, "cuBLAS",
        ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"],
        file => "libcublasLt.so." + file["libcublas.so.".Length..]);

    public static readonly Spec RtcSpec = new(Rtc, "NVRTC (the CUDA runtime compiler)",
        ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"],
        file => "libnvrtc-builtins.so." + file["libnvrtc.so.".Length..].Split('.')[0] + ".*");

    private static readonly string[] WellKnownFolders =
    [
        "/usr/local/cuda/lib64",
        "/usr/local/cuda/targets/x86_64-linux/lib",
        "/usr/local/nvidia/lib64",
        "/usr/lib/wsl/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/x86_64-linux-gnu",
        "/usr/lib64",
        "/lib64",
    ];

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
            if (!OperatingSystem.IsLinux())
            {
                throw new DllNotFoundException($"{spec.Description}: the CUDA backend loads its libraries on Linux only.");
            }
            var tried = new List<string>();
            foreach (var candidate in Candidates(spec, SearchFolders(Environment.GetEnvironmentVariable), File.Exists, maxMajor))
            {
                string? companion = candidate.Contains('/') ? FindCompanion(spec, candidate) : null;
                if (companion is not null && !NativeLibrary.TryLoad(companion, out _))
                {
                    tried.Add($"{candidate} (its companion {companion} did not load)");
                    continue;
                }
                if (NativeLibrary.TryLoad(candidate, out nint handle))
                {
                    loaded = new Loaded(spec.LogicalName, handle, candidate, companion);
                    LoadedLibraries[spec.LogicalName] = loaded;
                    return loaded;
                }
                tried.Add(candidate);
            }
            throw new DllNotFoundException($"{spec.Description} was not found; tried {string.Join(", ", tried)}.");
        }
    }

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

    /// <summary>The folders searched, in order, given the environment (a function so tests can supply one).</summary>
    public static IReadOnlyList<string> SearchFolders(Func<string, string?> environment)
    {
        var folders = new List<string>();
        void AddList(string? list)
        {
            foreach (var folder in (list ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                folders.Add(folder);
            }
        }
        AddList(environment("ALEXNET_CUDA_LIBRARY_PATH"));
        foreach (var root in new[] { environment("CUDA_PATH"), environment("CUDA_HOME") })
        {
            if (!string.IsNullOrWhiteSpace(root))
            {
                folders.Add(Path.Combine(root.Trim(), "lib64"));
            }
        }
        AddList(environment("LD_LIBRARY_PATH"));
        folders.AddRange(WellKnownFolders);
        return folders.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Every path to try for <paramref name="spec"/>: each existing file in each folder (newest name
    /// first within a folder), then the bare names for the system loader; none of a CUDA major
    /// version above <paramref name="maxMajor"/> when it is given.
    /// </summary>
    public static IEnumerable<string> Candidates(Spec spec, IReadOnlyList<string> folders, Func<string, bool> fileExists, int? maxMajor = null)
    {
        var names = spec.FileNames.Where(name => maxMajor is not int limit || MajorOf(name) <= limit).ToArray();
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

    /// <summary>The CUDA major version a toolkit library's file name carries (<c>libnvrtc.so.11.2</c>: 11), 0 for the driver's.</summary>
    public static int MajorOf(string path) =>
        Path.GetFileName(path) is var name && !name.StartsWith("libcuda.", StringComparison.Ordinal) ? VersionOf(name).Major : 0;

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
