using System.Globalization;
using Spectre.Console;

namespace AlexNet.Training.Reporting;

/// <summary>What the trainer reports after each step of an epoch.</summary>
/// <param name="Step">batches done in this epoch</param>
/// <param name="Loss">the epoch's mean training loss so far</param>
/// <param name="Top1">the epoch's training top-1 so far</param>
/// <param name="ImagesPerSecond">training throughput of this epoch</param>
/// <param name="Phase">"train", or "validate" once the steps are done</param>
public readonly record struct StepReport(int Step, double Loss, double Top1, double ImagesPerSecond, string Phase);

/// <summary>
/// Shows training as it goes. Interactive terminals get a live Spectre.Console progress bar per
/// epoch (loss, accuracy, images/s, time left) that clears into the epoch's summary line; redirected
/// output gets the summary lines only, so logs stay readable.
/// </summary>
public sealed class TrainingReporter(IAnsiConsole console, bool live, Action<string> writeLine)
{
    /// <summary>Runs one epoch's <paramref name="body"/>, showing what it reports through the callback it receives.</summary>
    public T RunEpoch<T>(int epoch, int totalEpochs, int steps, int firstStep, Func<Action<StepReport>, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        string title = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{totalEpochs}");
        if (!live)
        {
            return body(_ => { });
        }
        return console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(title, maxValue: Math.Max(1, steps));
                task.Value = firstStep;
                return body(report =>
                {
                    task.Value = report.Step;
                    task.Description = report.Phase == "validate"
                        ? $"{title}  validating…"
                        : string.Create(CultureInfo.InvariantCulture, $"{title}  loss {report.Loss:0.0000}  top-1 {100 * report.Top1:0.0}%  {report.ImagesPerSecond:0} img/s");
                });
            });
    }

    /// <summary>Writes a line of plain text.</summary>
    public void Line(string text) => writeLine(text);

    /// <summary>The summary line of a finished epoch.</summary>
    public static string EpochLine(EpochMetrics m, int totalEpochs)
    {
        ArgumentNullException.ThrowIfNull(m);
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{totalEpochs}  lr {m.LearningRate:G3}  train loss {m.TrainLoss:0.0000} top-1 {100 * m.TrainTop1:0.0}%  val loss {m.ValidationLoss:0.0000} top-1 {100 * m.ValidationTop1:0.0}% top-5 {100 * m.ValidationTop5:0.0}%  {m.Seconds:0.0} s  {m.ImagesPerSecond:0} img/s");
    }
}
