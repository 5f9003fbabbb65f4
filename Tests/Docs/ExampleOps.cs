using AlexNet.Backends;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;

namespace AlexNet.Tests.Docs;

/// <summary>One output of a worked example: its shape, the double-precision reference, and what a backend computed (null for a value only the reference defines, such as LRN's s).</summary>
public sealed record ExampleOutput(string Name, Shape Shape, double[] Reference, float[]? Backend);

/// <summary>An op a worked example can name: its scalar arguments, input and output tensors, and how to run it on a backend and on the reference.</summary>
public sealed record ExampleOp(string Name, string[] Arguments, string[] Inputs, string[] Outputs, Func<IBackend, WorkedExample, IReadOnlyList<ExampleOutput>> Run);

/// <summary>
/// The ops of the layer pages' worked examples. Each runs one layer's forward and backward through
/// <see cref="IBackend"/> exactly as the layer calls it, and through <see cref="ReferenceBackend"/>'s double-precision maths, so
/// that a page's numbers are checked against both.
/// </summary>
public static class ExampleOps
{
    public static IReadOnlyList<ExampleOp> All { get; } =
    [
        new("conv2d", ["stride", "padding", "groups"], ["x", "weight", "bias", "dy"], ["columns", "y", "dColumns", "dx", "dWeight", "dBias"], Conv2d),
        new("relu", [], ["x", "dy"], ["y", "dx"], Relu),
        new("maxpool", ["kernel", "stride", "padding"], ["x", "dy"], ["y", "dx"], MaxPool),
        new("lrn", ["size", "alpha", "beta", "k"], ["x", "dy"], ["s", "y", "dx"], Lrn),
        new("dropout", ["p", "seed", "offset"], ["x", "dy"], ["u", "y", "dx"], Dropout),
        new("dense", [], ["x", "weight", "bias", "dy"], ["y", "dx", "dWeight", "dBias"], Dense),
        new("softmax-cross-entropy", [], ["logits", "labels"], ["probabilities", "loss", "dLogits"], SoftmaxCrossEntropy),
        new("batchnorm", ["epsilon", "momentum"], ["x", "gamma", "beta", "runningMean", "runningVariance", "dy"],
            ["mean", "inverseStd", "y", "runningMeanAfter", "runningVarianceAfter", "yInference", "dx", "dGamma", "dBeta"], BatchNorm),
    ];

    /// <summary>The op called <paramref name="name"/>.</summary>
    public static ExampleOp Get(string name) => All.SingleOrDefault(op => op.Name == name)
        ?? throw new FormatException($"No worked-example op is called '{name}'; the ops are {string.Join(", ", All.Select(op => op.Name))}.");

    private static IReadOnlyList<ExampleOutput> Conv2d(IBackend b, WorkedExample e)
    {
        var (x, weight, bias, dy) = (e.Tensor("x"), e.Tensor("weight"), e.Tensor("bias"), e.Tensor("dy"));
        var convolution = new Convolution(e.Integer("stride"), e.Integer("padding"), e.Integer("groups"));
        var xs = x.Shape;
        var s = new ConvolutionShape(xs.N, xs.C, xs.H, xs.W, weight.Shape.N, weight.Shape.H, weight.Shape.W,
            convolution.Stride, convolution.Padding, convolution.Groups);
        var columnsShape = new Shape(s.N, s.C * s.KH * s.KW, s.OH * s.OW);
        var yShape = new Shape(s.N, s.O, s.OH, s.OW);
        using var tx = b.Tensor(xs, x.Floats, "x");
        using var tWeight = b.Tensor(weight.Shape, weight.Floats, "weight");
        using var tBias = b.Tensor(bias.Shape, bias.Floats, "bias");
        using var tdy = b.Tensor(dy.Shape, dy.Floats, "dy");
        using var columns = b.Allocate(columnsShape, "columns");
        using var y = b.Allocate(yShape, "y");
        using var dx = b.Allocate(xs, "dx");
        using var dWeight = b.Allocate(weight.Shape, "dWeight");
        using var dBias = b.Allocate(bias.Shape, "dBias");

        b.Im2Col(tx, s.KH, s.KW, convolution, columns);
        b.Conv2dForward(tx, tWeight, tBias, convolution, y);
        b.Conv2dBackwardData(tdy, tWeight, convolution, dx);
        b.Conv2dBackwardFilter(tx, tdy, convolution, dWeight);
        b.Conv2dBackwardBias(tdy, dBias);

        double[] rx = x.Floats.ToDouble(), rWeight = weight.Floats.ToDouble(), rdy = dy.Floats.ToDouble();
        return
        [
            new("columns", columnsShape, ReferenceBackend.Im2Col(rx, s), columns.ToArray()),
            new("y", yShape, ReferenceBackend.Conv2dForward(rx, rWeight, bias.Floats.ToDouble(), s), y.ToArray()),
            new("dColumns", columnsShape, ColumnGradients(rWeight, rdy, s), null),
            new("dx", xs, ReferenceBackend.Conv2dBackwardData(rdy, rWeight, s), dx.ToArray()),
            new("dWeight", weight.Shape, ReferenceBackend.Conv2dBackwardFilter(rx, rdy, s), dWeight.ToArray()),
            new("dBias", bias.Shape, ReferenceBackend.Conv2dBackwardBias(rdy, s.N, s.O, s.OH * s.OW), dBias.ToArray()),
        ];
    }

