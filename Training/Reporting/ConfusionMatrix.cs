using System.Globalization;
using System.Text;
using AlexNet.Training.Checkpoints;
using ScottPlot;

namespace AlexNet.Training.Reporting;

/// <summary>
/// Counts of (true class, predicted class) over a test set: row = the true class, column = the top-1
/// prediction. Written as text (for the terminal and <c>confusion_matrix.txt</c>) and as a PNG heat map.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    public ConfusionMatrix(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ClassNames = classNames;
        _counts = new long[classNames.Count, classNames.Count];
    }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How often class <paramref name="actual"/> was predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>Counts one prediction.</summary>
    public void Add(int actual, int predicted) => _counts[actual, predicted]++;

    /// <summary>The number of predictions counted.</summary>
    public long Total => _counts.Cast<long>().Sum();

    /// <summary>The fraction of predictions on the diagonal.</summary>
    public double Accuracy => Total == 0 ? 0 : Enumerable.Range(0, ClassNames.Count).Sum(i => _counts[i, i]) / (double)Total;

    /// <summary>Of the images of class <paramref name="c"/>, the fraction predicted as <paramref name="c"/>; null when the class has no images.</summary>
    public double? Recall(int c)
    {
        long row = Enumerable.Range(0, ClassNames.Count).Sum(j => _counts[c, j]);
        return row == 0 ? null : _counts[c, c] / (double)row;
    }

    /// <summary>Of the images predicted as class <paramref name="c"/>, the fraction that are <paramref name="c"/>; null when nothing was predicted as it.</summary>
    public double? Precision(int c)
    {
        long column = Enumerable.Range(0, ClassNames.Count).Sum(i => _counts[i, c]);
        return column == 0 ? null : _counts[c, c] / (double)column;
    }

    /// <summary>A table: one row per true class with its counts per predicted class and its recall.</summary>
    public string ToText()
    {
        int k = ClassNames.Count;
        int nameWidth = Math.Max(13, ClassNames.Max(n => n.Length));
        int cell = Math.Max(4, Total.ToString(CultureInfo.InvariantCulture).Length + 1);
        var text = new StringBuilder();
        text.Append("true \\ predicted".PadRight(nameWidth + 3));
        for (int j = 0; j < k; j++)
        {
            text.Append(j.ToString(CultureInfo.InvariantCulture).PadLeft(cell));
        }
        text.Append("  recall\n");
        for (int i = 0; i < k; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i,2} ").Append(ClassNames[i].PadRight(nameWidth));
            long row = 0;
            for (int j = 0; j < k; j++)
            {
                text.Append(_counts[i, j].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
                row += _counts[i, j];
            }
            text.Append(row == 0 ? "       -" : string.Create(CultureInfo.InvariantCulture, $"  {100.0 * _counts[i, i] / row,5:0.0}%")).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes the matrix as a heat map PNG, rows normalized to the fraction of each true class.</summary>
    public void SavePng(string path, string title)
    {
        int k = ClassNames.Count;
        var fractions = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            long row = Enumerable.Range(0, k).Sum(j => _counts[i, j]);
            for (int j = 0; j < k; j++)
            {
                fractions[i, j] = row == 0 ? 0 : _counts[i, j] / (double)row;
            }
        }
        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(fractions);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap).Label = "fraction of the true class";
        Tick[] xTicks = [.. Enumerable.Range(0, k).Select(j => new Tick(j, ClassNames[j]))];
        Tick[] yTicks = [.. Enumerable.Range(0, k).Select(i => new Tick(k - 1 - i, ClassNames[i]))];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xTicks);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(yTicks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Title(title);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        int side = Math.Max(500, 200 + (35 * k));
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(side + 150, side, ImageFormat.Png));
    }
}
