using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// The tools the CUDA tests need on a machine without a GPU. Where CI promises a tool
/// (<c>ALEXNET_CI=1</c>: <c>.ci/run</c> installs NVRTC and g++), its absence fails the test;
/// elsewhere the test is skipped with the reason.
/// </summary>
internal static class CudaTools
{
    public static bool InCi => Environment.GetEnvironmentVariable("ALEXNET_CI") == "1";

    /// <summary>
    /// <c>ALEXNET_REQUIRE_GPU=1</c> (set by <c>Backends/Cuda/gpu-check.sh</c> on a GPU machine): the
    /// real CUDA backend must run, so its tests fail instead of skipping when it cannot.
    /// </summary>
    public static bool GpuRequired => Environment.GetEnvironmentVariable("ALEXNET_REQUIRE_GPU") == "1";

    /// <summary>Fails (<see cref="GpuRequired"/>) or skips (elsewhere) unless a usable GPU is present.</summary>
    public static void RequireGpu()
    {
        if (GpuUnavailableReason() is { } reason)
        {
            if (GpuRequired)
            {
                Assert.Fail($"ALEXNET_REQUIRE_GPU=1, but no usable GPU: {reason}");
            }
            Assert.Skip($"No usable GPU: {reason}");
        }
    }

    /// <summary>Fails (CI) or skips (elsewhere) unless NVRTC loads.</summary>
    public static void RequireNvrtc()
    {
        if (!NativeLibraries.TryLoad(NativeLibraries.RtcSpec, out _, out string? error))
        {
            Require(false, $"NVRTC is not installed ({error})");
        }
    }

    /// <summary>
    /// The emulator library of the backend's kernels (built with g++ once per process, cached on disk);
    /// fails (CI) or skips (elsewhere) when it cannot be built for want of a compiler.
    /// </summary>
    public static EmulatorLibrary RequireEmulator()
    {
        try
        {
            return EmulatorLibrary.ForBackend;
        }
        catch (CudaUnavailableException error)
        {
            Require(false, error.Message);
            throw;
        }
    }

    /// <summary>Why the emulated backend cannot run here (null when it can): no C++ compiler to build it.</summary>
    public static string? EmulatorUnavailableReason()
    {
        try
        {
            _ = EmulatorLibrary.ForBackend;
            return null;
        }
        catch (CudaUnavailableException error)
        {
            return error.Message;
        }
    }

    /// <summary>Why the real CUDA backend cannot run here (null when a usable GPU is present), decided once per process.</summary>
    public static string? GpuUnavailableReason() => GpuProbe.Value;

    private static readonly Lazy<string?> GpuProbe = new(() =>
    {
        try
        {
            CudaBackend.Create().Dispose();
            return null;
        }
        catch (CudaUnavailableException error)
        {
            return error.Message;
        }
    });

    /// <summary>
    /// A fresh CUDA backend on an emulated device whose stream is deferred, as asynchronous as a
    /// GPU's (cheap: the library is shared).
    /// </summary>
    public static CudaBackend EmulatedBackend(long memoryLimit = long.MaxValue, bool synchronizeEachLaunch = false, EmulatorMode mode = EmulatorMode.Deferred) =>
        new(new EmulatedDevice(RequireEmulator(), memoryLimit, mode, synchronizeEachLaunch));

    /// <summary>Fails under ALEXNET_CI=1, skips otherwise, when <paramref name="available"/> is false.</summary>
    public static void Require(bool available, string reason)
    {
        if (available)
        {
            return;
        }
        if (InCi)
        {
            Assert.Fail($"ALEXNET_CI=1 promises this tool, but {reason}.");
        }
        Assert.Skip(reason);
    }
}
