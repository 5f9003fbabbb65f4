// The one seam between RunConfig + RunProgress and the checkpoint's flat TrainingState (Checkpoints/TrainingState.cs).

using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;

namespace AlexNet.Training.Run;

/// <summary>
/// The one seam between a run in memory (<see cref="RunConfig"/> and <see cref="RunProgress"/>) and
/// the training state a checkpoint stores (<see cref="TrainingState"/>, one flat JSON record). The
/// checkpoint spells the model, initialization and schedule by name, so a file says what it holds
/// and <see cref="TrainingStateValidation"/> can report an unknown name in words; here those names
/// become enums. Checkpoints written before <see cref="RunConfig"/> existed have the same fields and
/// load unchanged.
/// </summary>
public static class RunState
{
    /// <summary>The training state of a run with settings <paramref name="config"/> that stands at <paramref name="progress"/>.</summary>
    public static TrainingState Of(RunConfig config, RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(progress);
        return new TrainingState
        {
            Model = RunNames.Models[config.Model],
            Initialization = RunNames.Initializations[config.Initialization],
            ClassNames = config.ClassNames,
            DataLocation = config.DataLocation,
            DataFingerprint = config.DataFingerprint,
            Split = config.Split.ToString(),
            MaxPixels = config.MaxPixels,
            Seed = config.Seed,
            SplitSeed = config.SplitSeed,
            BatchSize = config.BatchSize,
            TotalEpochs = config.Epochs,
            Optimizer = config.Optimizer,
            OptimizerSteps = progress.OptimizerSteps,
            Schedule = RunNames.Schedules[config.Schedule.Kind],
            ScheduleStepEpochs = config.Schedule.StepEpochs,
            SchedulePatience = config.Schedule.Patience,
            ScheduleWarmupEpochs = config.Schedule.WarmupEpochs,
            ScheduleState = progress.ScheduleState,
            Preprocessing = config.Preprocessing,
            Epoch = progress.Epoch,
            StepInEpoch = progress.StepInEpoch,
            GlobalStep = progress.GlobalStep,
            Partial = progress.Partial,
            History = progress.History,
            BestValidationTop1 = progress.BestValidationTop1,
            BestEpoch = progress.BestEpoch,
            Counters = progress.Counters,
            Backend = config.Backend,
            FineTune = config.FineTune,
            Dropout = config.Dropout,
            ClassesFile = config.ClassesFile,
            Augmentation = config.Augmentation.IsPaper ? null : config.Augmentation,
            WallSeconds = progress.WallSeconds,
            Normalization = config.NormalizationName,
            SoftTargets = config.SoftTargets == SoftTargetSettings.None ? null : config.SoftTargets,
        };
    }

    /// <summary>The settings of the run <paramref name="state"/> was saved from (a state <see cref="Checkpoint.Read"/> has validated).</summary>
    public static RunConfig Config(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var model = RunNames.Models.Parse(state.Model);
        return new RunConfig
        {
            Model = model,
            // Checkpoints of runs that took the variant's default initialization may leave it out.
            Initialization = RunNames.Initializations.Parse(state.Initialization ?? model.Variant().Initializations[0]),
            ClassNames = state.ClassNames,
            DataLocation = state.DataLocation,
            DataFingerprint = state.DataFingerprint,
            Split = SplitSpec.Parse(state.Split),
            MaxPixels = state.MaxPixels,
            Seed = state.Seed,
            SplitSeed = state.SplitSeed,
            BatchSize = state.BatchSize,
            Epochs = state.TotalEpochs,
            Optimizer = state.Optimizer,
            Schedule = new ScheduleSettings(RunNames.Schedules.Parse(state.Schedule), state.ScheduleStepEpochs, state.SchedulePatience, state.ScheduleWarmupEpochs),
            Preprocessing = state.Preprocessing,
            Backend = state.Backend,
            FineTune = state.FineTune,
            Dropout = state.Dropout,
            ClassesFile = state.ClassesFile,
            Augmentation = state.Augmentation ?? AugmentationSettings.Paper,
            Normalization = state.Normalization is { } norm ? RunNames.Normalizations.Parse(norm) : null,
            SoftTargets = state.SoftTargets ?? SoftTargetSettings.None,
        };
    }

    /// <summary>Where the run <paramref name="state"/> was saved from stood.</summary>
    public static RunProgress Progress(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new RunProgress
        {
            Epoch = state.Epoch,
            StepInEpoch = state.StepInEpoch,
            GlobalStep = state.GlobalStep,
            Partial = state.Partial,
            History = state.History,
            BestValidationTop1 = state.BestValidationTop1,
            BestEpoch = state.BestEpoch,
            OptimizerSteps = state.OptimizerSteps,
            ScheduleState = state.ScheduleState,
            Counters = state.Counters,
            WallSeconds = state.WallSeconds,
        };
    }
}
