using System.Globalization;
using AlexNet.Tensors;

namespace AlexNet.Backends;

// The rules of the ops on matrices and per-channel statistics: GEMM, dense layers, softmax and the
// loss, top-k, batch normalization.
public static partial class OpContract
{
    /// <summary>The sizes of one GEMM: op(A) is M×K, op(B) is K×N, C is M×N.</summary>
    public readonly record struct GemmSizes(int M, int N, int K);

    /// <summary>Gemm: each tensor a matrix (rows = its outermost dimension), inner dimensions agreeing, c M×N and separate.</summary>
    public static GemmSizes Gemm(Tensor a, Tensor b, bool transposeA, bool transposeB, Tensor c)
    {
        var (aRows, aColumns) = (a.Shape.N, a.Shape.ItemLength);
        var (bRows, bColumns) = (b.Shape.N, b.Shape.ItemLength);
        int m = transposeA ? aColumns : aRows;
        int k = transposeA ? aRows : aColumns;
        int kOfB = transposeB ? bColumns : bRows;
        int n = transposeB ? bRows : bColumns;
        if (k != kOfB)
        {
            throw Wrong(nameof(Gemm), nameof(b), b,
                $"op(b) with {k} rows to match op(a) {m}×{k} (a is {Named(a)}{(transposeA ? ", transposed" : "")}), but op(b) is {kOfB}×{n}{(transposeB ? " (transposed)" : "")}");
        }
        if (c.Shape.N != m || c.Shape.ItemLength != n)
        {
            throw Wrong(nameof(Gemm), nameof(c), c, $"a {m}×{n} matrix (op(a)·op(b)), but it is {c.Shape.N}×{c.Shape.ItemLength}");
        }
        Distinct(nameof(Gemm), nameof(c), c, nameof(a), a);
        Distinct(nameof(Gemm), nameof(c), c, nameof(b), b);
        return new GemmSizes(m, n, k);
    }

