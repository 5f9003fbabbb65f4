// Trainer: the epoch loop around TrainingStep.cs — validation, schedule, checkpoints, metrics and plots.

using System.Diagnostics;
using System.Globalization;
using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.ModelParallel;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Distributed;
using AlexNet.Training.Optimization;
using AlexNet.Training.Reliability;
using AlexNet.Training.Reporting;
using AlexNet.Training.Run;

namespace AlexNet.Training.Loop;

/// <summary>How a call to <see cref="Trainer.Run"/> ended.</summary>
public enum TrainingOutcome
{
    /// <summary>Every epoch up to the target was trained.</summary>
    Completed,

    /// <summary>Stopped on request (Ctrl+C) after a finished step; <c>last.safetensors</c> holds that step.</summary>
    Interrupted,

    /// <summary>The loss became NaN or infinite; nothing was saved, so the checkpoints on disk are the last good ones. <see cref="Trainer.Divergence"/> says what happened.</summary>
    Diverged,

    /// <summary>Stopped after <see cref="Trainer.MaxSteps"/> steps; <c>last.safetensors</c> holds the last of them.</summary>
    StepLimitReached,
}

/// <summary>
/// The training loop: for each epoch, shuffled and augmented batches through the
/// <see cref="TrainingStep"/>; then validation (<see cref="Evaluator"/>), the learning-rate schedule,
/// <c>last.safetensors</c> (and <c>best.safetensors</c> when validation top-1 improved),
/// <c>metrics.csv</c> and the plots. The settings are a <see cref="RunConfig"/>, fixed for the run;
/// where it stands is a <see cref="RunProgress"/>, replaced after every step. Every random choice is a
/// function of the seed and the position, and the checkpoint holds the position, so a run
/// interrupted after any step and resumed ends with the same weights, bit for bit.
/// </summary>
public sealed class Trainer : IDisposable
{
    public const string LastFile = "last.safetensors", BestFile = "best.safetensors", MetricsFile = "metrics.csv";

    private readonly Sequential _model;
    private readonly Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly InputPipeline _train;
    private readonly InputPipeline _validation;
    private readonly TrainingReporter _reporter;
    private readonly TrainingStep _step;
    private readonly DeviceBatch _batch;
    private int[] _order;
    private long _stepsTaken;
    // Seconds this epoch's steps waited for the loader (since the resume, in a resumed epoch); the epoch line reports it.
    private double _dataWaitSeconds;
    private RunProgress? _saved;
    // The run's wall time before this session, and this session's clock: each save stores their sum.
    private readonly double _wallBefore;
    private readonly Stopwatch _session = Stopwatch.StartNew();

