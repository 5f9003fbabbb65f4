using AlexNet.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Softmax, its cross-entropy with integer labels and with soft targets (label smoothing, mixup,
// cutmix), and top-k. Rows are independent and spread over threads in chunks; each row is a handful
// of vectorized TensorPrimitives calls.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Softmax.cs.
public sealed partial class CpuBackend
{
    public unsafe void Softmax(Tensor logits, Tensor probabilities)
    {
        float* pLogits = Data(logits, nameof(logits));
        float* pProbabilities = Data(probabilities, nameof(probabilities));
        var (rows, classes) = OpContract.Softmax(logits, probabilities);
        ForRows(rows, classes, row => SoftmaxRow(pLogits + ((long)row * classes), classes, pProbabilities + ((long)row * classes)));
    }

    public unsafe void SoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probabilities, Tensor loss)
    {
        float* pLogits = Data(logits, nameof(logits));
        float* pLabels = Data(labels, nameof(labels));
        float* pProbabilities = Data(probabilities, nameof(probabilities));
        float* pLoss = Data(loss, nameof(loss));
        // The contract keeps probabilities apart from logits: the loss reads each row's logit at the label after its probabilities are written.
        var (rows, classes) = OpContract.SoftmaxCrossEntropyForward(logits, labels, probabilities, loss);
        OpContract.Labels(nameof(SoftmaxCrossEntropyForward), labels, new ReadOnlySpan<float>(pLabels, rows), classes);

        using var rowLosses = _workspace.Rent(rows);
        float* perRow = rowLosses.Pointer;
        ForRows(rows, classes, row =>
        {
            float* rowLogits = pLogits + ((long)row * classes);
            float logSum = SoftmaxRow(rowLogits, classes, pProbabilities + ((long)row * classes));
            // −log p[label] = log Σ exp(x − max) − (x[label] − max): finite even where p underflows to 0.
            perRow[row] = logSum - rowLogits[(int)pLabels[row]];
        });
        *pLoss = MeanOfRows(perRow, rows);
    }

    public unsafe void SoftmaxCrossEntropyBackward(Tensor probabilities, Tensor labels, Tensor dLogits)
    {
        float* pProbabilities = Data(probabilities, nameof(probabilities));
        float* pLabels = Data(labels, nameof(labels));
        float* pdLogits = Data(dLogits, nameof(dLogits));
        var (rows, classes) = OpContract.SoftmaxCrossEntropyBackward(probabilities, labels, dLogits);
        OpContract.Labels(nameof(SoftmaxCrossEntropyBackward), labels, new ReadOnlySpan<float>(pLabels, rows), classes);
        float inverseRows = 1f / rows;
        ForRows(rows, classes, row =>
        {
            // dLogits = (p − onehot(label)) / N
            var gradient = new Span<float>(pdLogits + ((long)row * classes), classes);
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(pProbabilities + ((long)row * classes), classes), inverseRows, gradient);
            gradient[(int)pLabels[row]] -= inverseRows;
        });
    }

    public unsafe void SoftTargetCrossEntropyForward(Tensor logits, Tensor targets, Tensor probabilities, Tensor loss)
    {
        float* pLogits = Data(logits, nameof(logits));
        float* pTargets = Data(targets, nameof(targets));
        float* pProbabilities = Data(probabilities, nameof(probabilities));
        float* pLoss = Data(loss, nameof(loss));
        var (rows, classes) = OpContract.SoftTargetCrossEntropyForward(logits, targets, probabilities, loss);
        OpContract.Targets(nameof(SoftTargetCrossEntropyForward), targets, new ReadOnlySpan<float>(pTargets, rows * classes), classes);

        using var rowLosses = _workspace.Rent(rows);
        using var scratch = _workspace.Rent((long)rows * classes);
        float* perRow = rowLosses.Pointer;
        ForRows(rows, classes, row =>
        {
            long start = (long)row * classes;
            float logSum = SoftmaxRow(pLogits + start, classes, pProbabilities + start);
            // −Σ q·log p = Σ q·(log Σ exp(x − max) + max − x): as the integer loss, term by term, so a
            // one-hot row gives exactly its number (the other terms are 0·(a finite value ≥ 0)).
            var minusLogP = new Span<float>(scratch.Pointer + start, classes);
            TensorPrimitives.Subtract(logSum, new ReadOnlySpan<float>(pLogits + start, classes), minusLogP);
            perRow[row] = TensorPrimitives.Dot(new ReadOnlySpan<float>(pTargets + start, classes), minusLogP);
        });
        *pLoss = MeanOfRows(perRow, rows);
    }

    public unsafe void SoftTargetCrossEntropyBackward(Tensor probabilities, Tensor targets, Tensor dLogits)
    {
        float* pProbabilities = Data(probabilities, nameof(probabilities));
        float* pTargets = Data(targets, nameof(targets));
        float* pdLogits = Data(dLogits, nameof(dLogits));
        var (rows, classes) = OpContract.SoftTargetCrossEntropyBackward(probabilities, targets, dLogits);
        OpContract.Targets(nameof(SoftTargetCrossEntropyBackward), targets, new ReadOnlySpan<float>(pTargets, rows * classes), classes);
        float inverseRows = 1f / rows;
        ForRows(rows, classes, row =>
        {
            // dLogits = p/N − q/N, the integer loss's two steps with q in place of onehot(label).
            long start = (long)row * classes;
            var gradient = new Span<float>(pdLogits + start, classes);
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(pProbabilities + start, classes), inverseRows, gradient);
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(pTargets + start, classes), -inverseRows, gradient, gradient);
        });
    }

    public unsafe void TopK(Tensor scores, int k, Tensor indices)
    {
        float* pScores = Data(scores, nameof(scores));
        float* pIndices = Data(indices, nameof(indices));
        var (rows, classes) = OpContract.TopK(scores, k, indices);
        ForRows(rows, classes, row =>
        {
            float* rowScores = pScores + ((long)row * classes);
            float* best = pIndices + ((long)row * k);
            // Insertion into a list of the best so far, kept sorted. Scanning classes in order and
            // moving past only strictly smaller scores puts equal scores in index order.
            int count = 0;
            for (int j = 0; j < classes; j++)
            {
                float score = rowScores[j];
                if (count == k && !(score > rowScores[(int)best[k - 1]]))
                {
                    continue;
                }
                int position = Math.Min(count, k - 1);
                while (position > 0 && score > rowScores[(int)best[position - 1]])
                {
                    best[position] = best[position - 1];
                    position--;
                }
                best[position] = j;
                count = Math.Min(count + 1, k);
            }
        });
    }

    /// <summary>Softmax of one row, stably: p = exp(x − max) / Σ exp(x − max). Returns log Σ exp(x − max) + max.</summary>
    private static unsafe float SoftmaxRow(float* logits, int classes, float* probabilities)
    {
        var x = new ReadOnlySpan<float>(logits, classes);
        var p = new Span<float>(probabilities, classes);
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, p);
        TensorPrimitives.Exp(p, p);
        float sum = TensorPrimitives.Sum(p);
        TensorPrimitives.Divide(p, sum, p);
        return MathF.Log(sum) + max;
    }

    /// <summary>Rows over threads, in chunks large enough to be worth a thread.</summary>
    private void ForRows(int rows, int columns, Action<int> body)
    {
        ParallelChunks(rows, Math.Max(1, ElementwiseChunk / columns), (start, count) =>
        {
            for (long row = start; row < start + count; row++)
            {
                body((int)row);
            }
        });
    }

    /// <summary>The batch's loss, (1/N)·Σ of the rows' losses, summed in double in row order so it does not depend on the threads.</summary>
    private static unsafe float MeanOfRows(float* perRow, int rows)
    {
        double total = 0;
        for (int row = 0; row < rows; row++)
        {
            total += perRow[row];
        }
        return (float)(total / rows);
    }
}
