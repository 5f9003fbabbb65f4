namespace AlexNet.Backends.Cpu;

/// <summary>How a <see cref="CpuBackend"/> runs: its thread count, which GEMM micro-kernel and cache blocks it uses, and whether Winograd may be used. Only the CPU backend reads these: the app passes its threads through <see cref="BackendOptions"/>.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>Worker threads for every op; 0 (the default) means one per logical processor.</summary>
    public int Threads { get; init; }

    /// <summary>The GEMM micro-kernel; <see cref="GemmKernel.Auto"/> picks the widest the processor runs natively.</summary>
    public GemmKernel GemmKernel { get; init; } = GemmKernel.Auto;

    /// <summary>
    /// GEMM's cache blocks; null (the default) derives them from this processor's caches
    /// (<see cref="GemmBlocking.ForCaches"/>). The app passes a blocking it measured here, when it has one.
    /// </summary>
    public GemmBlocking? GemmBlocking { get; init; }

    /// <summary>
    /// Winograd's algorithm for the 3×3 stride-1 convolutions where ConvolutionChooser finds it pays (the
    /// default); false computes every convolution with GEMM, as before it existed — to compare the two.
    /// </summary>
    public bool Winograd { get; init; } = true;

    /// <summary>
    /// Dot products for a convolution forward with few output pixels in the batch, where
    /// ConvolutionChooser finds GEMM slower (the default); false runs those with GEMM too — to compare the two.
    /// </summary>
    public bool ConvolutionDots { get; init; } = true;
}

/// <summary>The register-tiled inner loops GEMM can use; all give the same results up to rounding.</summary>
public enum GemmKernel
{
    /// <summary>The widest kernel the processor supports natively.</summary>
    Auto,

    /// <summary>8×32 tiles with 512-bit vectors (AVX-512).</summary>
    Vector512,

    /// <summary>6×16 tiles with 256-bit vectors (AVX2).</summary>
    Vector256,

    /// <summary>4×4 tiles in plain scalar code: portable, and the easiest to read.</summary>
    Scalar,
}
