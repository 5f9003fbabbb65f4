using System.Diagnostics;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// How every time of <c>alexnet bench</c> is taken, by the same rule as the libtorch reference
/// (<c>shared/tools/libtorch-bench</c>) so the two can be set side by side: <see cref="Warmup"/>
/// untimed runs (first-call costs: JIT compilation, scratch memory, page faults), then timed runs
/// until both <see cref="MinIterations"/> and <see cref="MinSeconds"/> are reached, at most
/// <see cref="MaxIterations"/>; the median is the figure reported, robust to a stray slow run.
/// <para>
/// One difference, because .NET compiles as it runs: the warm-up also lasts at least
/// <see cref="WarmupSeconds"/>. The runtime first compiles each method quickly and recompiles the
/// ones called often (about 30 calls) with full optimization in the background, so a program that
/// takes 12 ms per image runs at 28 ms for its first few dozen images. libtorch is compiled ahead of
/// time; both are then measured at their steady speed.
/// </para>
/// </summary>
/// <param name="Warmup">untimed runs first</param>
/// <param name="MinIterations">timed runs at least</param>
/// <param name="MaxIterations">timed runs at most</param>
/// <param name="MinSeconds">keep timing until this much time has passed (unless MaxIterations is reached)</param>
/// <param name="WarmupSeconds">keep warming up until this much time has passed</param>
public sealed record TimingRule(int Warmup, int MinIterations, int MaxIterations, double MinSeconds, double WarmupSeconds = 0)
{
    /// <summary>libtorch-bench's model rule: 1 warm-up run for batches of 64 and more, else 2; then 3 to 50 runs over at least 3 s. Warm-up lasts at least 1 s.</summary>
    public static TimingRule ForModel(int batchSize) => new(batchSize >= 64 ? 1 : 2, 3, 50, 3.0, WarmupSeconds: 1.0);

    /// <summary>libtorch-bench's GEMM rule: 1 warm-up run, then 3 to 10 runs over at least 3 s.</summary>
    public static TimingRule ForGemm { get; } = new(1, 3, 10, 3.0);

    /// <summary>
    /// Runs <paramref name="step"/> by this rule and returns the times of the timed runs;
    /// <paramref name="timingStarts"/>, when given, is called between the warm-up and the timed runs.
    /// </summary>
    public Timings Measure(Action step, Action? timingStarts = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        var warming = Stopwatch.StartNew();
        for (int i = 0; i < Warmup || (Warmup > 0 && warming.Elapsed.TotalSeconds < WarmupSeconds); i++)
        {
            step();
        }
        timingStarts?.Invoke();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < MaxIterations && (times.Count < MinIterations || total.Elapsed.TotalSeconds < MinSeconds))
        {
            long start = Stopwatch.GetTimestamp();
            step();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return new Timings(times);
    }
}

/// <summary>The times of the timed runs, in milliseconds, with their median and minimum.</summary>
public sealed record Timings(IReadOnlyList<double> Milliseconds)
{
    /// <summary>The number of timed runs.</summary>
    public int Count => Milliseconds.Count;

    /// <summary>The median run (the mean of the middle two for an even count).</summary>
    public double Median => MedianOf(Milliseconds);

    /// <summary>The fastest run.</summary>
    public double Min => Milliseconds.Min();

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
    }
}
