using System.Runtime.InteropServices;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda;

/// <summary>One NVRTC found on the machine, as probed: where, its version and architectures, or why it could not be read.</summary>
internal sealed record NvrtcCandidate(string Path, NvrtcInfo? Info, string? Failure, NativeLibraries.Loaded? Library = null);

/// <summary>What was decided about one NVRTC for a GPU: the target it would compile to, or why it was passed over.</summary>
internal sealed record NvrtcVerdict(NvrtcCandidate Candidate, KernelTarget? Target, string Reason)
{
    public bool Usable => Target is not null;
}

/// <summary>
/// Chooses the NVRTC the backend compiles with. Machines often hold several (a system toolkit,
/// PyTorch's wheels, conda): each is probed in search order (<see cref="NativeLibraries"/>) and the
/// first that can compile something this GPU's driver loads is taken — so NVRTC 13, which dropped
/// compute capability 7.0, is passed over for an older one on a V100, and NVRTC 12.8 is taken on a
/// 12.4 driver because it makes CUBIN, which needs no newer driver.
/// </summary>
internal static class NvrtcChoice
{
    /// <summary>Whether <paramref name="candidate"/> can serve a GPU of <paramref name="deviceArchitecture"/> (major·10 + minor) on a driver of <paramref name="driverVersion"/> (e.g. 12040).</summary>
    public static NvrtcVerdict Judge(NvrtcCandidate candidate, int deviceArchitecture, int driverVersion)
    {
        if (candidate.Info is not { } info)
        {
            return new(candidate, null, candidate.Failure ?? "could not be read");
        }
        string gpu = $"compute capability {deviceArchitecture / 10}.{deviceArchitecture % 10}";
        string driver = $"the driver's CUDA {CudaAvailability.VersionText(driverVersion)}";
        if (info.Version.Major > driverVersion / 1000)
        {
            return new(candidate, null, $"NVRTC {info.Version} is of a newer major version than {driver}; nothing it makes would load");
        }
        KernelTarget target;
        try
        {
            target = KernelCompiler.ChooseTarget(deviceArchitecture, info);
        }
        catch (CudaUnavailableException)
        {
            int oldest = info.Architectures[0];
            return new(candidate, null, $"NVRTC {info.Version} compiles for compute capability {oldest / 10}.{oldest % 10} and newer, not for this GPU's {gpu.Split(' ')[^1]}");
        }
        if (!target.Cubin && (info.Version.Major * 1000) + (info.Version.Minor * 10) > driverVersion)
        {
            return new(candidate, null, $"NVRTC {info.Version} cannot make machine code for {gpu}, and its PTX is newer than {driver} accepts");
        }
        return new(candidate, target, target.Cubin
            ? $"NVRTC {info.Version} makes machine code (CUBIN) for sm_{target.Architecture}, which the driver loads as it is"
            : $"NVRTC {info.Version} does not know {gpu}; it makes PTX for compute_{target.Architecture}, which the driver compiles for the GPU");
    }

    /// <summary>
    /// Chooses an NVRTC for the GPU and makes it the one the backend calls; throws
    /// <see cref="CudaUnavailableException"/> listing each NVRTC found and why it could not serve.
    /// </summary>
    public static (NvrtcVerdict Chosen, IReadOnlyList<NvrtcVerdict> All) Select(int deviceArchitecture, int driverVersion)
    {
        var verdicts = new List<NvrtcVerdict>();
        if (NativeLibraries.AlreadyLoaded(NativeLibraries.RtcSpec) is { } loaded)
        {
            // Loaded earlier in this process: the imports are bound to it, so it is the only choice.
            verdicts.Add(Judge(new NvrtcCandidate(loaded.Path, KernelCompiler.Info(), null, loaded), deviceArchitecture, driverVersion));
        }
        else
        {
            verdicts.AddRange(Choose(Probe(NativeLibraries.Candidates(NativeLibraries.RtcSpec, LibraryPlatform.Current, NativeLibraries.CurrentFolders(), File.Exists)),
                deviceArchitecture, driverVersion));
            if (verdicts.LastOrDefault() is { Usable: true } usable)
            {
                NativeLibraries.Adopt(NativeLibraries.RtcSpec, usable.Candidate.Library!);
            }
        }
        if (verdicts.LastOrDefault() is { Usable: true } chosen)
        {
            return (chosen, verdicts);
        }
        string found = verdicts.Count == 0 ? "none was found" : string.Join("; ", verdicts.Select(v => $"{v.Candidate.Path}: {v.Reason}"));
        throw CudaAvailability.Unavailable(
            $"no NVRTC (the CUDA runtime compiler, from a CUDA toolkit or the nvidia-cuda-nvrtc wheel) can compile for this GPU ({found}); " +
            "install one that supports it, or set ALEXNET_CUDA_LIBRARY_PATH to its folder");
    }

    /// <summary>The verdicts on <paramref name="candidates"/> in order, up to and including the first usable one (the choice), if any.</summary>
    public static IReadOnlyList<NvrtcVerdict> Choose(IEnumerable<NvrtcCandidate> candidates, int deviceArchitecture, int driverVersion)
    {
        var verdicts = new List<NvrtcVerdict>();
        foreach (var candidate in candidates)
        {
            verdicts.Add(Judge(candidate, deviceArchitecture, driverVersion));
            if (verdicts[^1].Usable)
            {
                break;
            }
        }
        return verdicts;
    }

    /// <summary>Loads each file and reads its version and architectures through its exports (the imports stay unbound until one is adopted).</summary>
    public static IEnumerable<NvrtcCandidate> Probe(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            yield return ProbeOne(path);
        }
    }

    private static unsafe NvrtcCandidate ProbeOne(string path)
    {
        if (!NativeLibraries.TryOpen(NativeLibraries.RtcSpec, path, out var library, out string? failure))
        {
            return new(path, null, $"did not load ({failure})");
        }
        if (!NativeLibrary.TryGetExport(library!.Handle, "nvrtcVersion", out nint version))
        {
            return new(path, null, "exports no nvrtcVersion; not an NVRTC");
        }
        int major, minor;
        if (((delegate* unmanaged<int*, int*, NvrtcResult>)version)(&major, &minor) != NvrtcResult.Success)
        {
            return new(path, null, "nvrtcVersion failed");
        }
        var architectures = new List<int>();
        if (NativeLibrary.TryGetExport(library.Handle, "nvrtcGetNumSupportedArchs", out nint countExport) &&
            NativeLibrary.TryGetExport(library.Handle, "nvrtcGetSupportedArchs", out nint listExport))
        {
            int count;
            if (((delegate* unmanaged<int*, NvrtcResult>)countExport)(&count) == NvrtcResult.Success && count > 0)
            {
                var buffer = new int[count];
                fixed (int* pointer = buffer)
                {
                    if (((delegate* unmanaged<int*, NvrtcResult>)listExport)(pointer) == NvrtcResult.Success)
                    {
                        architectures.AddRange(buffer.Order());
                    }
                }
            }
        }
        return new(path, new NvrtcInfo(new Version(major, minor), architectures), null, library);
    }
}
