using AlexNet.Training.Checkpoints;
using ScottPlot;

namespace AlexNet.Training.Reporting;

/// <summary>
/// The Keras tutorial's two figures, redrawn after every epoch: <c>loss.png</c> (training and
/// validation loss) and <c>accuracy.png</c> (training and validation top-1, plus validation top-5).
/// </summary>
public static class TrainingPlots
{
    public const string LossFile = "loss.png";
    public const string AccuracyFile = "accuracy.png";

    private const int Width = 800, Height = 500;

    /// <summary>Draws both plots of <paramref name="history"/> into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<EpochMetrics> history, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        double[] epochs = [.. history.Select(m => (double)m.Epoch)];
        using (var loss = new Plot())
        {
            AddLine(loss, epochs, [.. history.Select(m => m.TrainLoss)], "train");
            AddLine(loss, epochs, [.. history.Select(m => m.ValidationLoss)], "validation");
            Finish(loss, $"{title}: loss", "cross-entropy loss", Alignment.UpperRight);
            AtomicFile.WriteAllBytes(Path.Combine(folder, LossFile), loss.GetImageBytes(Width, Height, ImageFormat.Png));
        }
        using (var accuracy = new Plot())
        {
            AddLine(accuracy, epochs, [.. history.Select(m => 100 * m.TrainTop1)], "train top-1");
            AddLine(accuracy, epochs, [.. history.Select(m => 100 * m.ValidationTop1)], "validation top-1");
            AddLine(accuracy, epochs, [.. history.Select(m => 100 * m.ValidationTop5)], "validation top-5");
            Finish(accuracy, $"{title}: accuracy", "accuracy (%)", Alignment.LowerRight);
            accuracy.Axes.SetLimitsY(0, 100);
            AtomicFile.WriteAllBytes(Path.Combine(folder, AccuracyFile), accuracy.GetImageBytes(Width, Height, ImageFormat.Png));
        }
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string label)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.MarkerSize = xs.Length > 40 ? 0 : 5;
    }

    private static void Finish(Plot plot, string title, string yLabel, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
    }
}
