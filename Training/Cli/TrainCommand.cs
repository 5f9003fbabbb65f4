// alexnet train: the command line turned into a RunConfig (Run/Recipes.cs fills the gaps), then the Trainer (Loop/Trainer.cs).

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
using AlexNet.Training.Run;

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
        private static readonly (double LearningRate, double Momentum, double WeightDecay) Sgd = Recipes.OptimizerDefaults(OptimizerKind.Sgd), Adam = Recipes.OptimizerDefaults(OptimizerKind.Adam);

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
        public Option<double?> LearningRate { get; } = new("--lr") { Description = Invariant($"Starting learning rate. Default: the model's recommendation ({Sgd.LearningRate} for sgd, {Adam.LearningRate} for adam)."), HelpName = "X" };
        public Option<string> Optimizer { get; } = new Option<string>("--optimizer") { Description = "sgd (momentum SGD with weight decay, the paper) or adam (the Keras tutorial). Default: the model's.", HelpName = "sgd|adam" }.AcceptOnlyFromAmong([.. RunNames.Optimizers.Names]);
        public Option<double?> Momentum { get; } = new("--momentum") { Description = Invariant($"SGD momentum (default {Sgd.Momentum})."), HelpName = "X" };
        public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = Invariant($"L2 weight decay on weights and biases (default: {Sgd.WeightDecay} for sgd, {Adam.WeightDecay} for adam)."), HelpName = "X" };
        public Option<string> Schedule { get; } = new Option<string>("--schedule") { Description = "Learning-rate schedule: constant, step (×0.1 every --step-epochs), plateau (÷10 when validation error stalls for --patience epochs, the paper's rule; after three divisions the next stall ends the run) or cosine. Default: the model's.", HelpName = "NAME" }.AcceptOnlyFromAmong([.. RunNames.Schedules.Names]);
        public Option<int?> StepEpochs { get; } = new Option<int?>("--step-epochs") { Description = $"Epochs between steps of the step schedule (default {Recipes.DefaultStepEpochs}).", HelpName = "N" }.AtLeast(1);
        public Option<int?> Patience { get; } = new Option<int?>("--patience") { Description = $"Epochs without a better validation error before the plateau schedule divides the rate by 10 (default: the model's; {Recipes.PaperOnSmallData.Patience} for alexnet and caffenet, else {Recipes.DefaultPatience}).", HelpName = "N" }.AtLeast(1);
        public Option<string> Init { get; } = new Option<string>("--init") { Description = "How the starting weights are drawn. alexnet and caffenet: paper (N(0, 0.01), biases 1; on a few hundred images it answers at chance for hundreds of epochs) or caffe (BVLC's reference: biases 0.1, fc6/fc7 N(0, 0.005); learns from the first epoch). Default: the model's (caffe for alexnet and caffenet; --init paper with --batch-size 128 --patience 5 --epochs 90 is the paper's ImageNet recipe).", HelpName = "NAME" }.AcceptOnlyFromAmong([.. RunNames.Initializations.Names]);
        public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of everything random (initialization, split, order, augmentation, dropout): the same command gives the same run.", DefaultValueFactory = _ => 1UL, HelpName = "N" };
        public Option<string> Name { get; } = new Option<string>("--name") { Description = "The run's folder name under runs/ (default: MODEL-DATA, numbered if it exists).", HelpName = "NAME" }.FolderName();
        public Option<string> Resume { get; } = new("--resume") { Description = "Continue the run in this folder (e.g. runs/alexnet-oxflower17) from its last.safetensors, up to --epochs in total.", HelpName = "RUN" };
        public Option<bool> Tta { get; } = CommonOptions.TenCrop("Score the final test with the paper's 10 crops (corners and centre, mirrored) instead of the centre crop.");
        public Option<long> MaxPixels { get; } = CommonOptions.MaxPixels();
        public Option<int?> MaxSteps { get; } = new Option<int?>("--max-steps") { Description = "Stop after N training steps (saving last.safetensors, as Ctrl+C does; --resume continues): one step of a model under the debugger, or a quick check.", HelpName = "N" }.AtLeast(1);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

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
    private sealed record RunPlan(string Folder, RunConfig Config, RunProgress Progress, DataCatalog Catalog, BackendSettings Settings, Checkpoint? Resume);

    /// <summary>How the backend runs: what may change between a run and its resumption.</summary>
    private sealed record BackendSettings(int Threads, ConvolutionAlgorithm Convolution)
    {
        public static BackendSettings From(ParseResult parse, Options o) =>
            new(parse.GetValue(o.Threads), CommonOptions.ParseConvolution(parse.GetValue(o.Convolution)!));
    }

    private static async Task<RunPlan> Fresh(AppContext app, ParseResult parse, Options o, CancellationToken cancellationToken)
    {
        var model = RunNames.Models.Parse(parse.GetValue(o.Model)!);
        var variant = model.Variant();
        var recipe = Recipes.For(model);
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
        var initialization = parse.GetValue(o.Init) is { } init ? RunNames.Initializations.Parse(init) : recipe.Initialization;
        if (!variant.Accepts(initialization))
        {
            throw AppException.Usage($"--init {RunNames.Initializations[initialization]} does not apply to {variant.Name}, which starts from {string.Join(" or ", variant.Initializations)}.");
        }
        var optimizer = parse.GetValue(o.Optimizer) is { } name ? RunNames.Optimizers.Parse(name) : recipe.Optimizer;
        // Another optimizer than the recipe's starts from its own usual constants, not the recipe's.
        var (rate, momentum, decay) = optimizer == recipe.Optimizer ? (recipe.LearningRate, recipe.Momentum, recipe.WeightDecay) : Recipes.OptimizerDefaults(optimizer);
        var schedule = parse.GetValue(o.Schedule) is { } scheduleName ? RunNames.Schedules.Parse(scheduleName) : recipe.Schedule;
        string folderName = parse.GetValue(o.Name) ?? UniqueName(app, $"{variant.Name}-{DataName(catalog)}");
        string runFolder = Path.Combine(app.WorkingDirectory, "runs", folderName);
        if (File.Exists(Path.Combine(runFolder, Trainer.LastFile)))
        {
            throw new AppException($"The run folder {runFolder} already holds a run; continue it with --resume {Relative(app, runFolder)}, or choose another --name.");
        }
        var config = new RunConfig
        {
            Model = model,
            Initialization = initialization,
            ClassNames = [.. catalog.ClassNames],
            DataLocation = catalog.Location,
            DataFingerprint = SplitFingerprint.Of(catalog),
            Split = parse.GetValue(o.Split) is { } text ? SplitSpec.Parse(text) : SplitSpec.Default,
            MaxPixels = parse.GetValue(o.MaxPixels),
            Seed = parse.GetValue(o.Seed),
            BatchSize = parse.GetValue(o.BatchSize) ?? recipe.BatchSize,
            Epochs = parse.GetValue(o.Epochs) ?? recipe.Epochs,
            Optimizer = new OptimizerSettings(optimizer, parse.GetValue(o.LearningRate) ?? rate, parse.GetValue(o.Momentum) ?? momentum, parse.GetValue(o.WeightDecay) ?? decay).Validated(),
            Schedule = new ScheduleSettings(schedule, parse.GetValue(o.StepEpochs) ?? recipe.StepEpochs, parse.GetValue(o.Patience) ?? recipe.Patience),
            Preprocessing = new Preprocessing(variant.ImageSize, variant.InputShape[1], [0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1]), // measured on the training set in Train
            Backend = parse.GetValue(o.Backend)!,
        };
        return new RunPlan(runFolder, config, RunProgress.Start(config.NewSchedule().State), catalog, BackendSettings.From(parse, o), null);
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
        var (state, changes) = ResumeChanges.Apply(checkpoint.State, Relative(app, Path.GetDirectoryName(file)!), parse.GetValue(o.Epochs), parse.GetValue(o.LearningRate), parse.GetValue(o.Patience), parse.GetValue(o.BatchSize));
        var config = RunState.Config(state);
        if (changes.Count > 0)
        {
            app.WriteLine($"Changed on resuming: {string.Join(", ", changes)}.");
        }
        var catalog = parse.GetValue(o.Data) is { } data ? DataCatalog.FromFolder(data.FullName) : OpenRecordedData(config.DataLocation);
        if (!catalog.ClassNames.SequenceEqual(config.ClassNames))
        {
            throw new AppException($"The data in {catalog.Location} has classes {string.Join(", ", catalog.ClassNames)}, but the run was trained on {string.Join(", ", config.ClassNames)}.");
        }
        SplitFingerprint.Verify(config.DataFingerprint, catalog, app.Warn);
        if (parse.GetResult(o.Backend) is { Implicit: false })
        {
            config = config with { Backend = parse.GetValue(o.Backend)! };
        }
        return new RunPlan(Path.GetDirectoryName(file)!, config, RunState.Progress(state), catalog, BackendSettings.From(parse, o), checkpoint);
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
        var (config, progress) = (plan.Config, plan.Progress);
        var variant = config.Variant;
        if (progress.Epoch >= config.Epochs && progress.StepInEpoch == 0)
        {
            app.WriteLine($"The run in {plan.Folder} has already trained {Plural.Of(progress.Epoch, "epoch")}; pass a larger --epochs to continue it.");
            return 0;
        }
        if (progress.ScheduleState.Converged)
        {
            app.WriteLine($"The run in {plan.Folder} converged at epoch {progress.Epoch}: its plateau schedule had divided the learning rate {progress.ScheduleState.Reductions} times and the validation error stalled again.");
            return 0;
        }
        var parts = SplitLoader.Load(app, plan.Catalog, config.Split, config.Seed, variant.ImageSize, config.MaxPixels,
            train: true, validation: true, test: false, cancellationToken);
        if (parts.Train!.Count < config.BatchSize)
        {
            throw new AppException($"The training set has {parts.Train.Count} images, fewer than one batch of {config.BatchSize}; use a smaller --batch-size.");
        }
        if (plan.Resume is null)
        {
            config = config with { Preprocessing = Preprocessing.Measure(parts.Train, variant.InputShape[1], variant.InputScale == InputScale.Standardized) };
        }
        using var backend = CommonOptions.CreateBackend(config.Backend, plan.Settings.Threads, plan.Settings.Convolution);
        using var model = variant.Build(backend, config.ClassNames.Count, config.Seed, RunNames.Initializations[config.Initialization]);
        var schedule = config.NewSchedule();
        schedule.State = progress.ScheduleState;
        using var optimizer = new Optimizer(config.Optimizer, model.Parameters, backend);
        plan.Resume?.Restore(model, optimizer);
        Reliability.LeftoverCleaner.CleanRunFolder(plan.Folder, app.WriteLine);
        Reliability.RunFolderCheck.Ensure(plan.Folder, Checkpoint.EstimateBytes(model, optimizer, parts.Train.Count), app.Disk);
        var train = new InputPipeline(parts.Train, config.Preprocessing, config.BatchSize);
        var validation = new InputPipeline(parts.Validation!, config.Preprocessing, config.BatchSize);
        string relative = Relative(app, plan.Folder);
        app.WriteLine(plan.Resume is null
            ? $"Training {variant.Name} ({model.ParameterCount:N0} parameters) on {backend.Name}: {plan.Catalog.Kind}, {config.ClassNames.Count} classes, {parts.Train.Count} train / {parts.Validation!.Count} val images (split {config.Split}, seed {config.Seed}, init {RunNames.Initializations[config.Initialization]})."
            : $"Resuming {relative} at epoch {progress.Epoch + 1}, step {progress.StepInEpoch} on {backend.Name}, up to epoch {config.Epochs}.");
        app.WriteLine($"{config.Optimizer}, schedule {config.Schedule}, batch {config.BatchSize}, {Plural.Of(config.Epochs, "epoch")}; {config.Preprocessing}. Output: {relative}/");
        using var trainer = new Trainer(model, optimizer, schedule, train, validation, config, progress, plan.Resume?.DataOrder, plan.Folder, new TrainingReporter(app.Console, app.IsInteractive, app.WriteLine))
        {
            AfterStep = app.AfterTrainingStep,
            Listener = app.TrainingListener,
            MaxSteps = maxSteps,
            Disk = app.Disk,
            ResumeName = relative,
        };
        var outcome = trainer.Run(cancellationToken);
        string resumeCommand = $"alexnet train --resume {relative} --epochs {config.Epochs}";
        switch (outcome)
        {
            case TrainingOutcome.Interrupted:
                app.WriteLine($"Interrupted {Where(trainer.Progress, "after")}; saved {relative}/{Trainer.LastFile}. Resume with: {resumeCommand}");
                return AppHost.Interrupted;
            case TrainingOutcome.StepLimitReached:
                app.WriteLine($"Stopped after {maxSteps} step(s) (--max-steps) {Where(trainer.Progress, "when")}; saved {relative}/{Trainer.LastFile}. Continue with: {resumeCommand}");
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
            app.WriteLine($"Interrupted after the last epoch ({trainer.Progress.Epoch}) finished; saved {relative}/{Trainer.LastFile}. The test was skipped; score it with: alexnet evaluate --checkpoint {relative}/{Trainer.BestFile}");
            return AppHost.Interrupted;
        }
        TestBest(app, plan, config, trainer.Progress, model, parts, tta, cancellationToken);
        return 0;
    }

    /// <summary>Scores the best checkpoint on the test split and writes the confusion matrix as text and PNG.</summary>
    private static void TestBest(AppContext app, RunPlan plan, RunConfig config, RunProgress progress, Sequential model, SplitLoader.Parts parts, bool tta, CancellationToken cancellationToken)
    {
        var test = SplitLoader.Load(app, parts.Catalog, config.Split, config.Seed, config.Preprocessing.StoredSize, config.MaxPixels,
            train: false, validation: false, test: true, cancellationToken).Test!;
        string relative = Relative(app, plan.Folder);
        if (test.Count == 0)
        {
            app.WriteLine($"Done. The split {config.Split} has no test images, so there is no test score. Best validation top-1 {100 * progress.BestValidationTop1:0.0}% (epoch {progress.BestEpoch}).");
            return;
        }
        Checkpoint.Read(Path.Combine(plan.Folder, Trainer.BestFile)).Restore(model, optimizer: null);
        int maxOffset = config.Preprocessing.StoredSize - config.Preprocessing.CropSize;
        var crops = tta ? Augmentation.TenCrops(maxOffset) : [Augmentation.Centre(maxOffset)];
        var result = Evaluator.Run(model, new InputPipeline(test, config.Preprocessing, config.BatchSize), crops, config.ClassNames, cancellationToken);
        string title = string.Create(CultureInfo.InvariantCulture, $"{RunNames.Models[config.Model]}, best epoch {progress.BestEpoch}: test top-1 {100 * result.Top1:0.0}%");
        AtomicFile.WriteAllText(Path.Combine(plan.Folder, "confusion_matrix.txt"), title + "\n\n" + result.Confusion.ToText());
        result.Confusion.SavePng(Path.Combine(plan.Folder, "confusion_matrix.png"), title);
        app.WriteLine(result.Confusion.ToText());
        app.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test ({test.Count} images, {(tta ? "10 crops" : "centre crop")}, best epoch {progress.BestEpoch}): loss {result.Loss:0.0000}  top-1 {100 * result.Top1:0.0}%  top-5 {100 * result.Top5:0.0}%"));
        app.WriteLine($"Done. Run folder: {relative}/ (metrics.csv, loss.png, accuracy.png, confusion_matrix.png, {Trainer.LastFile}, {Trainer.BestFile})");
    }

    /// <summary>Where a stopped run stands: inside an epoch (its step), or just after one finished, validated and saved.</summary>
    private static string Where(RunProgress progress, string boundary) => progress.StepInEpoch > 0
        ? $"at {progress.Position()}"
        : $"{boundary} epoch {progress.Epoch} finished";

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
