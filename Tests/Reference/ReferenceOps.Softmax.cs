namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>p[n, k] = exp(x[n, k] − max) / Σ_j exp(x[n, j] − max), row by row.</summary>
    public static double[] Softmax(double[] logits, int n, int classes)
    {
        var p = new double[n * classes];
        for (int row = 0; row < n; row++)
        {
            var x = logits.AsSpan(row * classes, classes);
            double max = double.NegativeInfinity;
            foreach (double v in x)
            {
                max = Math.Max(max, v);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++)
            {
                sum += Math.Exp(x[k] - max);
            }
            for (int k = 0; k < classes; k++)
            {
                p[(row * classes) + k] = Math.Exp(x[k] - max) / sum;
            }
        }
        return p;
    }

    /// <summary>The mean over rows of −log softmax(x)[label], with log-softmax written as x − max − log Σ exp(x − max).</summary>
    public static double CrossEntropy(double[] logits, int[] labels, int n, int classes)
    {
        double total = 0;
        for (int row = 0; row < n; row++)
        {
            var x = logits.AsSpan(row * classes, classes);
            double max = double.NegativeInfinity;
            foreach (double v in x)
            {
                max = Math.Max(max, v);
            }
            double sum = 0;
            foreach (double v in x)
            {
                sum += Math.Exp(v - max);
            }
            total -= x[labels[row]] - max - Math.Log(sum);
        }
        return total / n;
    }

    /// <summary>dLogits = (p − onehot(label)) / N.</summary>
    public static double[] SoftmaxCrossEntropyBackward(double[] probabilities, int[] labels, int n, int classes)
    {
        var d = new double[n * classes];
        for (int row = 0; row < n; row++)
        {
            for (int k = 0; k < classes; k++)
            {
                d[(row * classes) + k] = (probabilities[(row * classes) + k] - (k == labels[row] ? 1 : 0)) / n;
            }
        }
        return d;
    }

    /// <summary>Each row's k best indices: scores descending, equal scores by lower index first (a stable sort).</summary>
    public static int[] TopK(double[] scores, int n, int classes, int k) =>
        Enumerable.Range(0, n)
            .SelectMany(row => Enumerable.Range(0, classes)
                .OrderByDescending(j => scores[(row * classes) + j])
                .ThenBy(j => j)
                .Take(k))
            .ToArray();
}
