// RunProgress: where a run stands, replaced after every step; its settings are RunConfig.cs.

using AlexNet.Training.Checkpoints;
using AlexNet.Training.Optimization;
using AlexNet.Training.Reporting;

namespace AlexNet.Training.Run;

/// <summary>
/// Where a run stands, replaced after every step and every epoch: the position (epoch, step), the
/// running sums of the epoch in progress, the finished epochs' metrics, the best validation score,
/// and the optimizer's, schedule's and dropout's counters. With <see cref="RunConfig"/> it is
/// everything a checkpoint holds besides tensors (<see cref="RunState"/>).
/// </summary>
public sealed record RunProgress
{
    /// <summary>Finished epochs; the epoch in progress is this one (0-based).</summary>
    public required int Epoch { get; init; }

    /// <summary>Batches of the epoch in progress already trained (0 at an epoch boundary).</summary>
    public required int StepInEpoch { get; init; }

    /// <summary>Batches trained over the whole run.</summary>
    public required long GlobalStep { get; init; }

    /// <summary>The running sums of the epoch in progress.</summary>
    public required EpochProgress Partial { get; init; }

    /// <summary>One entry per finished epoch.</summary>
    public required IReadOnlyList<EpochMetrics> History { get; init; }

    /// <summary>The best validation top-1 so far (0 when none yet).</summary>
    public required double BestValidationTop1 { get; init; }

    /// <summary>The epoch of <see cref="BestValidationTop1"/> (0 when none yet).</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Optimizer updates so far (Adam's t).</summary>
    public required int OptimizerSteps { get; init; }

    /// <summary>What the plateau schedule remembers between epochs.</summary>
    public required ScheduleState ScheduleState { get; init; }

    /// <summary>The model's integer state (dropout seeds and mask counts) by name.</summary>
    public required IReadOnlyDictionary<string, ulong> Counters { get; init; }

    /// <summary>Wall-clock seconds the run has trained, validated and saved, over every session up to its last save; 0 in checkpoints written before it was recorded.</summary>
    public double WallSeconds { get; init; }

    /// <summary>A run that has not taken a step, its schedule in <paramref name="schedule"/>'s state.</summary>
    public static RunProgress Start(ScheduleState schedule) => new()
    {
        Epoch = 0,
        StepInEpoch = 0,
        GlobalStep = 0,
        Partial = EpochProgress.Empty,
        History = [],
        BestValidationTop1 = 0,
        BestEpoch = 0,
        OptimizerSteps = 0,
        ScheduleState = schedule,
        Counters = new Dictionary<string, ulong>(),
    };

    /// <summary>Where the run stands, in words: "epoch 2, step 3" inside an epoch, "end of epoch 2" between epochs.</summary>
    public string Position() => StepInEpoch > 0 ? $"epoch {Epoch + 1}, step {StepInEpoch}" : $"end of epoch {Epoch}";
}
