namespace AlexNet.Backends.Cpu;

/// <summary>How a <see cref="CpuBackend"/> runs: its thread count, which GEMM micro-kernel it uses and how it convolves.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>Worker threads for every op; 0 (the default) means one per logical processor.</summary>
    public int Threads { get; init; }

    /// <summary>The GEMM micro-kernel; <see cref="GemmKernel.Auto"/> picks the widest the processor runs natively.</summary>
    public GemmKernel GemmKernel { get; init; } = GemmKernel.Auto;

    /// <summary>How convolutions become matrix products; <see cref="ConvolutionAlgorithm.ImplicitGemm"/> is the fast one.</summary>
    public ConvolutionAlgorithm Convolution { get; init; } = ConvolutionAlgorithm.ImplicitGemm;
}

/// <summary>
/// The two ways the CPU backend turns a convolution into GEMMs (cuDNN's names). Both compute the
/// same products; the results agree up to rounding.
/// </summary>
public enum ConvolutionAlgorithm
{
    /// <summary>
    /// The column matrix is never stored: GEMM's packing reads each cache-sized sliver of it straight
    /// from the image through offset tables, the input gradient is a convolution with flipped
    /// weights, and small maps share one product. Fast, and harder to follow.
    /// </summary>
    ImplicitGemm,

    /// <summary>
    /// The textbook way, to read and step through: one image at a time, im2col writes the whole
    /// column matrix, one GEMM per group multiplies it, col2im folds the input gradient back.
    /// </summary>
    Im2Col,
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
