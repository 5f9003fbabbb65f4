using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Optimization;

namespace AlexNet.Tests.Training;

/// <summary>Training states for checkpoint tests: a consistent one for the <c>mini</c> model, to change one field at a time.</summary>
internal static class TestStates
{
    /// <summary>A state as a fresh <c>mini</c> run on the synthetic data would write after its first epoch.</summary>
    public static TrainingState Mini() => new()
    {
        Model = "mini",
        Initialization = "he",
        ClassNames = ["pattern-0", "pattern-1", "pattern-2", "pattern-3"],
        DataLocation = "synthetic:4x40",
        Split = "0.5/0.25/0.25",
        MaxPixels = ImageDecoder.DefaultMaxPixels,
        Seed = 1,
        BatchSize = 8,
        TotalEpochs = 2,
        Optimizer = new OptimizerSettings(AlexNet.Training.Run.OptimizerKind.Sgd, 0.01, 0.9, 5e-4),
        OptimizerSteps = 10,
        Schedule = "constant",
        ScheduleStepEpochs = 30,
        SchedulePatience = 5,
        ScheduleState = new ScheduleState(0.01, double.PositiveInfinity, 0),
        Preprocessing = new Preprocessing(72, 64, [120, 110, 100], [1, 1, 1], [0.1, 0.02, 0.01], [1, 0, 0, 0, 1, 0, 0, 0, 1]),
        Epoch = 1,
        StepInEpoch = 0,
        GlobalStep = 10,
        Partial = EpochProgress.Empty,
        History = [],
        BestValidationTop1 = 0.5,
        BestEpoch = 1,
        Counters = new Dictionary<string, ulong>(),
        Backend = "cpu",
    };
}
