// LearningRateSchedule: the rate of each epoch under the four schedules, and the plateau rule's memory (ScheduleState).

using System.Globalization;
using AlexNet.Training.Run;

namespace AlexNet.Training.Optimization;

/// <summary>
/// How the learning rate changes from epoch to epoch:
/// <list type="bullet">
/// <item><c>constant</c> — the base rate throughout;</item>
/// <item><c>step</c> — multiplied by <see cref="Gamma"/> (0.1) every <see cref="StepEpochs"/> epochs;</item>
/// <item><c>plateau</c> — the paper's rule (section 5): divided by 10 whenever the validation error has
/// not improved for <see cref="Patience"/> epochs, at most <see cref="MaxReductions"/> times (the paper's
/// three); when it stalls once more the run has converged and ends, as the paper's did;</item>
/// <item><c>cosine</c> — from the base rate down to 0 along half a cosine over the run's epochs after the warm-up.</item>
/// </list>
/// A linear warm-up (<see cref="WarmupEpochs"/>) scales any of them by (epoch + 1) / (warm-up + 1) over its
/// first epochs, so a freshly drawn network is not pushed by the full rate before its statistics settle.
/// The state (current rate, best error, epochs without improvement) is saved in checkpoints.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>The schedule <paramref name="settings"/> describes, starting from <paramref name="baseRate"/>, over <paramref name="totalEpochs"/>.</summary>
    public LearningRateSchedule(ScheduleSettings settings, double baseRate, int totalEpochs)
        : this(settings.Kind, baseRate, totalEpochs, settings.StepEpochs, patience: settings.Patience, warmupEpochs: settings.WarmupEpochs)
    {
    }

    public LearningRateSchedule(ScheduleKind kind, double baseRate, int totalEpochs, int stepEpochs = 30, double gamma = 0.1, int patience = 5, int maxReductions = 3, int warmupEpochs = 0)
    {
        if (warmupEpochs < 0)
        {
            throw new AppException($"The warm-up must be 0 or more epochs, not {warmupEpochs}.");
        }
        WarmupEpochs = warmupEpochs;
        if (!(baseRate > 0) || !double.IsFinite(baseRate))
        {
            throw new AppException($"The learning rate must be a positive number, not {baseRate.ToString(CultureInfo.InvariantCulture)}.");
        }
        Kind = kind;
        BaseRate = baseRate;
        TotalEpochs = totalEpochs;
        StepEpochs = Math.Max(1, stepEpochs);
        Gamma = gamma;
        Patience = Math.Max(1, patience);
        MaxReductions = Math.Max(0, maxReductions);
        State = new ScheduleState(baseRate, double.PositiveInfinity, 0);
    }

    public ScheduleKind Kind { get; }

    /// <summary>The name the command line and the checkpoint use.</summary>
    public string Name => RunNames.Schedules[Kind];

    public double BaseRate { get; }

    /// <summary>Epochs of the whole run (cosine reaches 0 at the end).</summary>
    public int TotalEpochs { get; }

    /// <summary>Epochs between two steps of the <c>step</c> schedule.</summary>
    public int StepEpochs { get; }

    /// <summary>The factor of each step (and of each plateau: 0.1, the paper's ÷10).</summary>
    public double Gamma { get; }

    /// <summary>Epochs without a better validation error before <c>plateau</c> divides the rate.</summary>
    public int Patience { get; }

    /// <summary>How often <c>plateau</c> divides the rate before a further stall ends the run ("reduced three times prior to termination").</summary>
    public int MaxReductions { get; }

    /// <summary>Epochs of linear warm-up at the start of the run.</summary>
    public int WarmupEpochs { get; }

    /// <summary>What <c>plateau</c> remembers between epochs; saved in checkpoints.</summary>
    public ScheduleState State { get; set; }

    /// <summary>The rate for epoch <paramref name="epoch"/> (0-based).</summary>
    public double RateFor(int epoch) => Warmup(epoch) * (Kind switch
    {
        ScheduleKind.Step => BaseRate * Math.Pow(Gamma, epoch / StepEpochs),
        ScheduleKind.Cosine => BaseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(epoch - WarmupEpochs, 0, TotalEpochs) / Math.Max(1, TotalEpochs - WarmupEpochs))),
        ScheduleKind.Plateau => State.Rate,
        _ => BaseRate,
    });

    /// <summary>The warm-up's factor for epoch <paramref name="epoch"/>: (epoch + 1) / (warm-up + 1) during it, 1 after.</summary>
    private double Warmup(int epoch) => epoch < WarmupEpochs ? (epoch + 1.0) / (WarmupEpochs + 1) : 1;

    /// <summary>
    /// Tells the schedule how an epoch ended. <c>plateau</c> divides the rate after <see cref="Patience"/>
    /// epochs without a lower validation error, or, once it has done so <see cref="MaxReductions"/> times,
    /// marks the run as converged (<see cref="ScheduleState.Converged"/>).
    /// </summary>
    public ScheduleEvent EndEpoch(double validationError)
    {
        if (Kind != ScheduleKind.Plateau || State.Converged)
        {
            return ScheduleEvent.None;
        }
        if (validationError < State.BestError)
        {
            State = State with { BestError = validationError, EpochsWithoutImprovement = 0 };
            return ScheduleEvent.None;
        }
        int stale = State.EpochsWithoutImprovement + 1;
        if (stale < Patience)
        {
            State = State with { EpochsWithoutImprovement = stale };
            return ScheduleEvent.None;
        }
        if (State.Reductions >= MaxReductions)
        {
            State = State with { EpochsWithoutImprovement = stale, Converged = true };
            return ScheduleEvent.Converged;
        }
        State = State with { Rate = State.Rate * Gamma, EpochsWithoutImprovement = 0, Reductions = State.Reductions + 1 };
        return ScheduleEvent.Reduced;
    }
}

/// <summary>What happened to the learning rate at the end of an epoch.</summary>
public enum ScheduleEvent
{
    /// <summary>Nothing changed.</summary>
    None,

    /// <summary>The rate was divided.</summary>
    Reduced,

    /// <summary>The validation error stalled with no division left: the run is over.</summary>
    Converged,
}

/// <summary>
/// The plateau schedule's memory: the current rate, the best validation error so far, epochs since it
/// improved, how often the rate was divided, and whether the run has converged.
/// </summary>
public sealed record ScheduleState(double Rate, double BestError, int EpochsWithoutImprovement, int Reductions = 0, bool Converged = false);
