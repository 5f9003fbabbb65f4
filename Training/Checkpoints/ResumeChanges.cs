using System.Globalization;

namespace AlexNet.Training.Checkpoints;

/// <summary>
/// The settings a resumed run may change, and how: the epochs to reach, the learning rate (after a
/// divergence, the way out), the plateau schedule's patience, and the batch size, which cuts an epoch's
/// order into steps and so can change only between epochs. Everything else (model, classes, data,
/// split, seed, optimizer, schedule) defines the run and stays as it started.
/// </summary>
public static class ResumeChanges
{
    /// <summary>The options <see cref="Apply"/> takes; every other training option is refused with <c>--resume</c>.</summary>
    public static IReadOnlyList<string> Options { get; } = ["--epochs", "--lr", "--patience", "--batch-size"];

    /// <summary>
    /// <paramref name="state"/> with the given changes; null leaves a setting as it is. Returns one phrase
    /// per setting that really changed ("learning rate 0.01 → 0.001"), for the log.
    /// </summary>
    /// <exception cref="AppException">A value is out of range, or the batch size changes inside an epoch.</exception>
    public static (TrainingState State, IReadOnlyList<string> Changes) Apply(TrainingState state, string runName, int? epochs, double? learningRate, int? patience, int? batchSize)
    {
        ArgumentNullException.ThrowIfNull(state);
        var changes = new List<string>();
        if (epochs is int total && total != state.TotalEpochs)
        {
            changes.Add($"epochs {state.TotalEpochs} → {total}");
            state = state with { TotalEpochs = total };
        }
        // The plateau schedule goes on from the new rate; the others scale from it as their base.
        double current = state.Schedule == "plateau" ? state.ScheduleState.Rate : state.Optimizer.LearningRate;
        if (learningRate is double rate && rate != current)
        {
            var optimizer = (state.Optimizer with { LearningRate = rate }).Validated();
            changes.Add(string.Create(CultureInfo.InvariantCulture, $"learning rate {current:G3} → {rate:G3}"));
            state = state with { Optimizer = optimizer, ScheduleState = state.ScheduleState with { Rate = rate } };
        }
        if (patience is int epochsToWait && epochsToWait != state.SchedulePatience)
        {
            changes.Add($"patience {state.SchedulePatience} → {epochsToWait}");
            state = state with { SchedulePatience = epochsToWait };
        }
        if (batchSize is int size && size != state.BatchSize)
        {
            if (state.StepInEpoch > 0)
            {
                throw AppException.Usage($"--batch-size can change only between epochs: the run stopped at {state.Position()}, inside an epoch cut into batches of {state.BatchSize}. "
                    + $"Finish that epoch first (alexnet train --resume {runName} --epochs {state.Epoch + 1}), then resume with --batch-size {size}.");
            }
            changes.Add($"batch size {state.BatchSize} → {size}");
            state = state with { BatchSize = size };
        }
        return (state, changes);
    }
}
