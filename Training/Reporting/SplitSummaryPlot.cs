// SplitSummaryPlot: summary.png — each split's validation and test top-1, and the mean ± std of the test top-1.

using System.Globalization;
using ScottPlot;

namespace AlexNet.Training.Reporting;

/// <summary>
/// <c>summary.png</c> of <c>train --seeds</c>: for each split seed a pair of bars (best validation
/// top-1, test top-1), a line at the mean test top-1 and a band of ± one standard deviation around it,
/// drawn in the size and style of the run's own <see cref="TrainingPlots"/>.
/// </summary>
public static class SplitSummaryPlot
{
    /// <summary>The PNG bytes of the figure of <paramref name="summary"/>.</summary>
    public static byte[] Draw(SplitSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        using var plot = new Plot();
        var runs = summary.Runs;
        var band = plot.Add.VerticalSpan(100 * (summary.MeanTestTop1 - summary.StdTestTop1), 100 * (summary.MeanTestTop1 + summary.StdTestTop1));
        band.FillStyle.Color = Colors.Orange.WithAlpha(0.2);
        band.LineStyle.Width = 0;
        var bars = new List<Bar>();
        for (int i = 0; i < runs.Count; i++)
        {
            bars.Add(new Bar { Position = (3 * i) + 0.6, Value = 100 * runs[i].ValTop1, FillColor = Colors.SteelBlue, Label = Percent(runs[i].ValTop1) });
            bars.Add(new Bar { Position = (3 * i) + 1.4, Value = 100 * runs[i].TestTop1, FillColor = Colors.Orange, Label = Percent(runs[i].TestTop1) });
        }
        plot.Add.Bars(bars);
        var mean = plot.Add.HorizontalLine(100 * summary.MeanTestTop1);
        mean.Color = Colors.DarkOrange;
        mean.LinePattern = LinePattern.Dashed;
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "best validation top-1", FillColor = Colors.SteelBlue });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "test top-1", FillColor = Colors.Orange });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = string.Create(CultureInfo.InvariantCulture, $"test mean {100 * summary.MeanTestTop1:0.0}% ± {100 * summary.StdTestTop1:0.0} (std)"), LineColor = Colors.DarkOrange, LinePattern = LinePattern.Dashed, LineWidth = 1, FillColor = Colors.Orange.WithAlpha(0.2) });
        Tick[] ticks = [.. runs.Select((r, i) => new Tick((3 * i) + 1, $"split seed {r.SplitSeed}"))];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        // Room above 100% for the legend, but no accuracy ticks past it.
        plot.Axes.SetLimits(-0.5, (3 * runs.Count) - 0.5, 0, 120);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. Enumerable.Range(0, 11).Select(i => new Tick(10 * i, (10 * i).ToString(CultureInfo.InvariantCulture)))]);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{summary.Model}, split {summary.Split}: top-1 over {runs.Count} split seeds"));
        plot.YLabel("top-1 (%)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(TrainingPlots.Width, TrainingPlots.Height, ImageFormat.Png);
    }

    private static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{100 * fraction:0.0}");
}
