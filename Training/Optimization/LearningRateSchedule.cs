using System.Globalization;

namespace AlexNet.Training.Optimization;

/// <summary>
/// How the learning rate changes from epoch to epoch:
/// <list type="bullet">
/// <item><c>constant</c> — the base rate throughout;</item>
/// <item><c>step</c> — multiplied by <see cref="Gamma"/> (0.1) every <see cref="StepEpochs"/> epochs;</item>
/// <item><c>plateau</c> — the paper's rule (section 5): divided by 10 whenever the validation error has
/// not improved for <see cref="Patience"/> epochs;</item>
/// <item><c>cosine</c> — from the base rate down to 0 along half a cosine over the run's epochs.</item>
/// </list>
/// The state (current rate, best error, epochs without improvement) is saved in checkpoints.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>The schedule names the command line accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["constant", "step", "plateau", "cosine"];

    public LearningRateSchedule(string name, double baseRate, int totalEpochs, int stepEpochs = 30, double gamma = 0.1, int patience = 5)
    {
        if (!Names.Contains(name))
        {
            throw new AppException($"Unknown learning-rate schedule '{name}'; expected one of {string.Join(", ", Names)}.");
        }
        if (!(baseRate > 0) || !double.IsFinite(baseRate))
        {
            throw new AppException($"The learning rate must be a positive number, not {baseRate.ToString(CultureInfo.InvariantCulture)}.");
        }
        Name = name;
        BaseRate = baseRate;
        TotalEpochs = totalEpochs;
        StepEpochs = Math.Max(1, stepEpochs);
        Gamma = gamma;
        Patience = Math.Max(1, patience);
        State = new ScheduleState(baseRate, double.PositiveInfinity, 0);
    }

    public string Name { get; }

    public double BaseRate { get; }

    /// <summary>Epochs of the whole run (cosine reaches 0 at the end).</summary>
    public int TotalEpochs { get; }

    /// <summary>Epochs between two steps of the <c>step</c> schedule.</summary>
    public int StepEpochs { get; }

    /// <summary>The factor of each step (and of each plateau: 0.1, the paper's ÷10).</summary>
    public double Gamma { get; }

    /// <summary>Epochs without a better validation error before <c>plateau</c> divides the rate.</summary>
    public int Patience { get; }

    /// <summary>What <c>plateau</c> remembers between epochs; saved in checkpoints.</summary>
    public ScheduleState State { get; set; }

    /// <summary>The rate for epoch <paramref name="epoch"/> (0-based).</summary>
    public double RateFor(int epoch) => Name switch
    {
        "step" => BaseRate * Math.Pow(Gamma, epoch / StepEpochs),
        "cosine" => BaseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, TotalEpochs) / Math.Max(1, TotalEpochs))),
        "plateau" => State.Rate,
        _ => BaseRate,
    };

    /// <summary>Tells the schedule how an epoch ended; <c>plateau</c> divides the rate after <see cref="Patience"/> epochs without a lower validation error. Returns true when the rate was reduced.</summary>
    public bool EndEpoch(double validationError)
    {
        if (Name != "plateau")
        {
            return false;
        }
        if (validationError < State.BestError)
        {
            State = State with { BestError = validationError, EpochsWithoutImprovement = 0 };
            return false;
        }
        int stale = State.EpochsWithoutImprovement + 1;
        if (stale >= Patience)
        {
            State = State with { Rate = State.Rate * Gamma, EpochsWithoutImprovement = 0 };
            return true;
        }
        State = State with { EpochsWithoutImprovement = stale };
        return false;
    }
}

/// <summary>The plateau schedule's memory: the current rate, the best validation error so far, and epochs since it improved.</summary>
public sealed record ScheduleState(double Rate, double BestError, int EpochsWithoutImprovement);
