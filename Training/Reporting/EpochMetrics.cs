namespace AlexNet.Training.Reporting;

/// <summary>One epoch's numbers: one row of <c>metrics.csv</c> and one point of each plot. Accuracies are fractions in [0, 1].</summary>
public sealed record EpochMetrics(
    int Epoch,
    double LearningRate,
    double TrainLoss,
    double TrainTop1,
    double ValidationLoss,
    double ValidationTop1,
    double ValidationTop5,
    double Seconds,
    double ImagesPerSecond);
