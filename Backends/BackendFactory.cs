using AlexNet.Backends.Cpu;
using AlexNet.Backends.Cuda;
using AlexNet.Backends.Reference;

namespace AlexNet.Backends;

/// <summary>
/// Maps a backend's name, as given on the command line (<c>--backend cpu</c>), to a new instance.
/// The one place that knows every backend: layers and the app receive an <see cref="IBackend"/> and
/// never choose one themselves, and there is no global "current backend".
/// </summary>
public static class BackendFactory
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cpu", "reference", "cuda", "cuda-emulated"];

    /// <summary>Creates the backend called <paramref name="name"/> (case-insensitive). The caller disposes it.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    /// <exception cref="CudaUnavailableException">
    /// <c>cuda</c> without a usable GPU (no driver, no device, a driver too old, no NVRTC or cuBLAS), or
    /// <c>cuda-emulated</c> without a C++ compiler; the message is one line saying which.
    /// </exception>
    public static IBackend Create(string name, BackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= new BackendOptions();
        return name.Trim().ToLowerInvariant() switch
        {
            "cpu" => new CpuBackend(new CpuBackendOptions { Threads = options.Threads, GemmBlocking = options.GemmBlocking }),
            // The readable maths of every op: plain loops, one thread; slow, for reading and stepping through.
            "reference" => new ReferenceBackend(),
            "cuda" => CudaBackend.Create(precision: options.Precision),
            // The CUDA backend's own code and kernels, run on the CPU: slow, for tests and for stepping through kernels.
            "cuda-emulated" => CudaBackend.CreateEmulated(),
            _ => throw new ArgumentException($"Unknown backend '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}

/// <summary>
/// Settings the app may pass to any backend; each ignores what does not apply to it. What only the
/// CPU backend understands (its GEMM kernel, Winograd) is in <see cref="CpuBackendOptions"/>.
/// </summary>
public sealed record BackendOptions
{
    /// <summary>CPU worker threads of the cpu backend; 0 (the default) means one per logical processor.</summary>
    public int Threads { get; init; }

    /// <summary>The arithmetic of matrix products; <see cref="MatrixPrecision.Tf32"/> only the cuda backend has.</summary>
    public MatrixPrecision Precision { get; init; } = MatrixPrecision.Fp32;

    /// <summary>The cpu backend's GEMM cache blocks; null (the default) derives them from the processor's caches.</summary>
    public GemmBlocking? GemmBlocking { get; init; }
}
