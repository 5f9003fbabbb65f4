using System.Globalization;
using System.Text;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Training.Reporting;

/// <summary>
/// <c>metrics.csv</c>: one row per epoch, rewritten whole (atomically) from the run's history after
/// every epoch, so after a resume it holds exactly the epochs the checkpoint has seen.
/// </summary>
public static class MetricsCsv
{
    /// <summary>The header row.</summary>
    public const string Header = "epoch,learning_rate,train_loss,train_top1,val_loss,val_top1,val_top5,seconds,images_per_second";

    /// <summary>The file's text for <paramref name="history"/>.</summary>
    public static string Format(IEnumerable<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var text = new StringBuilder(Header).Append('\n');
        foreach (var m in history)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"{m.Epoch},{m.LearningRate:G6},{m.TrainLoss:F6},{m.TrainTop1:F6},{m.ValidationLoss:F6},{m.ValidationTop1:F6},{m.ValidationTop5:F6},{m.Seconds:F2},{m.ImagesPerSecond:F1}"))
                .Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes <paramref name="history"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<EpochMetrics> history) => AtomicFile.WriteAllText(path, Format(history));
}