    /// <summary>DenseForward: x [N, I], weight [O, I], bias [O] or null, y [N, O] separate from x and weight. Returns (N, I, O).</summary>
    public static (int N, int Inputs, int Outputs) DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y) =>
        DenseForward(nameof(DenseForward), x, weight, bias, y);

    /// <summary>DenseReluForward: as DenseForward.</summary>
    public static (int N, int Inputs, int Outputs) DenseReluForward(Tensor x, Tensor weight, Tensor? bias, Tensor y) =>
        DenseForward(nameof(DenseReluForward), x, weight, bias, y);

    private static (int N, int Inputs, int Outputs) DenseForward(string op, Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        var sizes = Dense(op, x, weight);
        if (bias is not null)
        {
            ShapeIs(op, nameof(bias), bias, new Shape(sizes.Outputs));
        }
        ShapeIs(op, nameof(y), y, new Shape(sizes.N, sizes.Outputs));
        Distinct(op, nameof(y), y, nameof(x), x);
        Distinct(op, nameof(y), y, nameof(weight), weight);
        return sizes;
    }

    /// <summary>DenseBackward: dy [N, O], dWeight weight's shape, dx x's shape (or null), dBias [O] (or null).</summary>
    public static (int N, int Inputs, int Outputs) DenseBackward(Tensor x, Tensor weight, Tensor dy, Tensor? dx, Tensor dWeight, Tensor? dBias)
    {
        const string op = nameof(DenseBackward);
        var sizes = Dense(op, x, weight);
        ShapeIs(op, nameof(dy), dy, new Shape(sizes.N, sizes.Outputs));
        ShapeIs(op, nameof(dWeight), dWeight, weight.Shape);
        Distinct(op, nameof(dWeight), dWeight, nameof(x), x);
        Distinct(op, nameof(dWeight), dWeight, nameof(dy), dy);
        if (dx is not null)
        {
            ShapeIs(op, nameof(dx), dx, x.Shape);
            Distinct(op, nameof(dx), dx, nameof(dy), dy);
            Distinct(op, nameof(dx), dx, nameof(weight), weight);
        }
        if (dBias is not null)
        {
            ShapeIs(op, nameof(dBias), dBias, new Shape(sizes.Outputs));
        }
        return sizes;
    }

    private static (int N, int Inputs, int Outputs) Dense(string op, Tensor x, Tensor weight)
    {
        Rank(op, nameof(x), x, 2, "[N, I]");
        Rank(op, nameof(weight), weight, 2, "[O, I]");
        if (weight.Shape[1] != x.Shape[1])
        {
            throw Wrong(op, nameof(weight), weight, $"[O, {x.Shape[1]}] for x {Named(x)}");
        }
        return (x.Shape.N, x.Shape[1], weight.Shape.N);
    }

    /// <summary>Softmax: logits [N, K], probabilities the same shape. Returns (N, K).</summary>
    public static (int N, int Classes) Softmax(Tensor logits, Tensor probabilities)
    {
        Rank(nameof(Softmax), nameof(logits), logits, 2, "[N, K]");
        ShapeIs(nameof(Softmax), nameof(probabilities), probabilities, logits.Shape);
        return (logits.Shape.N, logits.Shape[1]);
    }

    /// <summary>SoftmaxCrossEntropyForward: logits [N, K], labels [N], probabilities [N, K] separate from the logits, loss [1].</summary>
    public static (int N, int Classes) SoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probabilities, Tensor loss)
    {
        const string op = nameof(SoftmaxCrossEntropyForward);
        Rank(op, nameof(logits), logits, 2, "[N, K]");
        var (n, classes) = (logits.Shape.N, logits.Shape[1]);
        ShapeIs(op, nameof(labels), labels, new Shape(n));
        ShapeIs(op, nameof(probabilities), probabilities, logits.Shape);
        ShapeIs(op, nameof(loss), loss, new Shape(1));
        Distinct(op, nameof(probabilities), probabilities, nameof(logits), logits);
        return (n, classes);
    }

    /// <summary>SoftmaxCrossEntropyBackward: probabilities [N, K], labels [N], dLogits [N, K].</summary>
    public static (int N, int Classes) SoftmaxCrossEntropyBackward(Tensor probabilities, Tensor labels, Tensor dLogits)
    {
        const string op = nameof(SoftmaxCrossEntropyBackward);
        Rank(op, nameof(probabilities), probabilities, 2, "[N, K]");
        var (n, classes) = (probabilities.Shape.N, probabilities.Shape[1]);
        ShapeIs(op, nameof(labels), labels, new Shape(n));
        ShapeIs(op, nameof(dLogits), dLogits, probabilities.Shape);
        return (n, classes);
    }

    /// <summary>
    /// How far a row of soft targets may sum from 1 (<see cref="IBackend.SoftTargetCrossEntropyForward"/>):
    /// float rounding of a well-formed distribution stays below 1e-6 for a thousand classes, while a
    /// row that is not a distribution is off by far more.
    /// </summary>
    public const float TargetSumTolerance = 1e-4f;

    /// <summary>SoftTargetCrossEntropyForward: logits [N, K], targets [N, K], probabilities [N, K] separate from both, loss [1].</summary>
    public static (int N, int Classes) SoftTargetCrossEntropyForward(Tensor logits, Tensor targets, Tensor probabilities, Tensor loss)
    {
        const string op = nameof(SoftTargetCrossEntropyForward);
        Rank(op, nameof(logits), logits, 2, "[N, K]");
        ShapeIs(op, nameof(targets), targets, logits.Shape);
        ShapeIs(op, nameof(probabilities), probabilities, logits.Shape);
        ShapeIs(op, nameof(loss), loss, new Shape(1));
        Distinct(op, nameof(probabilities), probabilities, nameof(logits), logits);
        Distinct(op, nameof(probabilities), probabilities, nameof(targets), targets);
        return (logits.Shape.N, logits.Shape[1]);
    }

    /// <summary>SoftTargetCrossEntropyBackward: probabilities [N, K], targets [N, K], dLogits [N, K] separate from the targets.</summary>
    public static (int N, int Classes) SoftTargetCrossEntropyBackward(Tensor probabilities, Tensor targets, Tensor dLogits)
    {
        const string op = nameof(SoftTargetCrossEntropyBackward);
        Rank(op, nameof(probabilities), probabilities, 2, "[N, K]");
        ShapeIs(op, nameof(targets), targets, probabilities.Shape);
        ShapeIs(op, nameof(dLogits), dLogits, probabilities.Shape);
        Distinct(op, nameof(dLogits), dLogits, nameof(targets), targets);
        return (probabilities.Shape.N, probabilities.Shape[1]);
    }

    /// <summary>
    /// Throws unless every row of <paramref name="values"/> ([N, K] soft targets) is a distribution:
    /// entries ≥ 0 (and finite), summing to 1 within <see cref="TargetSumTolerance"/> (summed in double).
    /// For backends that read targets on the host; the CUDA kernels check the same on the device and write NaN.
    /// </summary>
    public static void Targets(string op, Tensor targets, ReadOnlySpan<float> values, int classes)
    {
        for (int row = 0; row < values.Length / classes; row++)
        {
            var q = values.Slice(row * classes, classes);
            double sum = 0;
            for (int k = 0; k < classes; k++)
            {
                if (!(q[k] >= 0 && float.IsFinite(q[k])))
                {
                    throw new ArgumentException($"{op}: targets[{row}, {k}] of {Named(targets)} is {q[k]}, expected a probability ≥ 0.", nameof(targets));
                }
                sum += q[k];
            }
            if (!(Math.Abs(sum - 1) <= TargetSumTolerance))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{op}: row {row} of targets {Named(targets)} sums to {sum:G6}, expected 1 (within {TargetSumTolerance:G2}): each row is a distribution over the {classes} classes."), nameof(targets));
            }
        }
    }

    /// <summary>
    /// Throws unless every label is a whole number 0 … K−1. For backends that read labels on the host;
    /// the CUDA backend's kernels read them on the device and do not check them.
    /// </summary>
    public static void Labels(string op, Tensor labels, ReadOnlySpan<float> values, int classes)
    {
        for (int row = 0; row < values.Length; row++)
        {
            float label = values[row];
            if (!(label >= 0 && label < classes && label == MathF.Floor(label)))
            {
                throw new ArgumentException($"{op}: labels[{row}] of {Named(labels)} is {label}, expected a whole number from 0 to {classes - 1}.", nameof(labels));
            }
        }
    }

    /// <summary>TopK: scores [N, K], 1 ≤ k ≤ K, indices [N, k] separate from the scores. Returns (N, K).</summary>
    public static (int N, int Classes) TopK(Tensor scores, int k, Tensor indices)
    {
        Rank(nameof(TopK), nameof(scores), scores, 2, "[N, K]");
        var (n, classes) = (scores.Shape.N, scores.Shape[1]);
        if (k < 1 || k > classes)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"TopK: k is {k}, expected 1 to the {classes} classes of {Named(scores)}.");
        }
        ShapeIs(nameof(TopK), nameof(indices), indices, new Shape(n, k));
        Distinct(nameof(TopK), nameof(indices), indices, nameof(scores), scores);
        return (n, classes);
    }

    /// <summary>
    /// BatchNormForwardTraining: x [N, C, H, W] or [N, C] with at least two values per channel, every
    /// per-channel tensor [C], y x's shape, epsilon &gt; 0, 0 ≤ momentum ≤ 1. Returns (N, C, pixels per channel and image).
    /// </summary>
    public static (int N, int Channels, int Pixels) BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, float momentum, float epsilon,
        Tensor runningMean, Tensor runningVariance, Tensor y, Tensor savedMean, Tensor savedInverseStd)
    {
        const string op = nameof(BatchNormForwardTraining);
        var sizes = PerChannel(op, x, (nameof(gamma), gamma), (nameof(beta), beta), (nameof(runningMean), runningMean),
            (nameof(runningVariance), runningVariance), (nameof(savedMean), savedMean), (nameof(savedInverseStd), savedInverseStd));
        ShapeIs(op, nameof(y), y, x.Shape);
        if ((long)sizes.N * sizes.Pixels < 2)
        {
            throw Wrong(op, nameof(x), x, "at least two values per channel (one cannot estimate a variance)");
        }
        Scalars(op, epsilon, momentum);
        return sizes;
    }

    /// <summary>BatchNormForwardInference: as training, with the running statistics and no minimum count.</summary>
    public static (int N, int Channels, int Pixels) BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance,
        float epsilon, Tensor y)
    {
        const string op = nameof(BatchNormForwardInference);
        var sizes = PerChannel(op, x, (nameof(gamma), gamma), (nameof(beta), beta), (nameof(runningMean), runningMean), (nameof(runningVariance), runningVariance));
        ShapeIs(op, nameof(y), y, x.Shape);
        Scalars(op, epsilon, momentum: 0);
        return sizes;
    }

    /// <summary>BatchNormBackward: dy and dx x's shape, dx separate from x and dy, every per-channel tensor [C].</summary>
    public static (int N, int Channels, int Pixels) BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInverseStd,
        Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        const string op = nameof(BatchNormBackward);
        ShapeIs(op, nameof(dy), dy, x.Shape);
        var sizes = PerChannel(op, x, (nameof(gamma), gamma), (nameof(savedMean), savedMean), (nameof(savedInverseStd), savedInverseStd),
            (nameof(dGamma), dGamma), (nameof(dBeta), dBeta));
        ShapeIs(op, nameof(dx), dx, x.Shape);
        Distinct(op, nameof(dx), dx, nameof(x), x);
        Distinct(op, nameof(dx), dx, nameof(dy), dy);
        return sizes;
    }

    /// <summary>[N, C, H, W] or [N, C] as N images of C channels of H·W (or 1) values, each per-channel tensor [C].</summary>
    private static (int N, int Channels, int Pixels) PerChannel(string op, Tensor x, params ReadOnlySpan<(string Name, Tensor Tensor)> perChannel)
    {
        var s = x.Shape;
        var sizes = s.Rank switch
        {
            4 => (s.N, s.C, s.H * s.W),
            2 => (s.N, s.C, 1),
            _ => throw Wrong(op, nameof(x), x, "[N, C, H, W] or [N, C]"),
        };
        foreach (var (name, tensor) in perChannel)
        {
            ShapeIs(op, name, tensor, new Shape(s.C));
        }
        return sizes;
    }

    private static void Scalars(string op, float epsilon, float momentum)
    {
        if (!(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{op}: epsilon is {epsilon}, expected a positive number.");
        }
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{op}: momentum is {momentum}, expected 0 to 1.");
        }
    }
}
