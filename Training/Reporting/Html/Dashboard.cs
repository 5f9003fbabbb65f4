using System.Text.Json;
using AlexNet.Layers;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Training.Reporting.Html;

/// <summary>
/// <c>alexnet train --dashboard</c>: the run page served while the run trains. The trainer's reporter
/// tells it each step (<see cref="Step"/>) and each finished epoch (<see cref="Epoch"/>); the page polls
/// <c>/data.json</c> every second. It stops serving when disposed, that is with the run.
/// </summary>
public sealed class Dashboard : IDisposable
{
    /// <summary>The port used when <c>--dashboard</c> names none.</summary>
    public const int DefaultPort = 8017;

    private readonly Lock _gate = new();
    private readonly string _title;
    private readonly IReadOnlyList<string[]> _settings;
    private readonly Sequential _model;
    private readonly List<EpochMetrics> _history;
    private readonly PageServer _server;
    private EpochProgressReport? _progress;
    private FilterPicture? _filters;

    /// <param name="host">the address to listen on (127.0.0.1: this machine only)</param>
    /// <param name="port">the TCP port</param>
    /// <param name="title">the run's name</param>
    /// <param name="state">the run as it starts (its finished epochs, when resumed)</param>
    /// <param name="model">the model being trained; its first kernels are redrawn after each epoch</param>
    public Dashboard(string host, int port, string title, TrainingState state, Sequential model)
    {
        ArgumentNullException.ThrowIfNull(state);
        _title = title;
        _settings = ReportBuilder.Settings(state);
        _model = model;
        _history = [.. state.History];
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
            return new ReportData(_title, Live: true, _settings, [.. _history], _progress, _filters, Test: null);
        }
    }

    /// <summary>A step of epoch <paramref name="epoch"/> (1-based) is done, or (phase validate) all of them are.</summary>
    public void Step(int epoch, int totalEpochs, int steps, StepReport report)
    {
        lock (_gate)
        {
            _progress = new EpochProgressReport(epoch, totalEpochs, report.Step, steps, report.Loss, report.Top1, report.ImagesPerSecond, report.Phase);
        }
    }

    /// <summary>An epoch was validated and saved: its metrics join the curves and the kernels are redrawn.</summary>
    public void Epoch(EpochMetrics metrics)
    {
        var filters = ReportBuilder.Filters(_model);
        lock (_gate)
        {
            _history.Add(metrics);
            _filters = filters;
            if (_progress is { } progress)
            {
                _progress = progress with { Phase = progress.Epoch >= progress.TotalEpochs ? "finished" : "validated" };
            }
        }
    }

    public void Dispose() => _server.Dispose();
}
