using AlexNet.Tensors;

namespace AlexNet.Backends;

// The rules of the ops that slide a window over an image: im2col/col2im, convolution, max pooling,
// and local response normalization (a window across channels).
public static partial class OpContract
{
    private const string ImageLayout = "[N, C, H, W]";
    private const string WeightLayout = "[O, C/groups, KH, KW]";

    /// <summary>Im2Col: x is [N, C, H, W], the kernel fits, columns is [N, C·KH·KW, OH·OW]. Groups are ignored.</summary>
    public static ConvolutionShape Im2Col(Tensor x, int kernelHeight, int kernelWidth, Convolution convolution, Tensor columns)
    {
        var s = Unfolding(nameof(Im2Col), x, kernelHeight, kernelWidth, convolution);
        ShapeIs(nameof(Im2Col), nameof(columns), columns, new Shape(s.N, s.C * s.KH * s.KW, s.OH * s.OW));
        Distinct(nameof(Im2Col), nameof(columns), columns, nameof(x), x);
        return s;
    }

    /// <summary>Col2Im: the same sizes as <see cref="Im2Col"/>, read the other way.</summary>
    public static ConvolutionShape Col2Im(Tensor columns, int kernelHeight, int kernelWidth, Convolution convolution, Tensor x)
    {
        var s = Unfolding(nameof(Col2Im), x, kernelHeight, kernelWidth, convolution);
        ShapeIs(nameof(Col2Im), nameof(columns), columns, new Shape(s.N, s.C * s.KH * s.KW, s.OH * s.OW));
        Distinct(nameof(Col2Im), nameof(x), x, nameof(columns), columns);
        return s;
    }

