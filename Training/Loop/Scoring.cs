// Scoring: the loss −log p[label] and top-k, defined once for every command (the training step's loss is the backend's fused op).

namespace AlexNet.Training.Loop;

/// <summary>
/// How a classifier is scored, defined once: the cross-entropy loss −log p[label] of an image's
/// softmax p, and top-k (the label among the k most probable classes). A training step gets the
/// same loss from the backend's fused softmax cross-entropy (<see cref="Layers.SoftmaxCrossEntropy"/>),
/// averaged over the batch; evaluation computes it here from the probabilities, because with 10
/// crops it is the averaged softmax that is scored.
/// </summary>
public static class Scoring
{
    /// <summary>The smallest probability the loss takes the log of: a class ruled out costs −log 1e-12 ≈ 27.6, not infinity.</summary>
    public const double MinProbability = 1e-12;

    /// <summary>The cross-entropy of one image: −log p[<paramref name="label"/>].</summary>
    public static double Loss(ReadOnlySpan<double> probabilities, int label) => -Math.Log(Math.Max(probabilities[label], MinProbability));

    /// <summary>The indices of the <paramref name="k"/> largest values, largest first; ties go to the lower index.</summary>
    public static int[] TopK(ReadOnlySpan<double> values, int k)
    {
        var indices = new int[k];
        var taken = new bool[values.Length];
        for (int r = 0; r < k; r++)
        {
            int best = -1;
            for (int i = 0; i < values.Length; i++)
            {
                if (!taken[i] && (best < 0 || values[i] > values[best]))
                {
                    best = i;
                }
            }
            taken[best] = true;
            indices[r] = best;
        }
        return indices;
    }

    /// <summary>How many images' top-1 class (as the backend's TopK returns it, a float per image) is their label.</summary>
    public static int CountCorrect(ReadOnlySpan<float> top1, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            correct += (int)top1[n] == labels[n] ? 1 : 0;
        }
        return correct;
    }
}
