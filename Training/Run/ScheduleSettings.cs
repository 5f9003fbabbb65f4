// ScheduleSettings: which learning-rate schedule a run follows (Optimization/LearningRateSchedule.cs computes it).

namespace AlexNet.Training.Run;

/// <summary>Which learning-rate schedule a run follows, and its two constants.</summary>
/// <param name="Kind">constant, step, plateau or cosine</param>
/// <param name="StepEpochs">epochs between two ×0.1 steps (step)</param>
/// <param name="Patience">epochs without a better validation error before the rate is divided (plateau)</param>
/// <param name="WarmupEpochs">first epochs whose rate rises linearly to the schedule's (0: none, as every run before the option)</param>
public sealed record ScheduleSettings(ScheduleKind Kind, int StepEpochs, int Patience, int WarmupEpochs = 0)
{
    public override string ToString() => RunNames.Schedules[Kind];
}
