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

    /// <summary>The size of both images, in pixels.</summary>
    public const int Width = 800, Height = 500;

    /// <summary>Draws both plots of <paramref name="history"/> into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<EpochMetrics> history, string title)
    {
        using (var loss = Loss(history, title))
        {
            AtomicFile.WriteAllBytes(Path.Combine(folder, LossFile), loss.GetImageBytes(Width, Height, ImageFormat.Png));
        }
        using (var accuracy = Accuracy(history, title))
        {
            AtomicFile.WriteAllBytes(Path.Combine(folder, AccuracyFile), accuracy.GetImageBytes(Width, Height, ImageFormat.Png));
        }
    }

    /// <summary>The loss figure: training and validation loss per epoch.</summary>
    public static Plot Loss(IReadOnlyList<EpochMetrics> history, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        double[] epochs = Epochs(history);
        var plot = new Plot();
        AddLine(plot, epochs, [.. history.Select(m => m.TrainLoss)], "train");
        AddLine(plot, epochs, [.. history.Select(m => m.ValidationLoss)], "validation");
        Finish(plot, $"{title}: loss", "cross-entropy loss", Alignment.UpperRight);
        return plot;
    }

    /// <summary>The accuracy figure: training and validation top-1 and validation top-5 per epoch, in percent.</summary>
    public static Plot Accuracy(IReadOnlyList<EpochMetrics> history, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        double[] epochs = Epochs(history);
        var plot = new Plot();
        AddLine(plot, epochs, [.. history.Select(m => 100 * m.TrainTop1)], "train top-1");
        AddLine(plot, epochs, [.. history.Select(m => 100 * m.ValidationTop1)], "validation top-1");
        AddLine(plot, epochs, [.. history.Select(m => 100 * m.ValidationTop5)], "validation top-5");
        Finish(plot, $"{title}: accuracy", "accuracy (%)", Alignment.LowerRight);
        plot.Axes.SetLimitsY(0, 100);
        return plot;
    }

    private static double[] Epochs(IReadOnlyList<EpochMetrics> history) => [.. history.Select(m => (double)m.Epoch)];

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
        // Epochs are whole: without this a short run gets ticks at 1.2, 1.4, …
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(legend);
    }
}
