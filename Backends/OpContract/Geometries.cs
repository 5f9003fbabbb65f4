namespace AlexNet.Backends;

// The sizes of one call of an op, as OpContract derives them from the tensors (and the tests build
// them for generated cases): what the reference's loops run over and the fast backends plan with.

/// <summary>
/// A convolution's sizes: input [N, C, H, W], weights [O, C/Groups, KH, KW], stride, padding, groups.
/// Output sizes follow (W − F + 2P)/S + 1.
/// </summary>
public sealed record ConvolutionShape(int N, int C, int H, int W, int O, int KH, int KW, int Stride, int Padding, int Groups)
{
    public int OH => ((H - KH + (2 * Padding)) / Stride) + 1;

    public int OW => ((W - KW + (2 * Padding)) / Stride) + 1;

    public int ChannelsPerGroup => C / Groups;

    public int FiltersPerGroup => O / Groups;

    public int XLength => N * C * H * W;

    public int WeightLength => O * ChannelsPerGroup * KH * KW;

    public int YLength => N * O * OH * OW;

    public int ColumnsLength => N * C * KH * KW * OH * OW;
}

/// <summary>A max-pooling problem: input [N, C, H, W] and a square window of size Kernel, moved by Stride, over Padding.</summary>
public sealed record PoolingShape(int N, int C, int H, int W, int Kernel, int Stride, int Padding)
{
    public int OH => ((H - Kernel + (2 * Padding)) / Stride) + 1;

    public int OW => ((W - Kernel + (2 * Padding)) / Stride) + 1;

    public int XLength => N * C * H * W;

    public int YLength => N * C * OH * OW;
}

/// <summary>Local response normalization over an input [N, C, H, W], in the paper's convention (α not divided by the size).</summary>
public sealed record LrnShape(int N, int C, int H, int W, int Size, double Alpha, double Beta, double K)
{
    public int Length => N * C * H * W;
}