    /// <summary>
    /// dColumns[n, g·R + r, p] = Σ over group g's filters o of weight[o, r]·dy[n, o, p] (R = C/groups·KH·KW):
    /// the gradient of the column matrix, Wᵀ·dY per image and group, before col2im folds it into dx.
    /// </summary>
    private static double[] ColumnGradients(double[] weight, double[] dy, ConvolutionShape s)
    {
        int rowsPerGroup = s.ChannelsPerGroup * s.KH * s.KW, rows = s.C * s.KH * s.KW, pixels = s.OH * s.OW;
        var columns = new double[s.N * rows * pixels];
        for (int n = 0; n < s.N; n++)
        {
            for (int o = 0; o < s.O; o++)
            {
                int group = o / s.FiltersPerGroup;
                for (int r = 0; r < rowsPerGroup; r++)
                {
                    for (int p = 0; p < pixels; p++)
                    {
                        columns[(((n * rows) + (group * rowsPerGroup) + r) * pixels) + p] +=
                            weight[(o * rowsPerGroup) + r] * dy[(((n * s.O) + o) * pixels) + p];
                    }
                }
            }
        }
        return columns;
    }

    private static IReadOnlyList<ExampleOutput> Relu(IBackend b, WorkedExample e)
    {
        var (x, dy) = (e.Tensor("x"), e.Tensor("dy"));
        using var tx = b.Tensor(x.Shape, x.Floats, "x");
        using var tdy = b.Tensor(dy.Shape, dy.Floats, "dy");
        using var y = b.Allocate(x.Shape, "y");
        using var dx = b.Allocate(x.Shape, "dx");

        b.ReluForward(tx, y);
        b.ReluBackward(y, tdy, dx);

        double[] reference = ReferenceBackend.ReluForward(x.Floats.ToDouble());
        return
        [
            new("y", x.Shape, reference, y.ToArray()),
            new("dx", x.Shape, ReferenceBackend.ReluBackward(reference, dy.Floats.ToDouble()), dx.ToArray()),
        ];
    }

    private static IReadOnlyList<ExampleOutput> MaxPool(IBackend b, WorkedExample e)
    {
        var (x, dy) = (e.Tensor("x"), e.Tensor("dy"));
        var pooling = new Pooling(e.Integer("kernel"), e.Integer("stride"), e.Integer("padding"));
        var xs = x.Shape;
        var s = new PoolingShape(xs.N, xs.C, xs.H, xs.W, pooling.Kernel, pooling.Stride, pooling.Padding);
        var yShape = new Shape(s.N, s.C, s.OH, s.OW);
        using var tx = b.Tensor(xs, x.Floats, "x");
        using var tdy = b.Tensor(dy.Shape, dy.Floats, "dy");
        using var y = b.Allocate(yShape, "y");
        using var dx = b.Allocate(xs, "dx");

        b.MaxPool2dForward(tx, pooling, y);
        b.MaxPool2dBackward(tx, tdy, pooling, dx);

        double[] rx = x.Floats.ToDouble();
        return
        [
            new("y", yShape, ReferenceBackend.MaxPool2dForward(rx, s), y.ToArray()),
            new("dx", xs, ReferenceBackend.MaxPool2dBackward(rx, dy.Floats.ToDouble(), s), dx.ToArray()),
        ];
    }

    private static IReadOnlyList<ExampleOutput> Lrn(IBackend b, WorkedExample e)
    {
        var (x, dy) = (e.Tensor("x"), e.Tensor("dy"));
        var lrn = new LocalResponseNorm(e.Integer("size"), (float)e.Number("alpha"), (float)e.Number("beta"), (float)e.Number("k"));
        var xs = x.Shape;
        var s = new LrnShape(xs.N, xs.C, xs.H, xs.W, lrn.Size, lrn.Alpha, lrn.Beta, lrn.K);
        using var tx = b.Tensor(xs, x.Floats, "x");
        using var tdy = b.Tensor(xs, dy.Floats, "dy");
        using var y = b.Allocate(xs, "y");
        using var dx = b.Allocate(xs, "dx");

        b.LrnForward(tx, lrn, y);
        b.LrnBackward(tx, y, tdy, lrn, dx);

        double[] rx = x.Floats.ToDouble();
        return
        [
            new("s", xs, LrnScales(rx, s), null),
            new("y", xs, ReferenceBackend.LrnForward(rx, s), y.ToArray()),
            new("dx", xs, ReferenceBackend.LrnBackward(rx, dy.Floats.ToDouble(), s), dx.ToArray()),
        ];
    }

