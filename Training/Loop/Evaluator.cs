// Evaluator: scores a model over an image set (one or ten crops) through InferenceStep.cs and Scoring.cs.

using AlexNet.Layers;
using AlexNet.Training.Data;
using AlexNet.Training.Reporting;

namespace AlexNet.Training.Loop;

/// <summary>Loss, top-1 and top-5 accuracy (fractions) and the confusion matrix of one evaluation.</summary>
public sealed record EvaluationResult(double Loss, double Top1, double Top5, int Count, ConfusionMatrix Confusion);

/// <summary>
/// Runs a model through the <see cref="InferenceStep"/> over an image set and scores it: the softmax
/// of each image's logits — averaged over the crops when there are several (the paper's 10-crop
/// test) — gives the loss −log p[label], top-1 and top-5 (<see cref="Scoring"/>).
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
        var step = new InferenceStep(model);
        var deviceBatch = new DeviceBatch(model.Backend, model.InputShape);
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
                    deviceBatch.Load(batch, labels: false);
                    float[] probabilities = step.Probabilities(deviceBatch);
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
                        int label = batch.Labels[n];
                        int[] best = Scoring.TopK(row, k);
                        lossSum += Scoring.Loss(row, label);
                        top1 += best[0] == label ? 1 : 0;
                        top5 += best.Contains(label) ? 1 : 0;
                        confusion.Add(label, best[0]);
                    }
                }
            }
        }
        finally
        {
            deviceBatch.Dispose();
            step.Dispose();
            model.IsTraining = wasTraining;
        }
        int count = pipeline.Images.Count;
        return new EvaluationResult(lossSum / count, (double)top1 / count, (double)top5 / count, count, confusion);
    }
}
