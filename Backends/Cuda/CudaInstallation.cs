using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda;

/// <summary>
/// What <c>alexnet cuda-info</c> prints: where the CUDA backend looks for the driver, cuBLAS and
/// NVRTC, what it finds in each place, which it would choose and why — the first thing to read when
/// <c>--backend cuda</c> does not start, or starts with a library one did not expect.
/// </summary>
public static class CudaInstallation
{
    /// <summary>The report, one line per entry, for this process's environment.</summary>
    public static IReadOnlyList<string> Report()
    {
        var platform = LibraryPlatform.Current;
        var lines = new List<string> { "Folders searched, in order (first hit wins; + exists, - does not):" };
        var folders = NativeLibraries.SearchFolders(Environment.GetEnvironmentVariable, platform);
        lines.AddRange(folders.Select(f => $"  {(Directory.Exists(f.Path) ? '+' : '-')} {f.Path}  ({f.Source})"));
        var paths = folders.Select(f => f.Path).ToList();

        lines.Add("");
        int? driverVersion = null, architecture = null;
        try
        {
            driverVersion = CudaAvailability.InitializeDriver();
            lines.Add($"Driver: {NativeLibraries.AlreadyLoaded(NativeLibraries.DriverSpec)?.Path}, CUDA {CudaAvailability.VersionText(driverVersion.Value)}");
            foreach (var (ordinal, name, arch) in Devices())
            {
                architecture ??= arch;
                lines.Add($"  cuda:{ordinal} {name}, compute capability {arch / 10}.{arch % 10}");
            }
        }
        catch (CudaUnavailableException error)
        {
            string where = NativeLibraries.AlreadyLoaded(NativeLibraries.DriverSpec)?.Path is { } path ? $"{path} loaded, but " : "";
            lines.Add($"Driver: {where}unusable: {error.Message}");
        }

        lines.Add("");
        int? maxMajor = driverVersion / 1000;
        var blas = NativeLibraries.Candidates(NativeLibraries.BlasSpec, platform, paths, File.Exists).ToList();
        lines.Add($"cuBLAS: {Found(blas)}");
        string? chosenBlas = null;
        foreach (var candidate in blas)
        {
            string verdict;
            if (maxMajor is int limit && NativeLibraries.MajorOf(candidate) > limit)
            {
                verdict = $"passed over, newer than the driver's CUDA {limit}";
            }
            else if (NativeLibraries.TryOpen(NativeLibraries.BlasSpec, candidate, out var opened, out _))
            {
                chosenBlas ??= candidate;
                verdict = "loads" + (opened!.CompanionPath is null ? "" : $" (after {opened.CompanionPath})");
            }
            else
            {
                verdict = Path.IsPathRooted(candidate) ? "does not load (is cuBLASLt beside it, and of the same version?)" : "the system loader does not find it";
            }
            lines.Add($"  {candidate}: {verdict}");
        }
        lines.Add($"  chosen: {chosenBlas ?? "none"}{(chosenBlas is null ? "" : ", the first that loads in search order")}");

        lines.Add("");
        var nvrtc = NvrtcChoice.Probe(NativeLibraries.Candidates(NativeLibraries.RtcSpec, platform, paths, File.Exists)).ToList();
        lines.Add($"NVRTC: {Found(nvrtc.Select(c => c.Path).ToList())}");
        NvrtcVerdict? chosen = null;
        foreach (var candidate in nvrtc)
        {
            string what = candidate.Info is { } info
                ? $"NVRTC {info.Version}, architectures {(info.Architectures.Count == 0 ? "not listed" : string.Join(' ', info.Architectures))}"
                : candidate.Failure ?? "";
            if (driverVersion is int driver && architecture is int arch)
            {
                var verdict = NvrtcChoice.Judge(candidate, arch, driver);
                chosen ??= verdict.Usable ? verdict : null;
                what += verdict.Usable ? $": usable, {verdict.Reason}" : $": passed over, {verdict.Reason}";
            }
            lines.Add($"  {candidate.Path}: {what}");
        }
        lines.Add(chosen is not null
            ? $"  chosen: {chosen.Candidate.Path}, the first usable in search order; kernels compile to {chosen.Target}"
            : architecture is null ? "  chosen: none (without a GPU there is nothing to compile for)" : "  chosen: none can compile for this GPU");
        return lines;
    }

    private static string Found(IReadOnlyList<string> candidates)
    {
        var files = candidates.Where(Path.IsPathRooted).ToList();
        return files.Count == 0
            ? $"no file in the folders above; the system loader is asked for {string.Join(", ", candidates)}"
            : $"{files.Count} file(s) in the folders above, then the system loader's {string.Join(", ", candidates.Where(c => !Path.IsPathRooted(c)))}";
    }

    private static unsafe IEnumerable<(int Ordinal, string Name, int Architecture)> Devices()
    {
        Driver.Check(Driver.cuDeviceGetCount(out int count));
        var devices = new List<(int, string, int)>();
        byte* name = stackalloc byte[256];
        for (int ordinal = 0; ordinal < count; ordinal++)
        {
            Driver.Check(Driver.cuDeviceGet(out int device, ordinal));
            Driver.Check(Driver.cuDeviceGetName(name, 256, device));
            Driver.Check(Driver.cuDeviceGetAttribute(out int major, DeviceAttribute.ComputeCapabilityMajor, device));
            Driver.Check(Driver.cuDeviceGetAttribute(out int minor, DeviceAttribute.ComputeCapabilityMinor, device));
            devices.Add((ordinal, new string((sbyte*)name), (major * 10) + minor));
        }
        return devices;
    }
}
