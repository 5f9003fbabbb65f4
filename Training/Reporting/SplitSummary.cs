// SplitSummary: train --seeds' summary.json — one run per split seed, their scores and the mean ± sample standard deviation.

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Training.Reporting;

/// <summary>One split's run in a <see cref="SplitSummary"/>. Accuracies are fractions in [0, 1].</summary>
/// <param name="SplitSeed">the seed the split was drawn with (<c>--split-seed</c>)</param>
/// <param name="Seed">the seed of initialization, order, augmentation and dropout (<c>--seed</c>)</param>
/// <param name="BestEpoch">the epoch of the best validation top-1, whose checkpoint was tested</param>
/// <param name="Epochs">epochs trained (the plateau rule may end a run before <c>--epochs</c>)</param>
/// <param name="ValTop1">the best validation top-1 (centre crop, as training validates)</param>
/// <param name="TestTop1">test top-1 of the best checkpoint</param>
/// <param name="TestTop5">test top-5 of the best checkpoint</param>
/// <param name="TestCrops">1 (centre crop) or 10 (<c>--tta</c>)</param>
/// <param name="TestImages">test images scored</param>
/// <param name="Folder">the run folder, relative to where the command ran</param>
/// <param name="TrainSeconds">the training steps' time summed over the epochs (metrics.csv's seconds; validation and checkpoint writes not counted)</param>
/// <param name="WallSeconds">the run's wall time: its steps, validations and checkpoint writes over every session, and the test; null for runs made before it was recorded</param>
public sealed record SplitRun(ulong SplitSeed, ulong Seed, int BestEpoch, int Epochs, double ValTop1, double TestTop1, double TestTop5, int TestCrops, int TestImages,
    string Folder, double TrainSeconds, double? WallSeconds);

/// <summary>
/// What <c>alexnet train --seeds</c> writes to <c>runs/NAME/summary.json</c>: the model, the split,
/// the exact command, each split's run, and the mean ± sample standard deviation (n − 1) of the
/// validation and test top-1 over the splits, with the binomial standard error one test score has
/// from chance alone (√(p(1 − p)/n) for p the mean test top-1 and n the test images).
/// </summary>
public sealed record SplitSummary(
    string Model, string Split, string Command, IReadOnlyList<SplitRun> Runs,
    double MeanValTop1, double StdValTop1, double MeanTestTop1, double StdTestTop1, double TestStandardError)
{
    /// <summary>The file's name in the summary folder; the plot is <see cref="PlotFile"/>.</summary>
    public const string FileName = "summary.json", PlotFile = "summary.png";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>The summary of <paramref name="runs"/> (two or more, one per split seed).</summary>
    public static SplitSummary Of(string model, string split, string command, IReadOnlyList<SplitRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count < 2)
        {
            throw new ArgumentException($"A mean ± standard deviation needs two or more runs, not {runs.Count}.", nameof(runs));
        }
        var (meanVal, stdVal) = MeanAndSampleStd([.. runs.Select(r => r.ValTop1)]);
        var (meanTest, stdTest) = MeanAndSampleStd([.. runs.Select(r => r.TestTop1)]);
        int images = runs.Min(r => r.TestImages);
        return new SplitSummary(model, split, command, runs, meanVal, stdVal, meanTest, stdTest, BinomialStandardError(meanTest, images));
    }

    /// <summary>
    /// The mean of <paramref name="values"/> and their sample standard deviation
    /// s = √(Σ(x − mean)² / (n − 1)): the n − 1 because the mean was estimated from the same values.
    /// </summary>
    public static (double Mean, double Std) MeanAndSampleStd(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2)
        {
            throw new ArgumentException($"A sample standard deviation needs two or more values, not {values.Count}.", nameof(values));
        }
        double mean = values.Sum() / values.Count;
        double squares = values.Sum(x => (x - mean) * (x - mean));
        return (mean, Math.Sqrt(squares / (values.Count - 1)));
    }

    /// <summary>How far one accuracy <paramref name="p"/> measured on <paramref name="n"/> images moves by chance: the binomial standard error √(p(1 − p)/n).</summary>
    public static double BinomialStandardError(double p, int n) => n > 0 ? Math.Sqrt(p * (1 - p) / n) : double.NaN;

    /// <summary>The test images of the summary's runs (the smallest count, should they differ).</summary>
    [JsonIgnore]
    public int TestImages => Runs.Min(r => r.TestImages);

    /// <summary>The table <c>train --seeds</c> prints: one row per split, then the mean ± std and what chance alone moves one test score by.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Model}, split {Split}, {Runs.Count} split seeds:\n");
        text.Append("split seed   seed  best epoch  val top-1  test top-1  test top-5  test crops  time (wall)\n");
        foreach (var r in Runs)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{r.SplitSeed,10}  {r.Seed,5}  {r.BestEpoch,10}  {Percent(r.ValTop1),9}  {Percent(r.TestTop1),10}  {Percent(r.TestTop5),10}  {r.TestCrops,10}  {Duration(r.WallSeconds)}\n");
        }
        text.Append(CultureInfo.InvariantCulture,
            $"mean ± std (n - 1): val top-1 {100 * MeanValTop1:0.0}% ± {100 * StdValTop1:0.0}, test top-1 {100 * MeanTestTop1:0.0}% ± {100 * StdTestTop1:0.0}\n");
        text.Append(CultureInfo.InvariantCulture, $"{ChanceNote}\n");
        return text.ToString();
    }

    /// <summary>The sentence that goes wherever these scores are shown.</summary>
    [JsonIgnore]
    public string ChanceNote => string.Create(CultureInfo.InvariantCulture,
        $"With {TestImages} test images one test top-1 moves by about ±{100 * TestStandardError:0.0} points from chance alone (binomial standard error √(p(1-p)/n) at p = {100 * MeanTestTop1:0}%): compare recipes by the mean, not by one split.");

    private static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{100 * fraction:0.0}%");

    private static string Duration(double? seconds) => seconds switch
    {
        null => "not recorded",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s"),
        double s => string.Create(CultureInfo.InvariantCulture, $"{s / 60:0.0} min"),
    };

    /// <summary>The summary as <c>summary.json</c> holds it (snake_case fields).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Writes <see cref="FileName"/> and <see cref="PlotFile"/> into <paramref name="folder"/> (created if missing).</summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), ToJson() + "\n");
        AtomicFile.WriteAllBytes(Path.Combine(folder, PlotFile), SplitSummaryPlot.Draw(this));
    }

    /// <summary>Reads a <c>summary.json</c> back.</summary>
    public static SplitSummary FromJson(string json) =>
        JsonSerializer.Deserialize<SplitSummary>(json, Options) ?? throw new JsonException("The summary is null.");
}
