using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>The tensor shapes and op parameters of a reference geometry.</summary>
public static class Shapes
{
    public static Shape X(ConvolutionShape s) => new(s.N, s.C, s.H, s.W);

    public static Shape Weight(ConvolutionShape s) => new(s.O, s.ChannelsPerGroup, s.KH, s.KW);

    public static Shape Y(ConvolutionShape s) => new(s.N, s.O, s.OH, s.OW);

    public static Convolution Convolution(ConvolutionShape s) => new(s.Stride, s.Padding, s.Groups);

    public static Shape X(PoolingShape s) => new(s.N, s.C, s.H, s.W);

    public static Shape Y(PoolingShape s) => new(s.N, s.C, s.OH, s.OW);

    public static Pooling Pooling(PoolingShape s) => new(s.Kernel, s.Stride, s.Padding);

    public static Shape X(LrnShape s) => new(s.N, s.C, s.H, s.W);

    public static LocalResponseNorm Lrn(LrnShape s) => new(s.Size, (float)s.Alpha, (float)s.Beta, (float)s.K);
}