    /// <summary>s[c] = k + α·Σ x[j]² over j = c − size/2 … c + (size − 1)/2 (the channels that exist), the divisor's base.</summary>
    private static double[] LrnScales(double[] x, LrnShape s)
    {
        var scales = new double[s.Length];
        int pixels = s.H * s.W;
        for (int n = 0; n < s.N; n++)
        {
            for (int c = 0; c < s.C; c++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    double sum = 0;
                    for (int j = Math.Max(0, c - (s.Size / 2)); j <= Math.Min(s.C - 1, c + ((s.Size - 1) / 2)); j++)
                    {
                        double value = x[(((n * s.C) + j) * pixels) + p];
                        sum += value * value;
                    }
                    scales[(((n * s.C) + c) * pixels) + p] = s.K + (s.Alpha * sum);
                }
            }
        }
        return scales;
    }

    private static IReadOnlyList<ExampleOutput> Dropout(IBackend b, WorkedExample e)
    {
        var (x, dy) = (e.Tensor("x"), e.Tensor("dy"));
        float p = (float)e.Number("p");
        ulong seed = (ulong)e.Integer("seed"), offset = (ulong)e.Integer("offset");
        using var tx = b.Tensor(x.Shape, x.Floats, "x");
        using var tdy = b.Tensor(dy.Shape, dy.Floats, "dy");
        using var y = b.Allocate(x.Shape, "y");
        using var dx = b.Allocate(x.Shape, "dx");

        b.DropoutForward(tx, p, seed, offset, 0, y);
        b.DropoutBackward(tdy, p, seed, offset, 0, dx);

        double[] u = [.. Enumerable.Range(0, x.Shape.Length).Select(i => (double)Philox.Uniform(seed, offset, i))];
        return
        [
            new("u", x.Shape, u, null),
            new("y", x.Shape, ReferenceBackend.Dropout(x.Floats.ToDouble(), p, seed, offset), y.ToArray()),
            new("dx", x.Shape, ReferenceBackend.Dropout(dy.Floats.ToDouble(), p, seed, offset), dx.ToArray()),
        ];
    }

    private static IReadOnlyList<ExampleOutput> Dense(IBackend b, WorkedExample e)
    {
        var (x, weight, bias, dy) = (e.Tensor("x"), e.Tensor("weight"), e.Tensor("bias"), e.Tensor("dy"));
        int n = x.Shape.N, inputs = x.Shape[1], outputs = weight.Shape.N;
        var yShape = new Shape(n, outputs);
        using var tx = b.Tensor(x.Shape, x.Floats, "x");
        using var tWeight = b.Tensor(weight.Shape, weight.Floats, "weight");
        using var tBias = b.Tensor(bias.Shape, bias.Floats, "bias");
        using var tdy = b.Tensor(dy.Shape, dy.Floats, "dy");
        using var y = b.Allocate(yShape, "y");
        using var dx = b.Allocate(x.Shape, "dx");
        using var dWeight = b.Allocate(weight.Shape, "dWeight");
        using var dBias = b.Allocate(bias.Shape, "dBias");

        b.DenseForward(tx, tWeight, tBias, y);
        b.DenseBackward(tx, tWeight, tdy, dx, dWeight, dBias);

        double[] rx = x.Floats.ToDouble(), rWeight = weight.Floats.ToDouble();
        var (rdx, rdWeight, rdBias) = ReferenceBackend.DenseBackward(rx, rWeight, dy.Floats.ToDouble(), n, inputs, outputs);
        return
        [
            new("y", yShape, ReferenceBackend.DenseForward(rx, rWeight, bias.Floats.ToDouble(), n, inputs, outputs), y.ToArray()),
            new("dx", x.Shape, rdx, dx.ToArray()),
            new("dWeight", weight.Shape, rdWeight, dWeight.ToArray()),
            new("dBias", bias.Shape, rdBias, dBias.ToArray()),
        ];
    }

    private static IReadOnlyList<ExampleOutput> SoftmaxCrossEntropy(IBackend b, WorkedExample e)
    {
        var (logits, labels) = (e.Tensor("logits"), e.Tensor("labels"));
        int n = logits.Shape.N, classes = logits.Shape[1];
        using var tLogits = b.Tensor(logits.Shape, logits.Floats, "logits");
        using var tLabels = b.Tensor(labels.Shape, labels.Floats, "labels");
        using var probabilities = b.Allocate(logits.Shape, "probabilities");
        using var loss = b.Allocate(new Shape(1), "loss");
        using var dLogits = b.Allocate(logits.Shape, "dLogits");

        b.SoftmaxCrossEntropyForward(tLogits, tLabels, probabilities, loss);
        b.SoftmaxCrossEntropyBackward(probabilities, tLabels, dLogits);

        double[] rLogits = logits.Floats.ToDouble();
        int[] rLabels = [.. labels.Floats.Select(v => (int)v)];
        double[] p = ReferenceBackend.Softmax(rLogits, n, classes);
        return
        [
            new("probabilities", logits.Shape, p, probabilities.ToArray()),
            new("loss", new Shape(1), [ReferenceBackend.CrossEntropy(rLogits, rLabels, n, classes)], loss.ToArray()),
            new("dLogits", logits.Shape, ReferenceBackend.SoftmaxCrossEntropyBackward(p, rLabels, n, classes), dLogits.ToArray()),
        ];
    }

    private static IReadOnlyList<ExampleOutput> BatchNorm(IBackend b, WorkedExample e)
    {
        var (x, gamma, beta, runningMean, runningVariance, dy) =
            (e.Tensor("x"), e.Tensor("gamma"), e.Tensor("beta"), e.Tensor("runningMean"), e.Tensor("runningVariance"), e.Tensor("dy"));
        float epsilon = (float)e.Number("epsilon"), momentum = (float)e.Number("momentum");
        var xs = x.Shape;
        int n = xs.N, channels = xs.C, pixels = xs.Rank == 4 ? xs.H * xs.W : 1;
        var perChannel = gamma.Shape;
        using var tx = b.Tensor(xs, x.Floats, "x");
        using var tGamma = b.Tensor(perChannel, gamma.Floats, "gamma");
        using var tBeta = b.Tensor(perChannel, beta.Floats, "beta");
        using var tMean = b.Tensor(perChannel, runningMean.Floats, "runningMean");
        using var tVariance = b.Tensor(perChannel, runningVariance.Floats, "runningVariance");
        using var tdy = b.Tensor(xs, dy.Floats, "dy");
        using var y = b.Allocate(xs, "y");
        using var savedMean = b.Allocate(perChannel, "savedMean");
        using var savedInverseStd = b.Allocate(perChannel, "savedInverseStd");
        using var yInference = b.Allocate(xs, "yInference");
        using var dx = b.Allocate(xs, "dx");
        using var dGamma = b.Allocate(perChannel, "dGamma");
        using var dBeta = b.Allocate(perChannel, "dBeta");

        b.BatchNormForwardTraining(tx, tGamma, tBeta, momentum, epsilon, tMean, tVariance, y, savedMean, savedInverseStd);
        b.BatchNormBackward(tx, tdy, tGamma, savedMean, savedInverseStd, dx, dGamma, dBeta);
        b.BatchNormForwardInference(tx, tGamma, tBeta, tMean, tVariance, epsilon, yInference);

        double[] rx = x.Floats.ToDouble(), rGamma = gamma.Floats.ToDouble(), rBeta = beta.Floats.ToDouble();
        var training = ReferenceBackend.BatchNormForwardTraining(rx, rGamma, rBeta, momentum, epsilon,
            runningMean.Floats.ToDouble(), runningVariance.Floats.ToDouble(), n, channels, pixels);
        var (rdx, rdGamma, rdBeta) = ReferenceBackend.BatchNormBackward(rx, dy.Floats.ToDouble(), rGamma, epsilon, n, channels, pixels);
        return
        [
            new("mean", perChannel, training.Mean, savedMean.ToArray()),
            new("inverseStd", perChannel, training.InverseStd, savedInverseStd.ToArray()),
            new("y", xs, training.Y, y.ToArray()),
            new("runningMeanAfter", perChannel, training.RunningMean, tMean.ToArray()),
            new("runningVarianceAfter", perChannel, training.RunningVariance, tVariance.ToArray()),
            new("yInference", xs, ReferenceBackend.BatchNormForwardInference(rx, rGamma, rBeta, training.RunningMean, training.RunningVariance,
                epsilon, n, channels, pixels), yInference.ToArray()),
            new("dx", xs, rdx, dx.ToArray()),
            new("dGamma", perChannel, rdGamma, dGamma.ToArray()),
            new("dBeta", perChannel, rdBeta, dBeta.ToArray()),
        ];
    }
}
