using System.Diagnostics;
using System.Globalization;
using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Optimization;
using AlexNet.Training.Reliability;
using AlexNet.Training.Reporting;

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
/// The training loop: for each epoch, shuffled and augmented batches through forward, loss, backward
/// and the optimizer; then validation, the learning-rate schedule, <c>last.safetensors</c> (and
/// <c>best.safetensors</c> when validation top-1 improved), <c>metrics.csv</c> and the plots. Every
/// random choice is a function of the seed and the position, and the checkpoint holds the position,
/// so a run interrupted after any step and resumed ends with the same weights, bit for bit.
/// </summary>
public sealed class Trainer : IDisposable
{
    public const string LastFile = "last.safetensors", BestFile = "best.safetensors", MetricsFile = "metrics.csv";

    private readonly IBackend _backend;
    private readonly Sequential _model;
    private readonly Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly InputPipeline _train;
    private readonly InputPipeline _validation;
    private readonly SoftmaxCrossEntropy _loss;
    private readonly TrainingReporter _reporter;
    private Tensor? _images;
    private Tensor? _labels;
    private Tensor? _predictions;
    private int[] _order;
    private long _stepsTaken;
    private TrainingState? _saved;

    /// <param name="model">initialized, or restored from a checkpoint</param>
    /// <param name="optimizer">over the model's parameters, restored too when resuming</param>
    /// <param name="schedule">its state set from <paramref name="state"/></param>
    /// <param name="train">the training images (augmented)</param>
    /// <param name="validation">the validation images (centre crop)</param>
    /// <param name="state">where the run stands</param>
    /// <param name="order">the order of the epoch in progress when resuming mid-epoch, else null</param>
    /// <param name="runFolder">where checkpoints, metrics and plots go</param>
    /// <param name="reporter">shows progress</param>
    public Trainer(Sequential model, Optimizer optimizer, LearningRateSchedule schedule, InputPipeline train, InputPipeline validation,
        TrainingState state, int[]? order, string runFolder, TrainingReporter reporter)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        _model = model;
        _backend = model.Backend;
        _optimizer = optimizer;
        _schedule = schedule;
        _train = train;
        _validation = validation;
        _reporter = reporter;
        State = state;
        RunFolder = runFolder;
        _loss = new SoftmaxCrossEntropy(_backend);
        _order = order is { Length: > 0 } && state.StepInEpoch > 0 ? order : train.EpochOrder(state.Seed, state.Epoch);
        // A resumed run starts from the checkpoint on disk; a fresh run has none yet (a run folder holding one is refused).
        _saved = File.Exists(Path.Combine(runFolder, LastFile)) ? state : null;
        if (_order.Length != train.Images.Count)
        {
            throw new AppException($"The saved data order has {_order.Length} entries, but the training set has {train.Images.Count} images; the data changed since the checkpoint was written.");
        }
    }

    /// <summary>Where the run stands; updated after every step.</summary>
    public TrainingState State { get; private set; }

    public string RunFolder { get; }

    /// <summary>After <see cref="TrainingOutcome.Diverged"/>: which loss stopped the run, where, and which checkpoint on disk is the last good one.</summary>
    public string? Divergence { get; private set; }

    /// <summary>Where checkpoints are written (a test may stand in a full or read-only disk).</summary>
    public IDisk Disk { get; init; } = LocalDisk.Instance;

    /// <summary>Called after every training step with the run's step count and the backend (used by tests to interrupt at a chosen step, or to count copies).</summary>
    public Action<long, IBackend>? AfterStep { get; set; }

    /// <summary>
    /// The most steps <see cref="Run"/> takes before it saves and returns (null: no limit), counted from
    /// where it starts, so a resumed run takes that many more: one step of a model, for the debugger.
    /// </summary>
    public long? MaxSteps { get; set; }

    private bool StepLimitReached => MaxSteps is long limit && _stepsTaken >= limit;

    /// <summary>Trains until <see cref="TrainingState.TotalEpochs"/>, convergence (the plateau schedule), an interrupt, or a non-finite loss.</summary>
    public TrainingOutcome Run(CancellationToken cancellationToken)
    {
        while (State.Epoch < State.TotalEpochs && !State.ScheduleState.Converged)
        {
            int epoch = State.Epoch;
            double rate = _schedule.RateFor(epoch);
            var clock = Stopwatch.StartNew();
            double secondsBefore = State.StepInEpoch > 0 ? State.Partial.Seconds : 0;
            var outcome = _reporter.RunEpoch(epoch + 1, State.TotalEpochs, _train.TrainingBatches, State.StepInEpoch,
                report => TrainEpoch(epoch, rate, clock, secondsBefore, report, cancellationToken));
            if (outcome != TrainingOutcome.Completed)
            {
                return outcome;
            }
            if (FinishEpoch(epoch, rate, secondsBefore + clock.Elapsed.TotalSeconds) == TrainingOutcome.Diverged)
            {
                return TrainingOutcome.Diverged;
            }
            if (cancellationToken.IsCancellationRequested && State.Epoch < State.TotalEpochs)
            {
                return TrainingOutcome.Interrupted;
            }
            if (StepLimitReached && State.Epoch < State.TotalEpochs)
            {
                return TrainingOutcome.StepLimitReached;
            }
        }
        return TrainingOutcome.Completed;
    }

    private TrainingOutcome TrainEpoch(int epoch, double rate, Stopwatch clock, double secondsBefore, Action<StepReport> report, CancellationToken cancellationToken)
    {
        _model.IsTraining = true;
        var partial = State.StepInEpoch > 0 ? State.Partial : EpochProgress.Empty;
        long seenBefore = partial.Seen;
        int steps = _train.TrainingBatches;
        // The queue is stopped by disposing it; cancellation is checked between steps, so a step always finishes.
        using var queue = _train.Training(State.Seed, epoch, _order, State.StepInEpoch, CancellationToken.None);
        for (int step = State.StepInEpoch; step < steps; step++)
        {
            using var batch = queue.Next()!;
            var (loss, correct) = TrainStep(batch, rate);
            if (DivergenceWatch.IsDiverging(loss, State.ClassNames.Count))
            {
                Divergence = string.Create(CultureInfo.InvariantCulture,
                    $"The training loss {DivergenceWatch.Describe(loss, State.ClassNames.Count, $"at epoch {epoch + 1}, step {step + 1}")} {LastGoodCheckpoint()} {Advice(rate)}");
                return TrainingOutcome.Diverged;
            }
            double seconds = secondsBefore + clock.Elapsed.TotalSeconds;
            partial = new EpochProgress(partial.LossSum + (loss * batch.Count), partial.Correct + correct, partial.Seen + batch.Count, seconds);
            State = State with { StepInEpoch = step + 1, GlobalStep = State.GlobalStep + 1, Partial = partial, OptimizerSteps = _optimizer.Steps };
            report(new StepReport(step + 1, partial.LossSum / partial.Seen, (double)partial.Correct / partial.Seen,
                (partial.Seen - seenBefore) / Math.Max(1e-9, clock.Elapsed.TotalSeconds), "train"));
            AfterStep?.Invoke(State.GlobalStep, _backend);
            _stepsTaken++;
            // A stop inside an epoch saves here; at an epoch's end the epoch finishes (validation, checkpoints) first.
            if (cancellationToken.IsCancellationRequested && step + 1 < steps)
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
    /// One batch: forward, loss, backward, update. Returns the batch's mean loss and correct top-1
    /// count; a diverging loss (<see cref="DivergenceWatch"/>) skips the update. Besides the batch going up, only the loss and
    /// the batch's top-1 classes (one value per image) come back from the backend.
    /// </summary>
    private (double Loss, int Correct) TrainStep(Batch batch, double rate)
    {
        var shape = new Shape(batch.Count, _model.InputShape[0], _model.InputShape[1], _model.InputShape[2]);
        if (_images is null || _images.Shape != shape)
        {
            _images?.Dispose();
            _labels?.Dispose();
            _predictions?.Dispose();
            _images = _backend.Allocate(shape, "images");
            _labels = _backend.Allocate(new Shape(batch.Count), "labels");
            _predictions = _backend.Allocate(new Shape(batch.Count, 1), "predictions");
        }
        _backend.Upload(batch.Inputs, _images);
        _backend.Upload(batch.Labels, _labels!);
        _model.ZeroGradients();
        var logits = _model.Forward(_images);
        float loss = _loss.Forward(logits, _labels!).ToArray()[0];
        if (DivergenceWatch.IsDiverging(loss, State.ClassNames.Count))
        {
            return (loss, 0);
        }
        _backend.TopK(_loss.Probabilities!, 1, _predictions!);
        _model.Backward(_loss.Backward());
        _optimizer.Step(rate);
        float[] predicted = _predictions!.ToArray();
        int correct = 0;
        for (int n = 0; n < batch.Count; n++)
        {
            correct += predicted[n] == batch.Labels[n] ? 1 : 0;
        }
        return (loss, correct);
    }

    /// <summary>
    /// Validates the epoch whose steps are done and saves it, unless its loss is not finite
    /// (<see cref="TrainingOutcome.Diverged"/>: nothing is written). It takes no cancellation token:
    /// after Ctrl+C in an epoch's last step the epoch still finishes and is saved, and <see cref="Run"/> stops after it.
    /// </summary>
    private TrainingOutcome FinishEpoch(int epoch, double rate, double seconds)
    {
        var partial = State.Partial;
        var validation = Evaluator.Run(_model, _validation, [Augmentation.Centre(_validation.MaxOffset)], State.ClassNames, CancellationToken.None);
        var metrics = new EpochMetrics(epoch + 1, rate, partial.LossSum / Math.Max(1, partial.Seen), (double)partial.Correct / Math.Max(1, partial.Seen),
            validation.Loss, validation.Top1, validation.Top5, seconds, partial.Seen / Math.Max(1e-9, partial.Seconds));
        _reporter.Line(TrainingReporter.EpochLine(metrics, State.TotalEpochs));
        if (DivergenceWatch.IsEpochDiverging(metrics.TrainLoss, State.ClassNames.Count))
        {
            Divergence = string.Create(CultureInfo.InvariantCulture,
                $"The training loss of epoch {epoch + 1} averaged {metrics.TrainLoss:G4}, over {DivergenceWatch.EpochChanceMultiple:0} times the loss of guessing (ln {State.ClassNames.Count} = {Math.Log(State.ClassNames.Count):0.00}): the training is diverging, so the epoch was not saved. {LastGoodCheckpoint()} {Advice(rate)}");
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
        bool best = State.BestEpoch == 0 || validation.Count == 0 || validation.Top1 > State.BestValidationTop1;
        _order = _train.EpochOrder(State.Seed, epoch + 1);
        State = State with
        {
            Epoch = epoch + 1,
            StepInEpoch = 0,
            Partial = EpochProgress.Empty,
            History = [.. State.History, metrics],
            ScheduleState = _schedule.State,
            BestValidationTop1 = best ? validation.Top1 : State.BestValidationTop1,
            BestEpoch = best ? epoch + 1 : State.BestEpoch,
        };
        SaveLast();
        if (best)
        {
            Persisting(BestFile, () => AtomicFile.Copy(Path.Combine(RunFolder, LastFile), Path.Combine(RunFolder, BestFile), Disk));
        }
        MetricsCsv.Write(Path.Combine(RunFolder, MetricsFile), State.History);
        TrainingPlots.Write(RunFolder, State.History, State.Model);
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

    /// <summary>Writes <c>last.safetensors</c> with the current state (atomically).</summary>
    public void SaveLast()
    {
        State = State with
        {
            OptimizerSteps = _optimizer.Steps,
            Counters = _model.Counters.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal),
            ScheduleState = _schedule.State,
        };
        Persisting(LastFile, () => Checkpoint.Save(Path.Combine(RunFolder, LastFile), State, _model, _optimizer, _order, Disk));
        _saved = State;
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
            string next = $"free some space or fix the folder, then resume with: alexnet train --resume {RunFolder} --epochs {State.TotalEpochs}";
            throw new AppException(_saved is null
                ? $"Writing {Path.Combine(RunFolder, file)} failed ({e.Message}). No checkpoint of this run had been written yet; fix the folder and start the run again."
                : $"Writing {Path.Combine(RunFolder, file)} failed ({e.Message}). The previous checkpoint, {Path.Combine(RunFolder, LastFile)} ({_saved.Position()}), is intact; {next}.", e);
        }
    }

    /// <summary>The run folder as the resume command in messages names it (relative to the working folder when the app knows it).</summary>
    public string ResumeName { get; init; } = "";

    /// <summary>What to do after a divergence: the exact command that continues from the last good checkpoint at a tenth of the rate.</summary>
    private string Advice(double rate) => _saved is null
        ? string.Create(CultureInfo.InvariantCulture, $"Start the run again with a smaller learning rate than {rate:G3}, e.g. --lr {rate / 10:G3}.")
        : string.Create(CultureInfo.InvariantCulture, $"Continue from it with a smaller learning rate: alexnet train --resume {(ResumeName.Length > 0 ? ResumeName : RunFolder)} --epochs {State.TotalEpochs} --lr {rate / 10:G3}.");

    private string LastGoodCheckpoint() => _saved is null
        ? "No checkpoint was written yet."
        : $"The last good checkpoint, {Path.Combine(RunFolder, LastFile)} ({_saved.Position()}), is untouched.";

    public void Dispose()
    {
        _images?.Dispose();
        _labels?.Dispose();
        _predictions?.Dispose();
        _loss.Dispose();
    }
}
