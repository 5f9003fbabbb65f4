namespace AlexNet.Backends.Cpu;

/// <summary>The two ways the CPU backend computes a convolution's input gradient.</summary>
internal enum BackwardDataAlgorithm
{
    /// <summary>A convolution of dy with the flipped weights (CpuBackend.BackwardDataAsConvolution.cs): stride 1 only.</summary>
    AsConvolution,

    /// <summary>weightᵀ · dy, then col2im (CpuBackend.BackwardDataThroughColumns.cs): any stride.</summary>
    ThroughColumns,
}

/// <summary>
/// Which algorithm the CPU backend runs for a convolution. The forward and the weight gradient always
/// use implicit GEMM (CpuBackend.ImplicitGemm.cs); only the input gradient has a choice.
/// </summary>
internal static class ConvolutionChooser
{
    /// <summary>
    /// The input gradient as a convolution needs stride 1 (a strided forward is not a convolution
    /// backwards) and padding at most K − 1 (dy is padded by K − 1 − P). It also pays only when the
    /// input map is not much larger than the output map: as a convolution of dy, every input pixel's
    /// window covers padding where the forward's windows did not reach (for a 27×27 map and an
    /// unpadded 11×11 kernel, 60% of the work multiplies zeros), while the columns path does only the
    /// forward's work. The threshold, H·W ≤ 1.5·OH·OW, is where the two measured even on AlexNet's layers
    /// (conv3–5, 3×3 with padding 1, H·W = OH·OW, go as a convolution; conv1, stride 4, through columns).
    /// </summary>
    public static BackwardDataAlgorithm BackwardData(in CpuBackend.ConvolutionGeometry g)
    {
        bool littlePadding = (long)g.H * g.W * 2 <= (long)g.OutputPixels * 3;
        return g.Stride == 1 && g.Padding <= g.KH - 1 && g.Padding <= g.KW - 1 && littlePadding
            ? BackwardDataAlgorithm.AsConvolution
            : BackwardDataAlgorithm.ThroughColumns;
    }
}
