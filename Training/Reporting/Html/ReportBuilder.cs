using System.Globalization;
using AlexNet.Layers;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;
using AlexNet.Training.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Training.Reporting.Html;

/// <summary>
/// Gathers what the run page shows from a run's state, its model and its test images: the settings
/// table, the first convolution's kernels, and the test set scored image by image, so that each
/// cell of the confusion matrix knows which images fell into it.
/// </summary>
public static class ReportBuilder
{
    /// <summary>The side of a test image's thumbnail, in pixels.</summary>
    public const int ThumbnailSide = 64;

    /// <summary>The run's settings, one (name, value) row each, as the page lists them.</summary>
    public static IReadOnlyList<string[]> Settings(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        string Text(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
        return
        [
            ["model", state.Model],
            ["initialization", state.Initialization ?? "(the model's)"],
            ["normalization", state.Normalization ?? "(the model's)"],
            ["data", state.DataLocation],
            ["classes", Text($"{state.ClassNames.Count}")],
            ["split (train/val/test)", state.Split],
            ["seed", Text($"{state.Seed}")],
            ["batch size", Text($"{state.BatchSize}")],
            ["epochs (target)", Text($"{state.TotalEpochs}")],
            ["optimizer", state.Optimizer.ToString()],
            ["schedule", state.Schedule == "step" ? Text($"step every {state.ScheduleStepEpochs} epochs") : state.Schedule == "plateau" ? Text($"plateau, patience {state.SchedulePatience}") : state.Schedule],
            ["preprocessing", state.Preprocessing.ToString()],
            ["backend", state.Backend],
            ["position", state.Position()],
            ["best validation top-1", state.BestEpoch == 0 ? "-" : Text($"{100 * state.BestValidationTop1:0.0}% (epoch {state.BestEpoch})")],
        ];
    }

    /// <summary>The first convolution's kernels, contrast-normalized one by one; null for a model without a convolution on RGB or grey input.</summary>
    public static FilterPicture? Filters(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Layers.OfType<Conv2d>().FirstOrDefault() is not { } conv || conv.InChannels is not (1 or 3))
        {
            return null;
        }
        var weights = conv.Weight.Value;
        using var picture = FilterGrid.Draw(weights.ToArray(), weights.Shape);
        return new FilterPicture(conv.Name, weights.Shape.ToString(), Png(picture));
    }

    /// <summary>
    /// Scores every image of <paramref name="test"/> with <paramref name="model"/> on its centre crop (as the
    /// validation does) and records, image by image, the top-1 class with its probability and a thumbnail,
    /// with batches built <paramref name="loaderThreads"/> at a time and <paramref name="prefetch"/> ahead.
    /// </summary>
    public static TestReport Test(Sequential model, TrainingState state, ImageSet test, CancellationToken cancellationToken,
        int prefetch = InputPipeline.DefaultPrefetch, int loaderThreads = InputPipeline.DefaultLoaderThreads)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count == 0)
        {
            throw new ArgumentException("The test set is empty; there is nothing to score.", nameof(test));
        }
        int classes = state.ClassNames.Count;
        var confusion = new ConfusionMatrix(state.ClassNames);
        var pipeline = new InputPipeline(test, state.Preprocessing, Math.Min(state.BatchSize, test.Count), null, prefetch, loaderThreads);
        var images = new TestImage[test.Count];
        double lossSum = 0;
        int top1 = 0, top5 = 0;
        bool wasTraining = model.IsTraining;
        model.IsTraining = false;
        try
        {
            using var step = new InferenceStep(model);
            using var deviceBatch = new DeviceBatch(model.Backend, model.InputShape);
            using var queue = pipeline.Evaluation([Augmentation.Centre(pipeline.MaxOffset)], cancellationToken);
            while (queue.Next() is { } batch)
            {
                using (batch)
                {
                    deviceBatch.Load(batch, labels: false);
                    float[] probabilities = step.Probabilities(deviceBatch);
                    for (int n = 0; n < batch.Count; n++)
                    {
                        double[] row = [.. probabilities.AsSpan(n * classes, classes).ToArray().Select(p => (double)p)];
                        int index = batch.ImageIndices[n], label = test.Label(index);
                        int[] best = Scoring.TopK(row, Math.Min(5, classes));
                        lossSum += Scoring.Loss(row, label);
                        top1 += best[0] == label ? 1 : 0;
                        top5 += best.Contains(label) ? 1 : 0;
                        confusion.Add(label, best[0]);
                        images[index] = new TestImage(Path.GetFileName(test.Source(index)), label, best[0], row[best[0]], Thumbnail(test, index));
                    }
                }
            }
        }
        finally
        {
            model.IsTraining = wasTraining;
        }
        var counts = Enumerable.Range(0, classes).Select(i => Enumerable.Range(0, classes).Select(j => confusion[i, j]).ToArray()).ToArray();
        return new TestReport(state.BestEpoch, lossSum / test.Count, (double)top1 / test.Count, (double)top5 / test.Count, state.ClassNames, counts,
            [.. Enumerable.Range(0, classes).Select(confusion.Precision)], [.. Enumerable.Range(0, classes).Select(confusion.Recall)], images);
    }

    /// <summary>Image <paramref name="index"/> of <paramref name="set"/> as a small JPEG, base64.</summary>
    private static string Thumbnail(ImageSet set, int index)
    {
        using var image = Image.LoadPixelData<Rgb24>(set.Pixels(index), set.Size, set.Size);
        image.Mutate(x => x.Resize(ThumbnailSide, ThumbnailSide));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = 80 });
        return Convert.ToBase64String(stream.ToArray());
    }

    /// <summary><paramref name="picture"/> as PNG, base64.</summary>
    public static string Png(Image picture)
    {
        ArgumentNullException.ThrowIfNull(picture);
        using var stream = new MemoryStream();
        picture.SaveAsPng(stream);
        return Convert.ToBase64String(stream.ToArray());
    }
}
