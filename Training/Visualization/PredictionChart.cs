using System.Globalization;
using ScottPlot;

namespace AlexNet.Training.Visualization;

/// <summary>The top predictions for one image as a horizontal bar chart: most likely class on top and darker, each bar labelled with its probability.</summary>
public static class PredictionChart
{
    private const int Width = 640, Height = 360;

    /// <summary>The PNG bytes of the chart of <paramref name="classes"/> and their <paramref name="probabilities"/> (most likely first).</summary>
    public static byte[] Draw(IReadOnlyList<string> classes, IReadOnlyList<double> probabilities, string title)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (classes.Count != probabilities.Count || classes.Count == 0)
        {
            throw new ArgumentException($"A chart needs one probability per class, not {classes.Count} classes and {probabilities.Count} probabilities.");
        }
        int k = classes.Count;
        using var plot = new Plot();
        var bars = Enumerable.Range(0, k).Select(i => new Bar
        {
            Position = k - 1 - i,
            Value = probabilities[i],
            Label = probabilities[i].ToString("0.000", CultureInfo.InvariantCulture),
            FillColor = i == 0 ? Colors.SteelBlue : Colors.LightSteelBlue,
        }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        Tick[] ticks = [.. Enumerable.Range(0, k).Select(i => new Tick(k - 1 - i, classes[i]))];
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        // Room right of a bar at 1 for its label, but no probability ticks past 1.
        plot.Axes.SetLimitsX(0, 1.12);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, 6).Select(i => new Tick(i / 5.0, (i / 5.0).ToString("0.0", CultureInfo.InvariantCulture)))]);
        plot.Title(title);
        plot.XLabel("probability");
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