    /// <param name="model">initialized, or restored from a checkpoint</param>
    /// <param name="optimizer">over the model's parameters, restored too when resuming</param>
    /// <param name="schedule">its state set from <paramref name="progress"/></param>
    /// <param name="train">the training images (augmented)</param>
    /// <param name="validation">the validation images (centre crop)</param>
    /// <param name="config">the run's settings</param>
    /// <param name="progress">where the run stands</param>
    /// <param name="order">the order of the epoch in progress when resuming mid-epoch, else null</param>
    /// <param name="runFolder">where checkpoints, metrics and plots go</param>
    /// <param name="reporter">shows progress</param>
    public Trainer(Sequential model, Optimizer optimizer, LearningRateSchedule schedule, InputPipeline train, InputPipeline validation,
        RunConfig config, RunProgress progress, int[]? order, string runFolder, TrainingReporter reporter)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(progress);
        _model = model;
        _optimizer = optimizer;
        _schedule = schedule;
        _train = train;
        _validation = validation;
        _reporter = reporter;
        Config = config;
        Progress = progress;
        RunFolder = runFolder;
        _wallBefore = progress.WallSeconds;
        _order = order is { Length: > 0 } && progress.StepInEpoch > 0 ? order : train.EpochOrder(config.Seed, progress.Epoch);
        // A resumed run starts from the checkpoint on disk; a fresh run has none yet (a run folder holding one is refused).
        _saved = File.Exists(Path.Combine(runFolder, LastFile)) ? progress : null;
        if (_order.Length != train.Images.Count)
        {
            throw new AppException($"The saved data order has {_order.Length} entries, but the training set has {train.Images.Count} images; the data changed since the checkpoint was written.");
        }
        _step = new TrainingStep(model, optimizer);
        _batch = new DeviceBatch(model.Backend, model.InputShape);
    }

    /// <summary>The run's settings.</summary>
    public RunConfig Config { get; }

    /// <summary>Where the run stands; replaced after every step.</summary>
    public RunProgress Progress { get; private set; }

    public string RunFolder { get; }

    /// <summary>After <see cref="TrainingOutcome.Diverged"/>: which loss stopped the run, where, and which checkpoint on disk is the last good one.</summary>
    public string? Divergence { get; private set; }

    /// <summary>Where checkpoints are written (a test may stand in a full or read-only disk).</summary>
    public IDisk Disk { get; init; } = LocalDisk.Instance;

    /// <summary>Called after every training step with the run's step count and the backend (used by tests to interrupt at a chosen step, or to count copies).</summary>
    public Action<long, IBackend>? AfterStep { get; set; }

    /// <summary>
    /// Told the run's progress after every step and after every finished epoch (once its checkpoint
    /// and metrics are written): where a live view of the run listens.
    /// </summary>
    public IProgress<RunProgress>? Listener { get; set; }

    /// <summary>
    /// The most steps <see cref="Run"/> takes before it saves and returns (null: no limit), counted from
    /// where it starts, so a resumed run takes that many more: one step of a model, for the debugger.
    /// </summary>
    public long? MaxSteps { get; set; }

    /// <summary>Data-parallel training: this rank's part of the group (null: one process). Only its writer (rank 0) saves files.</summary>
    public DataParallel? Parallel { get => _step.Parallel; init => _step.Parallel = value; }

    /// <summary>The paper's two-device split (<c>--model-parallel 2</c>), which the step trains through; null: one device.</summary>
    public TwoDeviceNetwork? Split { get => _step.Split; init => _step.Split = value; }

    private bool StepLimitReached => MaxSteps is long limit && _stepsTaken >= limit;

    private bool IsWriter => Parallel is null || Parallel.IsWriter;

    /// <summary>Whether to stop: Ctrl+C here, or (data-parallel) on any rank, so that all stop at the same step.</summary>
    private bool StopRequested(CancellationToken cancellationToken) =>
        Parallel?.AgreeToStop(cancellationToken.IsCancellationRequested) ?? cancellationToken.IsCancellationRequested;

    /// <summary>Trains until <see cref="RunConfig.Epochs"/>, convergence (the plateau schedule), an interrupt, or a non-finite loss.</summary>
    public TrainingOutcome Run(CancellationToken cancellationToken)
    {
        while (Progress.Epoch < Config.Epochs && !Progress.ScheduleState.Converged)
        {
            int epoch = Progress.Epoch;
            double rate = _schedule.RateFor(epoch);
            var clock = Stopwatch.StartNew();
            double secondsBefore = Progress.StepInEpoch > 0 ? Progress.Partial.Seconds : 0;
            var outcome = _reporter.RunEpoch(epoch + 1, Config.Epochs, _train.TrainingBatches, Progress.StepInEpoch,
                report => TrainEpoch(epoch, rate, clock, secondsBefore, report, cancellationToken));
            if (outcome != TrainingOutcome.Completed)
            {
                return outcome;
            }
            if (FinishEpoch(epoch, rate, secondsBefore + clock.Elapsed.TotalSeconds) == TrainingOutcome.Diverged)
            {
                return TrainingOutcome.Diverged;
            }
            if (Progress.Epoch < Config.Epochs && StopRequested(cancellationToken))
            {
                return TrainingOutcome.Interrupted;
            }
            if (StepLimitReached && Progress.Epoch < Config.Epochs)
            {
                return TrainingOutcome.StepLimitReached;
            }
        }
        return TrainingOutcome.Completed;
    }

    private TrainingOutcome TrainEpoch(int epoch, double rate, Stopwatch clock, double secondsBefore, Action<StepReport> report, CancellationToken cancellationToken)
    {
        var partial = Progress.StepInEpoch > 0 ? Progress.Partial : EpochProgress.Empty;
        long seenBefore = partial.Seen;
        int steps = _train.TrainingBatches;
        // The queue is stopped by disposing it; cancellation is checked between steps, so a step always finishes.
        using var queue = _train.Training(Config.Seed, epoch, _order, Progress.StepInEpoch, CancellationToken.None);
        _dataWaitSeconds = 0;
        for (int step = Progress.StepInEpoch; step < steps; step++)
        {
            using (var batch = queue.Next()!)
            {
                _batch.Load(batch, labels: true);
            }
            _dataWaitSeconds = queue.WaitSeconds;
            var result = _step.Run(_batch, rate, stopRequested: cancellationToken.IsCancellationRequested);
            if (DivergenceWatch.IsDiverging(result.Loss, Config.ClassNames.Count))
            {
                Divergence = string.Create(CultureInfo.InvariantCulture,
                    $"The training loss {DivergenceWatch.Describe(result.Loss, Config.ClassNames.Count, $"at epoch {epoch + 1}, step {step + 1}")} {LastGoodCheckpoint()} {Advice(rate)}");
                return TrainingOutcome.Diverged;
            }
            double seconds = secondsBefore + clock.Elapsed.TotalSeconds;
            partial = new EpochProgress(partial.LossSum + ((double)result.Loss * result.Count), partial.Correct + result.Correct, partial.Seen + result.Count, seconds);
            Progress = Progress with { StepInEpoch = step + 1, GlobalStep = Progress.GlobalStep + 1, Partial = partial, OptimizerSteps = _optimizer.Steps };
            report(new StepReport(step + 1, partial.LossSum / partial.Seen, (double)partial.Correct / partial.Seen,
                (partial.Seen - seenBefore) / Math.Max(1e-9, clock.Elapsed.TotalSeconds), "train"));
            Listener?.Report(Progress);
            AfterStep?.Invoke(Progress.GlobalStep, _model.Backend);
            _stepsTaken++;
            // A stop inside an epoch saves here; at an epoch's end the epoch finishes (validation, checkpoints) first.
            if ((Parallel is null ? cancellationToken.IsCancellationRequested : result.Stop) && step + 1 < steps)
            {
                SaveLast();
                return TrainingOutcome.Interrupted;
            }
            if (StepLimitReached && step + 1 < steps)
            {
                SaveLast();
                return TrainingOutcome.StepLimitReached;
            }
        }
        report(new StepReport(steps, partial.LossSum / Math.Max(1, partial.Seen), (double)partial.Correct / Math.Max(1, partial.Seen), 0, "validate"));
        return TrainingOutcome.Completed;
    }

    /// <summary>
    /// Validates the epoch whose steps are done and saves it, unless its loss is not finite
    /// (<see cref="TrainingOutcome.Diverged"/>: nothing is written). It takes no cancellation token:
    /// after Ctrl+C in an epoch's last step the epoch still finishes and is saved, and <see cref="Run"/> stops after it.
    /// </summary>
    private TrainingOutcome FinishEpoch(int epoch, double rate, double seconds)
    {
        var partial = Progress.Partial;
        var validation = Evaluator.Run(_model, _validation, [Augmentation.Centre(_validation.MaxOffset)], Config.ClassNames, CancellationToken.None);
        if (Parallel is not null)
        {
            // Every rank validated the same weights; rank 0's numbers decide, so the schedule cannot differ between ranks.
            double[] writer = Parallel.FromWriter(validation.Loss, validation.Top1, validation.Top5);
            validation = validation with { Loss = writer[0], Top1 = writer[1], Top5 = writer[2] };
        }
        var metrics = new EpochMetrics(epoch + 1, rate, partial.LossSum / Math.Max(1, partial.Seen), (double)partial.Correct / Math.Max(1, partial.Seen),
            validation.Loss, validation.Top1, validation.Top5, seconds, partial.Seen / Math.Max(1e-9, partial.Seconds));
        _reporter.Line(TrainingReporter.EpochLine(metrics, Config.Epochs) + string.Create(CultureInfo.InvariantCulture, $"  data wait {_dataWaitSeconds:0.0} s"));
        if (DivergenceWatch.IsEpochDiverging(metrics.TrainLoss, Config.ClassNames.Count))
        {
            Divergence = string.Create(CultureInfo.InvariantCulture,
                $"The training loss of epoch {epoch + 1} averaged {metrics.TrainLoss:G4}, over {DivergenceWatch.EpochChanceMultiple:0} times the loss of guessing (ln {Config.ClassNames.Count} = {Math.Log(Config.ClassNames.Count):0.00}): the training is diverging, so the epoch was not saved. {LastGoodCheckpoint()} {Advice(rate)}");
            return TrainingOutcome.Diverged;
        }
        // Every step's loss was finite, but the last updates can still have broken the weights: the validation loss shows it.
        (string which, double loss) = validation.Count > 0 ? ("validation", validation.Loss) : ("training", metrics.TrainLoss);
        if (!double.IsFinite(loss))
        {
            Divergence = string.Create(CultureInfo.InvariantCulture,
                $"The {which} loss of epoch {epoch + 1} is {loss}: the weights diverged, so they were not saved. {LastGoodCheckpoint()} {Advice(rate)}");
            return TrainingOutcome.Diverged;
        }
        // Without validation images, the plateau rule has nothing to watch and the latest epoch counts as the best.
        var scheduleEvent = validation.Count > 0 ? _schedule.EndEpoch(1 - validation.Top1) : ScheduleEvent.None;
        bool best = Progress.BestEpoch == 0 || validation.Count == 0 || validation.Top1 > Progress.BestValidationTop1;
        _order = _train.EpochOrder(Config.Seed, epoch + 1);
        Progress = Progress with
        {
            Epoch = epoch + 1,
            StepInEpoch = 0,
            Partial = EpochProgress.Empty,
            History = [.. Progress.History, metrics],
            ScheduleState = _schedule.State,
            BestValidationTop1 = best ? validation.Top1 : Progress.BestValidationTop1,
            BestEpoch = best ? epoch + 1 : Progress.BestEpoch,
        };
        SaveLast();
        if (IsWriter)
        {
            if (best)
            {
                Persisting(BestFile, () => AtomicFile.Copy(Path.Combine(RunFolder, LastFile), Path.Combine(RunFolder, BestFile), Disk));
            }
            MetricsCsv.Write(Path.Combine(RunFolder, MetricsFile), Progress.History);
            TrainingPlots.Write(RunFolder, Progress.History, RunNames.Models[Config.Model]);
        }
        Listener?.Report(Progress);
        if (scheduleEvent == ScheduleEvent.Reduced)
        {
            _reporter.Line(string.Create(CultureInfo.InvariantCulture,
                $"Validation error has not improved for {Plural.Of(_schedule.Patience, "epoch")}: learning rate divided by 10, now {_schedule.State.Rate:G3}."));
        }
        else if (scheduleEvent == ScheduleEvent.Converged)
        {
            _reporter.Line(string.Create(CultureInfo.InvariantCulture,
                $"Validation error has not improved for {Plural.Of(_schedule.Patience, "epoch")} after {Plural.Of(_schedule.MaxReductions, "division")} of the learning rate: the run has converged and ends at epoch {epoch + 1}, as the paper's did."));
        }
        return TrainingOutcome.Completed;
    }

    /// <summary>Writes <c>last.safetensors</c> with the current state (atomically); data-parallel, only rank 0 writes.</summary>
    public void SaveLast()
    {
        Progress = Progress with
        {
            OptimizerSteps = _optimizer.Steps,
            Counters = _model.Counters.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal),
            ScheduleState = _schedule.State,
            WallSeconds = _wallBefore + _session.Elapsed.TotalSeconds,
        };
        if (IsWriter)
        {
            Persisting(LastFile, () => Checkpoint.Save(Path.Combine(RunFolder, LastFile), RunState.Of(Config, Progress), _model, _optimizer, _order, Disk));
        }
        _saved = Progress;
    }

    /// <summary>Runs a checkpoint write; a disk that fails (full, read-only, gone) is reported with what is still safe and how to go on.</summary>
    private void Persisting(string file, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string next = $"free some space or fix the folder, then resume with: {Resume}";
            throw new AppException(_saved is null
                ? $"Writing {Path.Combine(RunFolder, file)} failed ({e.Message}). No checkpoint of this run had been written yet; fix the folder and start the run again."
                : $"Writing {Path.Combine(RunFolder, file)} failed ({e.Message}). The previous checkpoint, {Path.Combine(RunFolder, LastFile)} ({_saved.Position()}), is intact; {next}.", e);
        }
    }

    /// <summary>The command that continues this run, as messages print it (the app's names the folder relative to the working folder and repeats its per-invocation flags).</summary>
    public string? ResumeCommand { get; init; }

    private string Resume => ResumeCommand ?? $"alexnet train --resume {RunFolder} --epochs {Config.Epochs}";

    /// <summary>What to do after a divergence: the exact command that continues from the last good checkpoint at a tenth of the rate.</summary>
    private string Advice(double rate) => _saved is null
        ? string.Create(CultureInfo.InvariantCulture, $"Start the run again with a smaller learning rate than {rate:G3}, e.g. --lr {rate / 10:G3}.")
        : string.Create(CultureInfo.InvariantCulture, $"Continue from it with a smaller learning rate: {Resume} --lr {rate / 10:G3}.");

    private string LastGoodCheckpoint() => _saved is null
        ? "No checkpoint was written yet."
        : $"The last good checkpoint, {Path.Combine(RunFolder, LastFile)} ({_saved.Position()}), is untouched.";

    public void Dispose()
    {
        _batch.Dispose();
        _step.Dispose();
    }
}
