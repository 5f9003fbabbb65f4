using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Training.Data;
using AlexNet.Training.Reporting;

namespace AlexNet.Training.Loop;

/// <summary>Loss, top-1 and top-5 accuracy (fractions) and the confusion matrix of one evaluation.</summary>
public sealed record EvaluationResult(double Loss, double Top1, double Top5, int Count, ConfusionMatrix Confusion);

/// <summary>
/// Runs a model in inference mode over an image set and scores it: the softmax of each image's
/// logits — averaged over the crops when there are several (the paper's 10-crop test) — gives the
/// loss −log p[label], top-1 and top-5.
/// </summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> on every image of <paramref name="pipeline"/> with <paramref name="crops"/> per image.</summary>
    public static EvaluationResult Run(Sequential model, InputPipeline pipeline, IReadOnlyList<Augmentation.Draw> crops,
        IReadOnlyList<string> classNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(crops);
        ArgumentNullException.ThrowIfNull(classNames);
        int classes = classNames.Count;
        var confusion = new ConfusionMatrix(classNames);
        if (pipeline.Images.Count == 0)
        {
            return new EvaluationResult(double.NaN, double.NaN, double.NaN, 0, confusion);
        }
        bool wasTraining = model.IsTraining;
        model.IsTraining = false;
        var scorer = new Scorer(model.Backend, model.InputShape);
        double lossSum = 0;
        long top1 = 0, top5 = 0;
        int k = Math.Min(5, classes);
        try
        {
            using var queue = pipeline.Evaluation(crops, cancellationToken);
            var averaged = new double[pipeline.BatchSize * classes];
            int crop = 0;
            while (queue.Next() is { } batch)
            {
                using (batch)
                {
                    float[] probabilities = scorer.Probabilities(model, batch);
                    if (crop == 0)
                    {
                        Array.Clear(averaged);
                    }
                    for (int i = 0; i < batch.Count * classes; i++)
                    {
                        averaged[i] += probabilities[i] / crops.Count;
                    }
                    if (++crop < crops.Count)
                    {
                        continue;
                    }
                    crop = 0;
                    for (int n = 0; n < batch.Count; n++)
                    {
                        var row = averaged.AsSpan(n * classes, classes);
                        int label = (int)batch.Labels[n];
                        int[] best = TopK(row, k);
                        lossSum -= Math.Log(Math.Max(row[label], 1e-12));
                        top1 += best[0] == label ? 1 : 0;
                        top5 += best.Contains(label) ? 1 : 0;
                        confusion.Add(label, best[0]);
                    }
                }
            }
        }
        finally
        {
            scorer.Dispose();
            model.IsTraining = wasTraining;
        }
        int count = pipeline.Images.Count;
        return new EvaluationResult(lossSum / count, (double)top1 / count, (double)top5 / count, count, confusion);
    }

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

    /// <summary>Uploads a batch, runs the model and downloads the softmax, reusing its tensors while the batch size stays the same.</summary>
    internal sealed class Scorer(IBackend backend, Shape inputShape) : IDisposable
    {
        private Tensor? _images;
        private Tensor? _probabilities;

        public float[] Probabilities(Sequential model, Batch batch)
        {
            var shape = new Shape(batch.Count, inputShape[0], inputShape[1], inputShape[2]);
            if (_images is null || _images.Shape != shape)
            {
                _images?.Dispose();
                _images = backend.Allocate(shape, "images");
            }
            backend.Upload(batch.Inputs, _images);
            var logits = model.Forward(_images);
            if (_probabilities is null || _probabilities.Shape != logits.Shape)
            {
                _probabilities?.Dispose();
                _probabilities = backend.Allocate(logits.Shape, "probabilities");
            }
            backend.Softmax(logits, _probabilities);
            return _probabilities.ToArray();
        }

        public void Dispose()
        {
            _images?.Dispose();
            _probabilities?.Dispose();
        }
    }
}
