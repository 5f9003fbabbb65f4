using System.CommandLine;
using System.Globalization;
using AlexNet.Backends.Cpu;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;
using AlexNet.Training.Optimization;
using AlexNet.Training.Reporting;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet train</c>: trains a model into <c>runs/NAME/</c>, or continues a run with <c>--resume</c>.</summary>
public static class TrainCommand
{
    /// <summary>Images per class of the synthetic data set unless <c>--synthetic-images</c> says otherwise.</summary>
    public const int DefaultSyntheticImages = 40;

    /// <summary>Classes of the synthetic data set unless <c>--classes</c> says otherwise.</summary>
    public const int DefaultSyntheticClasses = 4;

    private sealed class Options
    {
        public Option<string> Model { get; } = CommonOptions.Model("alexnet");
        public Option<int?> Classes { get; } = new Option<int?>("--classes") { Description = "Number of classes; must match the data (default: as many as the data has; 4 with --synthetic).", HelpName = "N" }.AtLeast(2);
        public Option<string> Backend { get; } = CommonOptions.Backend();
        public Option<int> Threads { get; } = CommonOptions.Threads();
        public Option<string> Convolution { get; } = CommonOptions.Convolution();
        public Option<DirectoryInfo> Data { get; } = CommonOptions.Data();
        public Option<bool> Synthetic { get; } = new("--synthetic") { Description = "Train on a small generated data set (no download, no files): for offline smoke runs." };
        public Option<int?> SyntheticImages { get; } = new Option<int?>("--synthetic-images") { Description = $"Images per class of the --synthetic data set (default {DefaultSyntheticImages}).", HelpName = "N" }.AtLeast(4);
        public Option<string> Split { get; } = new("--split") { Description = "Images per class for train/val/test (e.g. 40/20/20), or fractions of each class (e.g. 0.8/0.2/0). Default 0.5/0.25/0.25, i.e. 40/20/20 on Oxford 17.", HelpName = "T/V/T" };
        public Option<int?> Epochs { get; } = new Option<int?>("--epochs") { Description = "Epochs to train in total (with --resume: the total to reach). Default: the model's recommended number.", HelpName = "N" }.AtLeast(1);
        public Option<int?> BatchSize { get; } = CommonOptions.BatchSize("Images per training step. Default: the model's recommended batch size.").AtLeast(1);
        public Option<double?> LearningRate { get; } = new("--lr") { Description = "Starting learning rate. Default: the model's recommendation (0.01 for sgd, 0.001 for adam).", HelpName = "X" };
        public Option<string> Optimizer { get; } = new Option<string>("--optimizer") { Description = "sgd (momentum SGD with weight decay, the paper) or adam (the Keras tutorial). Default: the model's.", HelpName = "sgd|adam" }.AcceptOnlyFromAmong([.. OptimizerSettings.Names]);
        public Option<double?> Momentum { get; } = new("--momentum") { Description = "SGD momentum (default 0.9).", HelpName = "X" };
        public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = "L2 weight decay on weights and biases (default: 5e-4 for sgd, 0 for adam).", HelpName = "X" };
        public Option<string> Schedule { get; } = new Option<string>("--schedule") { Description = "Learning-rate schedule: constant, step (×0.1 every --step-epochs), plateau (÷10 when validation error stalls for --patience epochs, the paper's rule; after three divisions the next stall ends the run) or cosine. Default: the model's.", HelpName = "NAME" }.AcceptOnlyFromAmong([.. LearningRateSchedule.Names]);
        public Option<int?> StepEpochs { get; } = new Option<int?>("--step-epochs") { Description = "Epochs between steps of the step schedule (default 30).", HelpName = "N" }.AtLeast(1);
        public Option<int?> Patience { get; } = new Option<int?>("--patience") { Description = "Epochs without a better validation error before the plateau schedule divides the rate by 10 (default: the model's; 10 for alexnet and caffenet, else 5).", HelpName = "N" }.AtLeast(1);
        public Option<string> Init { get; } = new Option<string>("--init") { Description = "How the starting weights are drawn. alexnet and caffenet: paper (N(0, 0.01), biases 1; on a few hundred images it answers at chance for hundreds of epochs) or caffe (BVLC's reference: biases 0.1, fc6/fc7 N(0, 0.005); learns from the first epoch). Default: the model's (caffe for alexnet and caffenet; --init paper with --batch-size 128 --patience 5 --epochs 90 is the paper's ImageNet recipe).", HelpName = "NAME" }.AcceptOnlyFromAmong([.. ModelVariants.All.SelectMany(variant => variant.Initializations).Distinct()]);
        public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of everything random (initialization, split, order, augmentation, dropout): the same command gives the same run.", DefaultValueFactory = _ => 1UL, HelpName = "N" };
        public Option<string> Name { get; } = new Option<string>("--name") { Description = "The run's folder name under runs/ (default: MODEL-DATA, numbered if it exists).", HelpName = "NAME" }.FolderName();
        public Option<string> Resume { get; } = new("--resume") { Description = "Continue the run in this folder (e.g. runs/alexnet-oxflower17) from its last.safetensors, up to --epochs in total.", HelpName = "RUN" };
        public Option<bool> Tta { get; } = CommonOptions.TenCrop("Score the final test with the paper's 10 crops (corners and centre, mirrored) instead of the centre crop.");
        public Option<long> MaxPixels { get; } = CommonOptions.MaxPixels();
        public Option<int?> MaxSteps { get; } = new Option<int?>("--max-steps") { Description = "Stop after N training steps (saving last.safetensors, as Ctrl+C does; --resume continues): one step of a model under the debugger, or a quick check.", HelpName = "N" }.AtLeast(1);
    }

    public static Command Create(AppContext app)
    {
        var o = new Options();
        var command = new Command("train", """
            Train a network and write the run to runs/NAME/: metrics.csv, loss.png and accuracy.png (redrawn every
            epoch), last.safetensors and best.safetensors (by validation top-1), and the test confusion matrix.
            Without --data it trains on Oxford 17 Flowers, downloading it once into the cache. Press Ctrl+C to stop:
            the current step finishes, the run is saved, and the command to resume it is printed.
            """)
        {
            o.Model, o.Classes, o.Backend, o.Threads, o.Convolution, o.Data, o.Synthetic, o.SyntheticImages, o.Split, o.Epochs, o.BatchSize,
            o.LearningRate, o.Optimizer, o.Momentum, o.WeightDecay, o.Schedule, o.StepEpochs, o.Patience, o.Init, o.Seed, o.Name,
            o.Resume, o.Tta, o.MaxPixels, o.MaxSteps,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var run = parse.GetValue(o.Resume) is { } resume
                ? Resumed(app, parse, o, resume)
                : await Fresh(app, parse, o, cancellationToken).ConfigureAwait(false);
            return Train(app, run, parse.GetValue(o.Tta), parse.GetValue(o.MaxSteps), cancellationToken);
        });
        return command;
    }

    /// <summary>Everything a run needs, fresh or resumed.</summary>
    private sealed record RunPlan(string Folder, TrainingState State, DataCatalog Catalog, string BackendName, BackendSettings Settings, Checkpoint? Resume);

    /// <summary>How the backend runs: what may change between a run and its resumption.</summary>
    private sealed record BackendSettings(int Threads, ConvolutionAlgorithm Convolution)
    {
        public static BackendSettings From(ParseResult parse, Options o) =>
            new(parse.GetValue(o.Threads), CommonOptions.ParseConvolution(parse.GetValue(o.Convolution)!));
    }

    private static async Task<RunPlan> Fresh(AppContext app, ParseResult parse, Options o, CancellationToken cancellationToken)
    {
        var variant = ModelVariants.Get(parse.GetValue(o.Model)!);
        var defaults = variant.Defaults;
        DataCatalog catalog;
        if (parse.GetValue(o.Synthetic))
        {
            if (parse.GetValue(o.Data) is not null)
            {
                throw AppException.Usage("--synthetic and --data exclude each other: choose generated data or a data folder.");
            }
            catalog = DataCatalog.Synthetic(parse.GetValue(o.Classes) ?? DefaultSyntheticClasses, parse.GetValue(o.SyntheticImages) ?? DefaultSyntheticImages);
        }
        else
        {
            string folder = await DataLocator.ResolveAsync(app, parse.GetValue(o.Data)?.FullName, null, null, cancellationToken).ConfigureAwait(false);
            catalog = DataCatalog.FromFolder(folder);
            if (parse.GetValue(o.Classes) is int classes && classes != catalog.ClassNames.Count)
            {
                throw new AppException($"--classes {classes} does not match the data: {catalog.Location} has {catalog.ClassNames.Count} classes ({string.Join(", ", catalog.ClassNames.Take(5))}…). Leave --classes out to use the data's.");
            }
        }
        string initialization = parse.GetValue(o.Init) ?? defaults.Initialization ?? variant.Initializations[0];
        if (!variant.Initializations.Contains(initialization))
        {
            throw AppException.Usage($"--init {initialization} does not apply to {variant.Name}, which starts from {string.Join(" or ", variant.Initializations)}.");
        }
        string optimizerName = parse.GetValue(o.Optimizer) ?? defaults.Optimizer;
        bool ownOptimizer = optimizerName == defaults.Optimizer;
        var optimizer = new OptimizerSettings(
            optimizerName,
            parse.GetValue(o.LearningRate) ?? (ownOptimizer ? defaults.LearningRate : optimizerName == "adam" ? 0.001 : 0.01),
            parse.GetValue(o.Momentum) ?? (ownOptimizer && optimizerName == "sgd" ? defaults.Momentum : 0.9),
            parse.GetValue(o.WeightDecay) ?? (ownOptimizer ? defaults.WeightDecay : optimizerName == "adam" ? 0 : 5e-4)).Validated();
        int epochs = parse.GetValue(o.Epochs) ?? defaults.Epochs;
        var schedule = new LearningRateSchedule(parse.GetValue(o.Schedule) ?? defaults.Schedule, optimizer.LearningRate, epochs,
            parse.GetValue(o.StepEpochs) ?? 30, patience: parse.GetValue(o.Patience) ?? defaults.Patience);
        var split = parse.GetValue(o.Split) is { } text ? SplitSpec.Parse(text) : SplitSpec.Default;
        string folderName = parse.GetValue(o.Name) ?? UniqueName(app, $"{variant.Name}-{DataName(catalog)}");
        string runFolder = Path.Combine(app.WorkingDirectory, "runs", folderName);
        if (File.Exists(Path.Combine(runFolder, Trainer.LastFile)))
        {
            throw new AppException($"The run folder {runFolder} already holds a run; continue it with --resume {Relative(app, runFolder)}, or choose another --name.");
        }
        var state = new TrainingState
        {
            Model = variant.Name,
            Initialization = initialization,
            ClassNames = [.. catalog.ClassNames],
            DataLocation = catalog.Location,
            DataFingerprint = SplitFingerprint.Of(catalog),
            Split = split.ToString(),
            MaxPixels = parse.GetValue(o.MaxPixels),
            Seed = parse.GetValue(o.Seed),
            BatchSize = parse.GetValue(o.BatchSize) ?? defaults.BatchSize,
            TotalEpochs = epochs,
            Optimizer = optimizer,
            OptimizerSteps = 0,
            Schedule = schedule.Name,
            ScheduleStepEpochs = schedule.StepEpochs,
            SchedulePatience = schedule.Patience,
            ScheduleState = schedule.State,
            Preprocessing = new Preprocessing(variant.ImageSize, variant.InputShape[1], [0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1]), // measured on the training set below
            Epoch = 0,
            StepInEpoch = 0,
            GlobalStep = 0,
            Partial = EpochProgress.Empty,
            History = [],
            BestValidationTop1 = 0,
            BestEpoch = 0,
            Counters = new Dictionary<string, ulong>(),
            Backend = parse.GetValue(o.Backend)!,
        };
        return new RunPlan(runFolder, state, catalog, state.Backend, BackendSettings.From(parse, o), null);
    }

    private static RunPlan Resumed(AppContext app, ParseResult parse, Options o, string resume)
    {
        var fixedByRun = new Option[] { o.Model, o.Classes, o.Synthetic, o.SyntheticImages, o.Split, o.Optimizer, o.Momentum, o.WeightDecay, o.Schedule, o.StepEpochs, o.Init, o.Seed, o.Name, o.MaxPixels }
            .Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
        if (fixedByRun.Count > 0)
        {
            throw AppException.Usage($"{string.Join(", ", fixedByRun)} cannot change when resuming: the run keeps the settings it started with. Only {string.Join(", ", ResumeChanges.Options)} (between epochs), --backend, --threads, --convolution, --data, --tta and --max-steps may be given with --resume.");
        }
        string path = Path.GetFullPath(resume, app.WorkingDirectory);
        string file = Directory.Exists(path) ? Path.Combine(path, Trainer.LastFile) : path;
        if (Directory.Exists(file))
        {
            throw new AppException($"{file} is a folder, but a run keeps its last checkpoint in a file of that name; move the folder aside{(File.Exists(Path.Combine(path, Trainer.BestFile)) ? $", and to resume from the best epoch copy {Trainer.BestFile} to {Trainer.LastFile}" : "")}.");
        }
        if (!File.Exists(file))
        {
            throw new AppException($"There is no run to resume at {path}: expected a run folder with {Trainer.LastFile} (e.g. runs/alexnet-oxflower17).");
        }
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Read(file);
        }
        catch (AppException e) when (BestInstead(file) is { } hint)
        {
            throw new AppException($"{e.Message} {hint}", e);
        }
        var state = checkpoint.State;
        (state, var changes) = ResumeChanges.Apply(state, Relative(app, Path.GetDirectoryName(file)!), parse.GetValue(o.Epochs), parse.GetValue(o.LearningRate), parse.GetValue(o.Patience), parse.GetValue(o.BatchSize));
        if (changes.Count > 0)
        {
            app.WriteLine($"Changed on resuming: {string.Join(", ", changes)}.");
        }
        var catalog = parse.GetValue(o.Data) is { } data ? DataCatalog.FromFolder(data.FullName) : OpenRecordedData(state.DataLocation);
        if (!catalog.ClassNames.SequenceEqual(state.ClassNames))
        {
            throw new AppException($"The data in {catalog.Location} has classes {string.Join(", ", catalog.ClassNames)}, but the run was trained on {string.Join(", ", state.ClassNames)}.");
        }
        SplitFingerprint.Verify(state.DataFingerprint, catalog, app.Warn);
        string backend = parse.GetResult(o.Backend) is { Implicit: false } ? parse.GetValue(o.Backend)! : state.Backend;
        return new RunPlan(Path.GetDirectoryName(file)!, state with { Backend = backend }, catalog, backend, BackendSettings.From(parse, o), checkpoint);
    }

    /// <summary>When a run's last checkpoint cannot be read, says whether its best checkpoint can, and how to resume from it.</summary>
    private static string? BestInstead(string last)
    {
        string best = Path.Combine(Path.GetDirectoryName(last)!, Trainer.BestFile);
        if (Path.GetFileName(last) != Trainer.LastFile || !File.Exists(best))
        {
            return null;
        }
        try
        {
            var state = Checkpoint.Read(best).State;
            return $"The run's {Trainer.BestFile} is readable ({state.Position()}): to resume from it, move the damaged {Trainer.LastFile} aside and copy {best} to {last}.";
        }
        catch (AppException)
        {
            return $"The run's {Trainer.BestFile} cannot be read either.";
        }
    }

    /// <summary>Opens the data a checkpoint recorded, explaining how to point at it if it moved.</summary>
    public static DataCatalog OpenRecordedData(string location)
    {
        if (!location.StartsWith(SyntheticData.Prefix, StringComparison.Ordinal) && !Directory.Exists(location))
        {
            throw new AppException($"The run's data folder {location} is gone; pass --data DIR to say where the same data is now.");
        }
        return DataCatalog.FromLocation(location);
    }

    private static int Train(AppContext app, RunPlan plan, bool tta, int? maxSteps, CancellationToken cancellationToken)
    {
        var state = plan.State;
        var variant = ModelVariants.Get(state.Model);
        if (state.Epoch >= state.TotalEpochs && state.StepInEpoch == 0)
        {
            app.WriteLine($"The run in {plan.Folder} has already trained {Plural.Of(state.Epoch, "epoch")}; pass a larger --epochs to continue it.");
            return 0;
        }
        if (state.ScheduleState.Converged)
        {
            app.WriteLine($"The run in {plan.Folder} converged at epoch {state.Epoch}: its plateau schedule had divided the learning rate {state.ScheduleState.Reductions} times and the validation error stalled again.");
            return 0;
        }
        var parts = SplitLoader.Load(app, plan.Catalog, SplitSpec.Parse(state.Split), state.Seed, variant.ImageSize, state.MaxPixels,
            train: true, validation: true, test: false, cancellationToken);
        if (parts.Train!.Count < state.BatchSize)
        {
            throw new AppException($"The training set has {parts.Train.Count} images, fewer than one batch of {state.BatchSize}; use a smaller --batch-size.");
        }
        if (plan.Resume is null)
        {
            state = state with { Preprocessing = Preprocessing.Measure(parts.Train, variant.InputShape[1], variant.InputScale == InputScale.Standardized) };
        }
        using var backend = CommonOptions.CreateBackend(plan.BackendName, plan.Settings.Threads, plan.Settings.Convolution);
        using var model = variant.Build(backend, state.ClassNames.Count, state.Seed, state.Initialization);
        var schedule = new LearningRateSchedule(state.Schedule, state.Optimizer.LearningRate, state.TotalEpochs, state.ScheduleStepEpochs, patience: state.SchedulePatience)
        {
            State = state.ScheduleState,
        };
        using var optimizer = new Optimizer(state.Optimizer, model.Parameters, backend);
        plan.Resume?.Restore(model, optimizer);
        Reliability.LeftoverCleaner.CleanRunFolder(plan.Folder, app.WriteLine);
        Reliability.RunFolderCheck.Ensure(plan.Folder, Checkpoint.EstimateBytes(model, optimizer, parts.Train.Count), app.Disk);
        var train = new InputPipeline(parts.Train, state.Preprocessing, state.BatchSize);
        var validation = new InputPipeline(parts.Validation!, state.Preprocessing, state.BatchSize);
        string relative = Relative(app, plan.Folder);
        app.WriteLine(plan.Resume is null
            ? $"Training {variant.Name} ({model.ParameterCount:N0} parameters) on {backend.Name}: {plan.Catalog.Kind}, {state.ClassNames.Count} classes, {parts.Train.Count} train / {parts.Validation!.Count} val images (split {state.Split}, seed {state.Seed}, init {state.Initialization ?? variant.Initializations[0]})."
            : $"Resuming {relative} at epoch {state.Epoch + 1}, step {state.StepInEpoch} on {backend.Name}, up to epoch {state.TotalEpochs}.");
        app.WriteLine($"{state.Optimizer}, schedule {state.Schedule}, batch {state.BatchSize}, {Plural.Of(state.TotalEpochs, "epoch")}; {state.Preprocessing}. Output: {relative}/");
        using var trainer = new Trainer(model, optimizer, schedule, train, validation, state, plan.Resume?.DataOrder, plan.Folder, new TrainingReporter(app.Console, app.IsInteractive, app.WriteLine))
        {
            AfterStep = app.AfterTrainingStep,
            MaxSteps = maxSteps,
            Disk = app.Disk,
            ResumeName = relative,
        };
        var outcome = trainer.Run(cancellationToken);
        string resumeCommand = $"alexnet train --resume {relative} --epochs {trainer.State.TotalEpochs}";
        switch (outcome)
        {
            case TrainingOutcome.Interrupted:
                app.WriteLine($"Interrupted {Where(trainer.State, "after")}; saved {relative}/{Trainer.LastFile}. Resume with: {resumeCommand}");
                return AppHost.Interrupted;
            case TrainingOutcome.StepLimitReached:
                app.WriteLine($"Stopped after {maxSteps} step(s) (--max-steps) {Where(trainer.State, "when")}; saved {relative}/{Trainer.LastFile}. Continue with: {resumeCommand}");
                return 0;
            case TrainingOutcome.Diverged:
                if (plan.Resume is null && !Directory.EnumerateFileSystemEntries(plan.Folder).Any())
                {
                    Directory.Delete(plan.Folder); // a fresh run that diverged before its first checkpoint leaves nothing behind
                }
                throw new AppException(trainer.Divergence!);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C in the last epoch: that epoch finished and was saved; only the test is left to do.
            app.WriteLine($"Interrupted after the last epoch ({trainer.State.Epoch}) finished; saved {relative}/{Trainer.LastFile}. The test was skipped; score it with: alexnet evaluate --checkpoint {relative}/{Trainer.BestFile}");
            return AppHost.Interrupted;
        }
        TestBest(app, plan, trainer.State, model, parts, tta, cancellationToken);
        return 0;
    }

    /// <summary>Scores the best checkpoint on the test split and writes the confusion matrix as text and PNG.</summary>
    private static void TestBest(AppContext app, RunPlan plan, TrainingState state, Sequential model, SplitLoader.Parts parts, bool tta, CancellationToken cancellationToken)
    {
        var test = SplitLoader.Load(app, parts.Catalog, SplitSpec.Parse(state.Split), state.Seed, state.Preprocessing.StoredSize, state.MaxPixels,
            train: false, validation: false, test: true, cancellationToken).Test!;
        string relative = Relative(app, plan.Folder);
        if (test.Count == 0)
        {
            app.WriteLine($"Done. The split {state.Split} has no test images, so there is no test score. Best validation top-1 {100 * state.BestValidationTop1:0.0}% (epoch {state.BestEpoch}).");
            return;
        }
        Checkpoint.Read(Path.Combine(plan.Folder, Trainer.BestFile)).Restore(model, optimizer: null);
        var crops = tta ? Augmentation.TenCrops(state.Preprocessing.StoredSize - state.Preprocessing.CropSize) : [Augmentation.Centre(state.Preprocessing.StoredSize - state.Preprocessing.CropSize)];
        var result = Evaluator.Run(model, new InputPipeline(test, state.Preprocessing, state.BatchSize), crops, state.ClassNames, cancellationToken);
        string title = string.Create(CultureInfo.InvariantCulture, $"{state.Model}, best epoch {state.BestEpoch}: test top-1 {100 * result.Top1:0.0}%");
        AtomicFile.WriteAllText(Path.Combine(plan.Folder, "confusion_matrix.txt"), title + "\n\n" + result.Confusion.ToText());
        result.Confusion.SavePng(Path.Combine(plan.Folder, "confusion_matrix.png"), title);
        app.WriteLine(result.Confusion.ToText());
        app.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test ({test.Count} images, {(tta ? "10 crops" : "centre crop")}, best epoch {state.BestEpoch}): loss {result.Loss:0.0000}  top-1 {100 * result.Top1:0.0}%  top-5 {100 * result.Top5:0.0}%"));
        app.WriteLine($"Done. Run folder: {relative}/ (metrics.csv, loss.png, accuracy.png, confusion_matrix.png, {Trainer.LastFile}, {Trainer.BestFile})");
    }

    /// <summary>Where a stopped run stands: inside an epoch (its step), or just after one finished, validated and saved.</summary>
    private static string Where(TrainingState state, string boundary) => state.StepInEpoch > 0
        ? $"at {state.Position()}"
        : $"{boundary} epoch {state.Epoch} finished";

    private static string DataName(DataCatalog catalog) => catalog.IsSynthetic ? "synthetic"
        : catalog.Kind == "Oxford 17 Flowers" ? "oxflower17"
        : Path.GetFileName(catalog.Location.TrimEnd(Path.DirectorySeparatorChar));

    private static string UniqueName(AppContext app, string name)
    {
        string runs = Path.Combine(app.WorkingDirectory, "runs");
        if (!Directory.Exists(Path.Combine(runs, name)))
        {
            return name;
        }
        for (int i = 2; ; i++)
        {
            string candidate = $"{name}-{i}";
            if (!Directory.Exists(Path.Combine(runs, candidate)))
            {
                return candidate;
            }
        }
    }

    private static string Relative(AppContext app, string path)
    {
        string relative = Path.GetRelativePath(app.WorkingDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
