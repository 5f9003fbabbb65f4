using System.Text.Json;
using AlexNet.Layers;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Run;

namespace AlexNet.Training.Reporting.Html;

/// <summary>
/// <c>alexnet train --dashboard</c>: the run page served while the run trains. The trainer reports its
/// progress here after every step and every epoch (it is the trainer's <see cref="IProgress{T}"/>
/// listener, and passes each report on to the listener it wraps); the page polls <c>/data.json</c> every
/// second. It stops serving when disposed, that is with the run.
/// </summary>
public sealed class Dashboard : IProgress<RunProgress>, IDisposable
{
    /// <summary>The port used when <c>--dashboard</c> names none.</summary>
    public const int DefaultPort = 8017;

    private readonly Lock _gate = new();
    private readonly string _title;
    private readonly IReadOnlyList<string[]> _settings;
    private readonly Sequential _model;
    private readonly int _steps;
    private readonly int _epochs;
    private readonly IProgress<RunProgress>? _next;
    private readonly PageServer _server;
    private IReadOnlyList<EpochMetrics> _history;
    private EpochProgressReport? _progress;
    private FilterPicture? _filters;

    /// <param name="host">the address to listen on (127.0.0.1: this machine only)</param>
    /// <param name="port">the TCP port</param>
    /// <param name="title">the run's name</param>
    /// <param name="state">the run as it starts (its finished epochs, when resumed)</param>
    /// <param name="model">the model being trained; its first kernels are redrawn after each epoch</param>
    /// <param name="steps">training steps in one epoch</param>
    /// <param name="next">a listener that hears every report after the dashboard, or null</param>
    public Dashboard(string host, int port, string title, TrainingState state, Sequential model, int steps, IProgress<RunProgress>? next)
    {
        ArgumentNullException.ThrowIfNull(state);
        _title = title;
        _settings = ReportBuilder.Settings(state);
        _model = model;
        _steps = steps;
        _epochs = state.TotalEpochs;
        _next = next;
        _history = state.History;
        _filters = ReportBuilder.Filters(model);
        _server = new PageServer(host, port, () => HtmlPage.Render("report.html", _title, Snapshot()), () => JsonSerializer.Serialize(Snapshot(), HtmlPage.Json));
    }

    /// <summary>Where the dashboard is served.</summary>
    public Uri Address => _server.Address;

    /// <summary>The page's data now.</summary>
    public ReportData Snapshot()
    {
        lock (_gate)
        {
            return new ReportData(_title, Live: true, _settings, _history, _progress, _filters, Test: null);
        }
    }

    /// <summary>
    /// A step or an epoch is done: inside an epoch the bar shows the step (validating after the last one);
    /// at an epoch's end its metrics join the curves and conv1's kernels are redrawn from the weights.
    /// </summary>
    public void Report(RunProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        bool epochEnded = value.StepInEpoch == 0;
        var filters = epochEnded ? ReportBuilder.Filters(_model) : null;
        var partial = value.Partial;
        lock (_gate)
        {
            if (epochEnded)
            {
                _history = value.History;
                _filters = filters;
                _progress = new EpochProgressReport(value.Epoch, _epochs, _steps, _steps, _history.Count > 0 ? _history[^1].TrainLoss : 0,
                    _history.Count > 0 ? _history[^1].TrainTop1 : 0, 0, value.Epoch >= _epochs ? "finished" : "validated");
            }
            else
            {
                _progress = new EpochProgressReport(value.Epoch + 1, _epochs, value.StepInEpoch, _steps, partial.LossSum / Math.Max(1, partial.Seen),
                    (double)partial.Correct / Math.Max(1, partial.Seen), partial.Seen / Math.Max(1e-9, partial.Seconds), value.StepInEpoch >= _steps ? "validate" : "train");
            }
        }
        _next?.Report(value);
    }

    public void Dispose() => _server.Dispose();
}
