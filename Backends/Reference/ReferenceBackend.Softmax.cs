using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// Softmax, the cross-entropy loss on integer labels and on soft targets (target distributions, for
// label smoothing and mixup), their gradients, and top-k (for the paper's top-1 and top-5 error rates). Fast versions: Cpu/CpuBackend.Softmax.cs (TensorPrimitives, rows over
// threads), Cuda/Kernels/softmax.cu (one block per row).
public sealed partial class ReferenceBackend
{
    public void Softmax(Tensor logits, Tensor probabilities)
    {
        float[] vLogits = Values(logits, nameof(logits), nameof(Softmax));
        Values(probabilities, nameof(probabilities), nameof(Softmax));
        var (n, classes) = OpContract.Softmax(logits, probabilities);
        Store(Softmax(vLogits, n, classes), probabilities);
    }

    public void SoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probabilities, Tensor loss)
    {
        const string op = nameof(SoftmaxCrossEntropyForward);
        float[] vLogits = Values(logits, nameof(logits), op), vLabels = Values(labels, nameof(labels), op);
        Values(probabilities, nameof(probabilities), op);
        Values(loss, nameof(loss), op);
        var (n, classes) = OpContract.SoftmaxCrossEntropyForward(logits, labels, probabilities, loss);
        OpContract.Labels(op, labels, vLabels.AsSpan(0, n), classes);
        Store(Softmax(vLogits, n, classes), probabilities);
        Store([CrossEntropy(vLogits, Classes(vLabels, n), n, classes)], loss);
    }

    public void SoftmaxCrossEntropyBackward(Tensor probabilities, Tensor labels, Tensor dLogits)
    {
        const string op = nameof(SoftmaxCrossEntropyBackward);
        float[] vProbabilities = Values(probabilities, nameof(probabilities), op), vLabels = Values(labels, nameof(labels), op);
        Values(dLogits, nameof(dLogits), op);
        var (n, classes) = OpContract.SoftmaxCrossEntropyBackward(probabilities, labels, dLogits);
        OpContract.Labels(op, labels, vLabels.AsSpan(0, n), classes);
        Store(SoftmaxCrossEntropyBackward(vProbabilities, Classes(vLabels, n), n, classes), dLogits);
    }

    public void SoftTargetCrossEntropyForward(Tensor logits, Tensor targets, Tensor probabilities, Tensor loss)
    {
        const string op = nameof(SoftTargetCrossEntropyForward);
        float[] vLogits = Values(logits, nameof(logits), op), vTargets = Values(targets, nameof(targets), op);
        Values(probabilities, nameof(probabilities), op);
        Values(loss, nameof(loss), op);
        var (n, classes) = OpContract.SoftTargetCrossEntropyForward(logits, targets, probabilities, loss);
        OpContract.Targets(op, targets, vTargets, classes);
        Store(Softmax(vLogits, n, classes), probabilities);
        Store([SoftTargetCrossEntropy(vLogits, vTargets, n, classes)], loss);
    }

    public void SoftTargetCrossEntropyBackward(Tensor probabilities, Tensor targets, Tensor dLogits)
    {
        const string op = nameof(SoftTargetCrossEntropyBackward);
        float[] vProbabilities = Values(probabilities, nameof(probabilities), op), vTargets = Values(targets, nameof(targets), op);
        Values(dLogits, nameof(dLogits), op);
        var (n, classes) = OpContract.SoftTargetCrossEntropyBackward(probabilities, targets, dLogits);
        OpContract.Targets(op, targets, vTargets, classes);
        Store(SoftTargetCrossEntropyBackward(vProbabilities, vTargets, n, classes), dLogits);
    }

    public void TopK(Tensor scores, int k, Tensor indices)
    {
        float[] vScores = Values(scores, nameof(scores), nameof(TopK));
        Values(indices, nameof(indices), nameof(TopK));
        var (n, classes) = OpContract.TopK(scores, k, indices);
        Store(Array.ConvertAll(TopK(vScores, n, classes, k), index => (float)index), indices);
    }

    /// <summary>The labels as the class numbers they stand for.</summary>
    private static int[] Classes(float[] labels, int n) => Array.ConvertAll(labels[..n], label => (int)label);

    /// <summary>p[n, k] = exp(x[n, k] − max) / Σ_j exp(x[n, j] − max), row by row.</summary>
    public static T[] Softmax<T>(T[] logits, int n, int classes)
        where T : IFloatingPointIeee754<T>
    {
        var p = new T[n * classes];
        for (int row = 0; row < n; row++)
        {
            var x = logits.AsSpan(row * classes, classes);
            T max = RowMax(x);
            T sum = T.Zero;
            for (int k = 0; k < classes; k++)
            {
                sum += T.Exp(x[k] - max);
            }
            for (int k = 0; k < classes; k++)
            {
                p[(row * classes) + k] = T.Exp(x[k] - max) / sum;
            }
        }
        return p;
    }

    /// <summary>The mean over rows of −log softmax(x)[label], with log-softmax written as x − max − log Σ exp(x − max).</summary>
    public static T CrossEntropy<T>(T[] logits, int[] labels, int n, int classes)
        where T : IFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int row = 0; row < n; row++)
        {
            var x = logits.AsSpan(row * classes, classes);
            T max = RowMax(x);
            T sum = T.Zero;
            foreach (T v in x)
            {
                sum += T.Exp(v - max);
            }
            total -= x[labels[row]] - max - T.Log(sum);
        }
        return total / T.CreateChecked(n);
    }

    /// <summary>dLogits = (p − onehot(label)) / N.</summary>
    public static T[] SoftmaxCrossEntropyBackward<T>(T[] probabilities, int[] labels, int n, int classes)
        where T : IFloatingPointIeee754<T>
    {
        var d = new T[n * classes];
        for (int row = 0; row < n; row++)
        {
            for (int k = 0; k < classes; k++)
            {
                T onehot = k == labels[row] ? T.One : T.Zero;
                d[(row * classes) + k] = (probabilities[(row * classes) + k] - onehot) / T.CreateChecked(n);
            }
        }
        return d;
    }

    /// <summary>
    /// The mean over rows of −Σ_k q[k]·log softmax(x)[k], log-softmax written as x − max − log Σ exp(x − max)
    /// as in <see cref="CrossEntropy{T}"/>, which this equals for one-hot targets.
    /// </summary>
    public static T SoftTargetCrossEntropy<T>(T[] logits, T[] targets, int n, int classes)
        where T : IFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int row = 0; row < n; row++)
        {
            var x = logits.AsSpan(row * classes, classes);
            var q = targets.AsSpan(row * classes, classes);
            T max = RowMax(x);
            T sum = T.Zero;
            foreach (T v in x)
            {
                sum += T.Exp(v - max);
            }
            T logSum = T.Log(sum);
            T rowTotal = T.Zero;
            for (int k = 0; k < classes; k++)
            {
                rowTotal += q[k] * (x[k] - max - logSum);
            }
            total -= rowTotal;
        }
        return total / T.CreateChecked(n);
    }

    /// <summary>dLogits = (p − q) / N.</summary>
    public static T[] SoftTargetCrossEntropyBackward<T>(T[] probabilities, T[] targets, int n, int classes)
        where T : IFloatingPointIeee754<T>
    {
        var d = new T[n * classes];
        for (int i = 0; i < n * classes; i++)
        {
            d[i] = (probabilities[i] - targets[i]) / T.CreateChecked(n);
        }
        return d;
    }

    /// <summary>Each row's k best indices: scores descending, equal scores by lower index first (a stable sort).</summary>
    public static int[] TopK<T>(T[] scores, int n, int classes, int k)
        where T : IFloatingPointIeee754<T> =>
        Enumerable.Range(0, n)
            .SelectMany(row => Enumerable.Range(0, classes)
                .OrderByDescending(j => scores[(row * classes) + j])
                .ThenBy(j => j)
                .Take(k))
            .ToArray();

    private static T RowMax<T>(ReadOnlySpan<T> x)
        where T : IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        foreach (T v in x)
        {
            max = T.Max(max, v);
        }
        return max;
    }
}
