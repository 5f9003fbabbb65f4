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
/// Which algorithm the CPU backend runs for a convolution: Winograd (CpuBackend.Winograd.cs) for the
/// 3×3 stride-1 layers where it pays, else implicit GEMM (CpuBackend.ImplicitGemm.cs) for the forward
/// and the weight gradient and one of two GEMM ways for the input gradient.
/// </summary>
internal static class ConvolutionChooser
{
    /// <summary>
    /// Winograd is used when it saves at least this share of the direct multiplications: its transforms,
    /// and the round trip of the transformed tiles through memory, cost about a third of what
    /// F(2×2, 3×3) saves on AlexNet's 13×13 layers (measured with bench --layers, Docs/performance.md).
    /// </summary>
    private const double WinogradMinimumSaving = 1.5;

    /// <summary>
    /// Filters or channels (per group) below which the transforms, which scale with C + O, outweigh
    /// the products saved, which scale with C·O.
    /// </summary>
    private const int WinogradMinimumChannels = 16;

    /// <summary>
    /// Output pixels (per image) below which Winograd lost or tied: a 6×6, 4×4 or 2×2 map is one to
    /// four tiles, so the chunks' products are too narrow for GEMM's tiles and the transforms weigh more
    /// (keras-blog's conv3–5 on one thread, batch 32: 4×4 forward 14.3 → 19.5 ms, 6×6 input gradient
    /// 20.1 → 31.2 ms, 8×8 input gradient 26.3 → 25.0 ms; Docs/performance.md).
    /// </summary>
    private const int WinogradMinimumPixels = 100;

    /// <summary>
    /// Tiles in the whole batch below which the filters' transform and packing (once per call) and the
    /// narrow products cost more than Winograd saves: on AlexNet's 13×13 layers (2 threads) batch 1 and 4
    /// (16 and 64 tiles of F(4×4)) were 1.3–3× slower than GEMM, batch 16 (256 tiles) faster or even.
    /// </summary>
    private const int WinogradMinimumTiles = 256;

    /// <summary>
    /// The Winograd tile for one direction of a convolution, or null for the GEMM algorithms: the layer
    /// must be 3×3 with stride 1 and padding at most 2 (the input gradient pads dy by 2 − P), and have
    /// enough channels, pixels and images. Of F(2×2, 3×3) and F(4×4, 3×3) the one with fewer products on this map wins —
    /// tiles·t² against 9 per output; a map is cut into whole tiles, so on small maps the edge tiles
    /// waste much of F(4×4)'s advantage (a 2×2 output is one 6×6 tile: 36 products, as many as
    /// direct) — and it must save <see cref="WinogradMinimumSaving"/>× the direct products. The rule
    /// counts arithmetic only, so it holds across processors.
    /// </summary>
    /// <param name="g">the layer</param>
    /// <param name="outputH">rows of what this direction computes: OH for the forward and the weight gradient, H for the input gradient</param>
    /// <param name="outputW">its columns</param>
    public static WinogradTile? Winograd(in CpuBackend.ConvolutionGeometry g, int outputH, int outputW)
    {
        if (g.KH != 3 || g.KW != 3 || g.Stride != 1 || g.Padding > 2
            || Math.Min(g.ChannelsPerGroup, g.FiltersPerGroup) < WinogradMinimumChannels
            || (long)outputH * outputW < WinogradMinimumPixels)
        {
            return null;
        }
        double direct = 9.0 * outputH * outputW;
        WinogradTile? best = null;
        double bestProducts = double.MaxValue;
        foreach (var tile in WinogradTiles)
        {
            double products = (double)((outputH + tile.Outputs - 1) / tile.Outputs) * ((outputW + tile.Outputs - 1) / tile.Outputs) * tile.Size * tile.Size;
            if (products < bestProducts)
            {
                (best, bestProducts) = (tile, products);
            }
        }
        long batchTiles = (long)g.N * (long)(bestProducts / (best!.Size * best.Size));
        return direct >= WinogradMinimumSaving * bestProducts && batchTiles >= WinogradMinimumTiles ? best : null;
    }

    /// <summary>
    /// Output pixels of the whole batch up to which the forward runs as dot products
    /// (CpuBackend.ForwardAsDots.cs) instead of implicit GEMM: keras-blog's conv3–5 at batch 1 (36, 16
    /// and 4 pixels), where GEMM, which packs all the weights first, measured 2–6× slower
    /// (Docs/performance.md, "Few output pixels").
    /// </summary>
    private const int DotsMaximumColumns = 48;

    /// <summary>Whether the forward of <paramref name="g"/> runs as dot products: a few output pixels over the whole batch.</summary>
    public static bool ForwardAsDots(in CpuBackend.ConvolutionGeometry g) => (long)g.N * g.OutputPixels <= DotsMaximumColumns;

    /// <summary>The tiles the chooser may pick, smallest first (so a tie keeps the more accurate one).</summary>
    private static readonly WinogradTile[] WinogradTiles = [WinogradTile.F2, WinogradTile.F4];

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