    /// <summary>Conv2dForward: x [N, C, H, W], weight [O, C/groups, KH, KW], bias [O] or null, y [N, O, OH, OW].</summary>
    public static ConvolutionShape Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y) =>
        ConvolutionForward(nameof(Conv2dForward), x, weight, bias, convolution, y);

    /// <summary>Conv2dReluForward: as Conv2dForward.</summary>
    public static ConvolutionShape Conv2dReluForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y) =>
        ConvolutionForward(nameof(Conv2dReluForward), x, weight, bias, convolution, y);

    private static ConvolutionShape ConvolutionForward(string op, Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y)
    {
        var s = Convolving(op, x, nameof(x), weight, nameof(weight), convolution);
        if (bias is not null)
        {
            ShapeIs(op, nameof(bias), bias, new Shape(s.O));
        }
        ShapeIs(op, nameof(y), y, new Shape(s.N, s.O, s.OH, s.OW));
        Distinct(op, nameof(y), y, nameof(x), x);
        Distinct(op, nameof(y), y, nameof(weight), weight);
        return s;
    }

    /// <summary>Conv2dBackwardData: dx [N, C, H, W] and weight fix the sizes; dy is [N, O, OH, OW].</summary>
    public static ConvolutionShape Conv2dBackwardData(Tensor dy, Tensor weight, Convolution convolution, Tensor dx)
    {
        const string op = nameof(Conv2dBackwardData);
        var s = Convolving(op, dx, nameof(dx), weight, nameof(weight), convolution);
        ShapeIs(op, nameof(dy), dy, new Shape(s.N, s.O, s.OH, s.OW));
        Distinct(op, nameof(dx), dx, nameof(dy), dy);
        Distinct(op, nameof(dx), dx, nameof(weight), weight);
        return s;
    }

    /// <summary>Conv2dBackwardFilter: x and dWeight fix the sizes; dy is [N, O, OH, OW].</summary>
    public static ConvolutionShape Conv2dBackwardFilter(Tensor x, Tensor dy, Convolution convolution, Tensor dWeight)
    {
        const string op = nameof(Conv2dBackwardFilter);
        var s = Convolving(op, x, nameof(x), dWeight, nameof(dWeight), convolution);
        ShapeIs(op, nameof(dy), dy, new Shape(s.N, s.O, s.OH, s.OW));
        Distinct(op, nameof(dWeight), dWeight, nameof(x), x);
        Distinct(op, nameof(dWeight), dWeight, nameof(dy), dy);
        return s;
    }

    /// <summary>Conv2dBackwardBias: dy is [N, O, OH, OW] and dBias [O]. Returns (N, O, OH·OW).</summary>
    public static (int N, int O, int Pixels) Conv2dBackwardBias(Tensor dy, Tensor dBias)
    {
        const string op = nameof(Conv2dBackwardBias);
        Rank(op, nameof(dy), dy, 4, "[N, O, OH, OW]");
        var s = dy.Shape;
        ShapeIs(op, nameof(dBias), dBias, new Shape(s.C));
        Distinct(op, nameof(dBias), dBias, nameof(dy), dy);
        return (s.N, s.C, s.H * s.W);
    }

    /// <summary>MaxPool2dForward: x [N, C, H, W], a valid window that fits, y [N, C, OH, OW].</summary>
    public static PoolingShape MaxPool2dForward(Tensor x, Pooling pooling, Tensor y)
    {
        const string op = nameof(MaxPool2dForward);
        var s = Pooled(op, x, pooling);
        ShapeIs(op, nameof(y), y, new Shape(s.N, s.C, s.OH, s.OW));
        Distinct(op, nameof(y), y, nameof(x), x);
        return s;
    }

    /// <summary>MaxPool2dBackward: as the forward, with dy [N, C, OH, OW] and dx x's shape.</summary>
    public static PoolingShape MaxPool2dBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx) =>
        PoolingBackward(nameof(MaxPool2dBackward), x, dy, pooling, dx);

    /// <summary>MaxPool2dReluBackward: as MaxPool2dBackward (x is also the ReLU's output).</summary>
    public static PoolingShape MaxPool2dReluBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx) =>
        PoolingBackward(nameof(MaxPool2dReluBackward), x, dy, pooling, dx);

    private static PoolingShape PoolingBackward(string op, Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        var s = Pooled(op, x, pooling);
        ShapeIs(op, nameof(dy), dy, new Shape(s.N, s.C, s.OH, s.OW));
        ShapeIs(op, nameof(dx), dx, x.Shape);
        Distinct(op, nameof(dx), dx, nameof(x), x);
        Distinct(op, nameof(dx), dx, nameof(dy), dy);
        return s;
    }

    /// <summary>LrnForward: valid parameters, x [N, C, H, W] (every backend, images only), y x's shape.</summary>
    public static LrnShape LrnForward(Tensor x, LocalResponseNorm lrn, Tensor y)
    {
        const string op = nameof(LrnForward);
        var s = Normalized(op, x, lrn);
        ShapeIs(op, nameof(y), y, x.Shape);
        Distinct(op, nameof(y), y, nameof(x), x);
        return s;
    }

    /// <summary>LrnBackward: as the forward, with y, dy and dx all of x's shape and dx separate.</summary>
    public static LrnShape LrnBackward(Tensor x, Tensor y, Tensor dy, LocalResponseNorm lrn, Tensor dx)
    {
        const string op = nameof(LrnBackward);
        var s = Normalized(op, x, lrn);
        ShapeIs(op, nameof(y), y, x.Shape);
        ShapeIs(op, nameof(dy), dy, x.Shape);
        ShapeIs(op, nameof(dx), dx, x.Shape);
        Distinct(op, nameof(dx), dx, nameof(x), x);
        Distinct(op, nameof(dx), dx, nameof(y), y);
        Distinct(op, nameof(dx), dx, nameof(dy), dy);
        return s;
    }

    /// <summary>The sizes of a convolution of <paramref name="image"/> by <paramref name="weight"/>, after checking they fit.</summary>
    private static ConvolutionShape Convolving(string op, Tensor image, string imageName, Tensor weight, string weightName, Convolution convolution)
    {
        Sliding(op, convolution);
        Rank(op, imageName, image, 4, ImageLayout);
        Rank(op, weightName, weight, 4, WeightLayout);
        var (x, w) = (image.Shape, weight.Shape);
        int groups = convolution.Groups;
        if (w.C * groups != x.C || w.N % groups != 0)
        {
            throw Wrong(op, weightName, weight, $"[O, {x.C}/{groups}, KH, KW] with O divisible by {groups}, for {imageName} {Named(image)} in {groups} group(s)");
        }
        return Fitted(op, imageName, image, w.N, w.H, w.W, convolution);
    }

    /// <summary>The sizes of im2col/col2im of <paramref name="x"/> with a KH×KW kernel (one group, one filter).</summary>
    private static ConvolutionShape Unfolding(string op, Tensor x, int kernelHeight, int kernelWidth, Convolution convolution)
    {
        if (kernelHeight < 1 || kernelWidth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelHeight), $"{op}: the kernel is {kernelHeight}×{kernelWidth}, expected at least 1×1.");
        }
        convolution = convolution with { Groups = 1 };
        Sliding(op, convolution);
        Rank(op, nameof(x), x, 4, ImageLayout);
        return Fitted(op, nameof(x), x, 1, kernelHeight, kernelWidth, convolution);
    }

    private static void Sliding(string op, Convolution convolution)
    {
        if (!convolution.IsValid())
        {
            throw new ArgumentException($"{op}: convolution is {convolution}, expected stride ≥ 1, padding ≥ 0 and groups ≥ 1.", nameof(convolution));
        }
    }

    /// <summary>Checks that a KH×KW kernel fits the padded image, and returns the sizes.</summary>
    private static ConvolutionShape Fitted(string op, string imageName, Tensor image, int filters, int kernelHeight, int kernelWidth, Convolution c)
    {
        var x = image.Shape;
        if (x.H + (2 * c.Padding) < kernelHeight || x.W + (2 * c.Padding) < kernelWidth)
        {
            throw Wrong(op, imageName, image, $"an image at least as large as the {kernelHeight}×{kernelWidth} kernel with padding {c.Padding}");
        }
        return new ConvolutionShape(x.N, x.C, x.H, x.W, filters, kernelHeight, kernelWidth, c.Stride, c.Padding, c.Groups);
    }

    private static PoolingShape Pooled(string op, Tensor x, Pooling pooling)
    {
        if (!pooling.IsValid())
        {
            throw new ArgumentException($"{op}: pooling is {pooling}, expected kernel and stride ≥ 1 and padding between 0 and kernel − 1.", nameof(pooling));
        }
        Rank(op, nameof(x), x, 4, ImageLayout);
        var s = x.Shape;
        if (s.H + (2 * pooling.Padding) < pooling.Kernel || s.W + (2 * pooling.Padding) < pooling.Kernel)
        {
            throw Wrong(op, nameof(x), x, $"an image at least as large as the {pooling.Kernel}×{pooling.Kernel} window with padding {pooling.Padding}");
        }
        return new PoolingShape(s.N, s.C, s.H, s.W, pooling.Kernel, pooling.Stride, pooling.Padding);
    }

    private static LrnShape Normalized(string op, Tensor x, LocalResponseNorm lrn)
    {
        if (!lrn.IsValid())
        {
            throw new ArgumentException($"{op}: lrn is {lrn}, expected size ≥ 1, k > 0, alpha ≥ 0 and beta ≥ 0.", nameof(lrn));
        }
        Rank(op, nameof(x), x, 4, ImageLayout);
        var s = x.Shape;
        return new LrnShape(s.N, s.C, s.H, s.W, lrn.Size, lrn.Alpha, lrn.Beta, lrn.K);
    }
}
