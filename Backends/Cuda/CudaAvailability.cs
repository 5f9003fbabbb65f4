using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda;

/// <summary>
/// Whether this machine can run the CUDA backend, decided before anything else is touched: the
/// driver library loads, <c>cuInit</c> succeeds, the driver is new enough and there is a device.
/// Each way of failing ends in a <see cref="CudaUnavailableException"/> whose message is one line
/// saying which, and what to use instead.
/// </summary>
internal static class CudaAvailability
{
    /// <summary>The oldest driver accepted: CUDA 11.2 (<c>cuDriverGetVersion</c> reports 1000·major + 10·minor).</summary>
    public const int MinimumDriverVersion = 11020;

    /// <summary>Loads and initializes the driver; returns its CUDA version (e.g. 13000) or throws <see cref="CudaUnavailableException"/>.</summary>
    public static int InitializeDriver()
    {
        if (!NativeLibraries.TryLoad(NativeLibraries.DriverSpec, out _, out _))
        {
            throw Unavailable("no NVIDIA driver is installed (libcuda.so.1 could not be loaded)");
        }
        CuResult initialized = Driver.cuInit(0);
        if (initialized != CuResult.Success)
        {
            throw Unavailable(ExplainInitFailure(initialized, Driver.Describe(initialized)));
        }
        Driver.Check(Driver.cuDriverGetVersion(out int version));
        if (version < MinimumDriverVersion)
        {
            throw Unavailable($"the NVIDIA driver supports CUDA {VersionText(version)}, but {VersionText(MinimumDriverVersion)} or newer is needed");
        }
        Driver.Check(Driver.cuDeviceGetCount(out int devices));
        if (devices == 0)
        {
            throw Unavailable("the NVIDIA driver found no CUDA device");
        }
        return version;
    }

    /// <summary>Why <c>cuInit</c> failed, in words.</summary>
    public static string ExplainInitFailure(CuResult result, (string Name, string Text) error) => result switch
    {
        CuResult.NoDevice => $"the NVIDIA driver found no CUDA device (cuInit: {error.Name}; is CUDA_VISIBLE_DEVICES hiding them?)",
        CuResult.StubLibrary =>
            $"the libcuda.so loaded is the CUDA toolkit's stub, not the NVIDIA driver's (cuInit: {error.Name}); " +
            "take the toolkit's lib64/stubs folder out of LD_LIBRARY_PATH and ALEXNET_CUDA_LIBRARY_PATH, or install the NVIDIA driver, which brings the real libcuda.so.1",
        CuResult.DeviceUnavailable =>
            $"the GPU is busy or unavailable to this process (cuInit: {error.Name}: {error.Text}); " +
            "another process may hold it in exclusive-process compute mode (see nvidia-smi's compute mode), or choose another GPU with CUDA_VISIBLE_DEVICES",
        CuResult.SystemDriverMismatch or CuResult.CompatNotSupportedOnDevice =>
            $"the NVIDIA driver is too old or does not match its kernel module (cuInit: {error.Name}: {error.Text})",
        _ => $"the CUDA driver did not initialize (cuInit: {error.Name}: {error.Text})",
    };

    /// <summary>The one-line exception for a reason, suggesting the CPU backend (and the emulator, unless it is the emulator that cannot run).</summary>
    public static CudaUnavailableException Unavailable(string reason, bool suggestEmulator = true) =>
        new($"CUDA backend unavailable: {reason}. Use --backend cpu" +
            (suggestEmulator ? " (or --backend cuda-emulated to run the CUDA kernels on the CPU)." : "."));

    /// <summary>12040 → "12.4".</summary>
    public static string VersionText(int version) => $"{version / 1000}.{version % 1000 / 10}";
}
