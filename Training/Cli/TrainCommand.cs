// alexnet train: the command line turned into a RunConfig (Run/Recipes.cs fills the gaps), then the Trainer (Loop/Trainer.cs).

using System.CommandLine;
using System.Globalization;
using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Cuda.Nccl;
using AlexNet.Backends.Distributed;
using AlexNet.Layers;
using AlexNet.Layers.ModelParallel;
using AlexNet.Layers.Variants;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Interop;
using AlexNet.Training.Distributed;
using AlexNet.Training.Loop;
using AlexNet.Training.Optimization;
using AlexNet.Training.Reporting;
using AlexNet.Training.Run;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet train</c>: trains a model into <c>runs/NAME/</c>, or continues a run with <c>--resume</c>.</summary>
public static partial class TrainCommand
{
    /// <summary>Images per class of the synthetic data set unless <c>--synthetic-images</c> says otherwise.</summary>
    public const int DefaultSyntheticImages = 40;

    /// <summary>Classes of the synthetic data set unless <c>--classes</c> says otherwise.</summary>
    public const int DefaultSyntheticClasses = 4;

    private sealed class Options
    {
        private static readonly (double LearningRate, double Momentum, double WeightDecay) Sgd = Recipes.OptimizerDefaults(OptimizerKind.Sgd), Adam = Recipes.OptimizerDefaults(OptimizerKind.Adam), AdamW = Recipes.OptimizerDefaults(OptimizerKind.AdamW);

        public Option<string> Model { get; } = CommonOptions.Model("alexnet");
        public Option<string> Recipe { get; } = new Option<string>("--recipe") { Description = "What fills the options left out, for alexnet and caffenet: small-data (alexnet's default: the paper's SGD, batch 32 and Caffe's initialization, with crops drawn from whole photos stored at a short side of 320 — random-resized, 25-100% of the area — colour jitter 0.4,0.4,0.4,0.05, 5 warm-up epochs and a cosine schedule over 150 epochs; Docs/results.md) or paper (caffenet's default: the paper's crops of 256x256 squares and its plateau schedule, patience 10, up to 150 epochs). Any option given still overrides the recipe's value. The other models train with their own published recipe.", HelpName = "small-data|paper" }.AcceptOnlyFromAmong([.. RunNames.Recipes.Names]);
        public Option<int?> Classes { get; } = new Option<int?>("--classes") { Description = "Number of classes; must match the data (default: as many as the data has; 4 with --synthetic).", HelpName = "N" }.AtLeast(2);
        public Option<string> Backend { get; } = CommonOptions.Backend();
        public Option<int> Threads { get; } = CommonOptions.Threads();
        public Option<string> Precision { get; } = CommonOptions.Precision();
        public Option<DirectoryInfo> Data { get; } = CommonOptions.Data();
        public Option<bool> Synthetic { get; } = new("--synthetic") { Description = "Train on a small generated data set (no download, no files): for offline smoke runs." };
        public Option<int?> SyntheticImages { get; } = new Option<int?>("--synthetic-images") { Description = $"Images per class of the --synthetic data set (default {DefaultSyntheticImages}).", HelpName = "N" }.AtLeast(4);
        public Option<string> Split { get; } = new("--split") { Description = "Images per class for train/val/test (e.g. 40/20/20), or fractions of each class (e.g. 0.8/0.2/0). Default 0.5/0.25/0.25, i.e. 40/20/20 on Oxford 17.", HelpName = "T/V/T" };
        public Option<int?> Epochs { get; } = new Option<int?>("--epochs") { Description = "Epochs to train in total (with --resume: the total to reach). Default: the model's recommended number.", HelpName = "N" }.AtLeast(1);
        public Option<int?> BatchSize { get; } = CommonOptions.BatchSize("Images per training step. Default: the model's recommended batch size.").AtLeast(1);
        public Option<double?> LearningRate { get; } = new("--lr") { Description = Invariant($"Starting learning rate. Default: the model's recommendation ({Sgd.LearningRate} for sgd, {Adam.LearningRate} for adam, {AdamW.LearningRate} for adamw)."), HelpName = "X" };
        public Option<string> Optimizer { get; } = new Option<string>("--optimizer") { Description = Invariant($"sgd (momentum SGD with weight decay, the paper), adam (the Keras tutorial: β1 0.9, β2 0.999, ε 1e-7, weight decay as L2 in the gradient) or adamw (Adam with decoupled weight decay, PyTorch's constants: β1 0.9, β2 0.999, ε {OptimizerSettings.AdamWEpsilon:0e0}). Default: the model's."), HelpName = "sgd|adam|adamw" }.AcceptOnlyFromAmong([.. RunNames.Optimizers.Names]);
        public Option<double?> Momentum { get; } = new("--momentum") { Description = Invariant($"SGD momentum (default {Sgd.Momentum})."), HelpName = "X" };
        public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = Invariant($"Weight decay: for sgd and adam the L2 term added to the gradient, for adamw the decoupled λ (w shrinks by lr·λ·w each step, beside Adam's step). Default: {Sgd.WeightDecay} for sgd, {Adam.WeightDecay} for adam, {AdamW.WeightDecay} for adamw."), HelpName = "X" };
        public Option<bool?> DecayBiases { get; } = new("--decay-biases") { Description = "Whether weight decay applies to the biases too (true or false). Default: true for sgd and adam (as the paper decays every weight), false for adamw (the usual practice). Batch norm's γ and β are never decayed.", HelpName = "true|false" };
        public Option<string> Schedule { get; } = new Option<string>("--schedule") { Description = "Learning-rate schedule: constant, step (×0.1 every --step-epochs), plateau (÷10 when validation error stalls for --patience epochs, the paper's rule; after three divisions the next stall ends the run) or cosine. Default: the model's.", HelpName = "NAME" }.AcceptOnlyFromAmong([.. RunNames.Schedules.Names]);
        public Option<int?> StepEpochs { get; } = new Option<int?>("--step-epochs") { Description = $"Epochs between steps of the step schedule (default {Recipes.DefaultStepEpochs}).", HelpName = "N" }.AtLeast(1);
        public Option<int?> Patience { get; } = new Option<int?>("--patience") { Description = $"Epochs without a better validation error before the plateau schedule divides the rate by 10 (default: the model's; {Recipes.PaperOnSmallData.Patience} for alexnet and caffenet, else {Recipes.DefaultPatience}).", HelpName = "N" }.AtLeast(1);
        public Option<string> Init { get; } = new Option<string>("--init") { Description = "How the starting weights are drawn. alexnet and caffenet: paper (N(0, 0.01), biases 1; on a few hundred images it answers at chance for hundreds of epochs) or caffe (BVLC's reference: biases 0.1, fc6/fc7 N(0, 0.005); learns from the first epoch). Default: the model's (caffe for alexnet and caffenet; --init paper with --batch-size 128 --patience 5 --epochs 90 is the paper's ImageNet recipe).", HelpName = "NAME" }.AcceptOnlyFromAmong([.. RunNames.Initializations.Names]);
        public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of everything random (initialization, order, augmentation, dropout, and the split unless --split-seed is given): the same command gives the same run.", DefaultValueFactory = _ => 1UL, HelpName = "N" };
        public Option<int?> WarmupEpochs { get; } = new("--warmup-epochs") { Description = "Raise the learning rate linearly over the first N epochs to the schedule's (with cosine, the decay follows them). Default: the recipe's (5 in small-data, else 0).", HelpName = "N" };
        public Option<ulong?> SplitSeed { get; } = new("--split-seed") { Description = "Seed of the split alone, so runs on one split can differ in --seed and runs on several splits share it (default: the split follows --seed).", HelpName = "N" };
        public Option<string> Name { get; } = new Option<string>("--name") { Description = "The run's folder name under runs/ (default: MODEL-DATA, numbered if it exists).", HelpName = "NAME" }.FolderName();
        public Option<string> Resume { get; } = new("--resume") { Description = "Continue the run in this folder (e.g. runs/alexnet-oxflower17) from its last.safetensors, up to --epochs in total.", HelpName = "RUN" };
        public Option<bool> Tta { get; } = CommonOptions.TenCrop("Score the final test with the paper's 10 crops (corners and centre, mirrored) instead of the centre crop.");
        public Option<long> MaxPixels { get; } = CommonOptions.MaxPixels();
        public Option<string> InitFrom { get; } = new("--init-from") { Description = "Start from this checkpoint's weights (e.g. one written by alexnet import) instead of drawing them: fine-tuning. The last layer is drawn afresh when the data's classes differ.", HelpName = "CHECKPOINT" };
        public Option<string> Freeze { get; } = new Option<string>("--freeze") { Description = "With --init-from: train the classifier only, keeping the features (every layer up to Flatten) as loaded.", HelpName = "features" }.AcceptOnlyFromAmong(FineTuning.Features);
        public Option<double?> FeaturesLrScale { get; } = new("--features-lr-scale") { Description = "With --init-from: train every layer, the features at this fraction of the learning rate (e.g. 0.1).", HelpName = "X" };
        public Option<string> Communicator { get; } = new Option<string>("--communicator") { Description = "How data-parallel processes talk: auto (MPI when started by mpirun, e.g. mpirun -np 2 alexnet train …, NCCL for the gradients with --backend cuda; else one process), local (one process), mpi, or nccl (one GPU per process, bootstrapped over MPI). Each of N processes trains on 1/N of every batch and the gradients are averaged; rank 0 writes and prints.", DefaultValueFactory = _ => "auto", HelpName = "auto|local|mpi|nccl" }.AcceptOnlyFromAmong(Communicators.Names);
        public Option<int> CommunicationTimeout { get; } = new Option<int>("--comm-timeout") { Description = "Seconds a data-parallel process waits for the others in one exchange before it stops with an error (a process died or hangs).", DefaultValueFactory = _ => 300, HelpName = "SECONDS" }.AtLeast(1);
        public Option<int> ModelParallel { get; } = new Option<int>("--model-parallel") { Description = "2: the paper's two-GPU split, as a teaching mode: every layer's kernels halved over two devices of --backend, activations crossing where the paper's Figure 2 shows (Docs/distributed.md). Same results as 1, slower.", DefaultValueFactory = _ => 1, HelpName = "1|2" }.AcceptOnlyFromAmong("1", "2");
        public Option<bool> NoOverlap { get; } = new("--no-overlap") { Description = "Data-parallel: send the gradients after backward instead of while it runs." };
        public Option<int?> Dashboard { get; } = new Option<int?>("--dashboard") { Description = $"Serve a live page of the run (curves, the current epoch's progress, conv1's kernels, settings) on http://127.0.0.1:PORT/ (default {Reporting.Html.Dashboard.DefaultPort}) while it trains; it stops with the run.", HelpName = "PORT", Arity = ArgumentArity.ZeroOrOne }.AtLeast(1);
        public Option<string> DashboardHost { get; } = new("--dashboard-host") { Description = "The address the dashboard listens on: 127.0.0.1 (default: this machine only), or 0.0.0.0 for every network interface.", DefaultValueFactory = _ => "127.0.0.1", HelpName = "ADDRESS" };
        public Option<FileInfo> ClassesFile { get; } = new("--classes-file") { Description = "The class list: one class folder per line in label order, optionally followed by a readable name (default: the data folder's classes.txt, else the folders in name order).", HelpName = "FILE" };
        public Option<int> LoaderThreads { get; } = CommonOptions.LoaderThreads();
        public Option<int> Prefetch { get; } = CommonOptions.Prefetch();
        public Option<float?> Dropout { get; } = new("--dropout") { Description = "The probability of every Dropout layer of the model, in [0, 1): 0 removes dropout and its randomness. Default: the model's (0.5 in the paper and in alexnet, caffenet, torchvision and mini; 0.4 in keras-blog).", HelpName = "P" };
        public AugmentationOptions Augmentation { get; } = new();
        public Option<string> Norm { get; } = CommonOptions.Norm();
        public SoftTargetOptions SoftTargets { get; } = new();
        public Option<int?> MaxSteps { get; } = new Option<int?>("--max-steps") { Description = "Stop after N training steps (saving last.safetensors, as Ctrl+C does; --resume continues): one step of a model under the debugger, or a quick check.", HelpName = "N" }.AtLeast(1);
        public Option<string> Seeds { get; } = new("--seeds") { Description = "Train one run per split seed, one after the other, each with --split-seed K and the same --seed and other options, into runs/NAME-splitK (--name is required); then print each split's validation and test top-1 with their mean ± standard deviation, and write runs/NAME/summary.json and summary.png. Run the same command again to continue: finished splits are reused, an unfinished one resumes, one made with other settings is refused.", HelpName = "K,K,..." };
        public Option<bool> SummarizeOnly { get; } = new("--summarize-only") { Description = "With --seeds: train nothing; rebuild runs/NAME/summary.json and summary.png from the finished runs/NAME-splitK folders (a finished run without test.json has its best checkpoint scored once, as train does at the end)." };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static Command Create(AppContext app)
    {
        var o = new Options();
        var command = new Command("train", """
            Train a network and write the run to runs/NAME/: metrics.csv, loss.png and accuracy.png (redrawn every
            epoch), last.safetensors and best.safetensors (by validation top-1), the test confusion matrix and
            test.json. Without --data it trains on Oxford 17 Flowers, downloading it once into the cache. Options
            left out come from the model's recipe: for alexnet the small-data one (--recipe small-data: crops
            from whole photos, colour jitter, warm-up and cosine; --recipe paper for the paper's). To compare
            recipes, --seeds 1,2,3 --name NAME trains one run per split and writes their mean ± std to
            runs/NAME/summary.json. Press Ctrl+C to stop: the current step finishes, the run is saved, and the
            command to resume it is printed.
            """)
        {
            o.Model, o.Recipe, o.Classes, o.Backend, o.Threads, o.Precision, o.Data, o.Synthetic, o.SyntheticImages, o.Split, o.Epochs, o.BatchSize,
            o.LearningRate, o.Optimizer, o.Momentum, o.WeightDecay, o.DecayBiases, o.Schedule, o.StepEpochs, o.Patience, o.Init, o.Seed, o.SplitSeed, o.WarmupEpochs, o.Name,
            o.Resume, o.Tta, o.MaxPixels, o.MaxSteps, o.Communicator, o.CommunicationTimeout, o.NoOverlap, o.ModelParallel, o.InitFrom, o.Freeze, o.FeaturesLrScale, o.Dashboard, o.DashboardHost, o.LoaderThreads, o.Prefetch, o.ClassesFile, o.Dropout, o.Norm, o.Seeds, o.SummarizeOnly,
        };
        foreach (var option in o.Augmentation.All.Concat(o.SoftTargets.All))
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            if (result.GetResult(o.DashboardHost) is { Implicit: false } && result.GetResult(o.Dashboard) is null)
            {
                result.AddError("--dashboard-host says where the dashboard listens; give --dashboard [PORT] too.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(o.Seeds) is { } seeds)
            {
                return await TrainSplits(app, parse, o, seeds, cancellationToken).ConfigureAwait(false);
            }
            if (parse.GetValue(o.SummarizeOnly))
            {
                throw AppException.Usage("--summarize-only rebuilds the summary of a --seeds run; give --seeds K,K,... and --name NAME as that run was made.");
            }
            using var communicator = Communicators.Create(parse.GetValue(o.Communicator)!, app.Environment, TimeSpan.FromSeconds(parse.GetValue(o.CommunicationTimeout)));
            var rankApp = communicator.Rank == 0 ? app : app.Quiet();
            var run = parse.GetValue(o.Resume) is { } resume
                ? Resumed(rankApp, parse, o, resume, communicator, cancellationToken)
                : await Fresh(rankApp, parse, o, communicator, cancellationToken).ConfigureAwait(false);
            var group = new Group(communicator, !parse.GetValue(o.NoOverlap), parse.GetValue(o.Communicator)!, parse.GetValue(o.ModelParallel) == 2);
            var dashboard = parse.GetResult(o.Dashboard) is null ? null : new DashboardSettings(parse.GetValue(o.DashboardHost)!, parse.GetValue(o.Dashboard) ?? Reporting.Html.Dashboard.DefaultPort);
            using var held = run.Lock;
            try
            {
                return Train(rankApp, run, parse.GetValue(o.Tta), parse.GetValue(o.MaxSteps), group, dashboard, cancellationToken);
            }
            catch when (run.Resume is null)
            {
                run.Lock?.ReleaseAndRemoveUnusedFolder();
                throw;
            }
        });
        return command;
    }

    /// <summary>The processes training together (one, unless mpirun started several) and how they exchange gradients.</summary>
    private sealed record Group(ICommunicator Communicator, bool Overlap, string CommunicatorName, bool SplitOverTwoDevices);

    /// <summary>Everything a run needs, fresh or resumed; <see cref="Lock"/> keeps other trainings out of its folder (rank 0 holds it).</summary>
    private sealed record RunPlan(string Folder, RunConfig Config, RunProgress Progress, ReadableImages Readable, BackendSettings Settings, Checkpoint? Resume, Reliability.RunLock? Lock, Checkpoint? Init = null)
    {
        public DataCatalog Catalog => Readable.Catalog;
    }

    /// <summary>Where <c>--dashboard</c> serves the live page.</summary>
    private sealed record DashboardSettings(string Host, int Port);

    /// <summary>How the backend runs: what may change between a run and its resumption.</summary>
    private sealed record BackendSettings(int Threads, MatrixPrecision Precision, int LoaderThreads, int Prefetch)
    {
        public static BackendSettings From(ParseResult parse, Options o) =>
            new(parse.GetValue(o.Threads), CommonOptions.ParsePrecision(parse.GetValue(o.Precision)!), parse.GetValue(o.LoaderThreads), parse.GetValue(o.Prefetch));
    }

    private static async Task<RunPlan> Fresh(AppContext app, ParseResult parse, Options o, ICommunicator communicator, CancellationToken cancellationToken) =>
        Locked(app, communicator, await Planned(app, parse, o, communicator, cancellationToken).ConfigureAwait(false));

    /// <summary>The plan of a fresh run from the command line, its folder not yet locked or checked; <paramref name="runName"/> and <paramref name="splitSeed"/> stand in for --name and --split-seed (train --seeds).</summary>
    private static async Task<RunPlan> Planned(AppContext app, ParseResult parse, Options o, ICommunicator communicator, CancellationToken cancellationToken, string? runName = null, ulong? splitSeed = null)
    {
        var (init, fineTune) = FineTuningOptions(app, parse, o);
        var model = RunNames.Models.Parse(init?.State.Model ?? parse.GetValue(o.Model)!);
        var variant = model.Variant();
        var recipe = Recipes.For(model, parse.GetValue(o.Recipe) is { } recipeName ? RunNames.Recipes.Parse(recipeName) : null);
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
            catalog = DataCatalog.FromFolder(folder, parse.GetValue(o.ClassesFile)?.FullName);
            if (parse.GetValue(o.Classes) is int classes && classes != catalog.ClassNames.Count)
            {
                throw new AppException($"--classes {classes} does not match the data: {catalog.Location} has {catalog.ClassNames.Count} classes ({string.Join(", ", catalog.ClassNames.Take(5))}…). Leave --classes out to use the data's.");
            }
        }
        var initialization = parse.GetValue(o.Init) is { } initName ? RunNames.Initializations.Parse(initName) : recipe.Initialization;
        if (!variant.Accepts(initialization))
        {
            throw AppException.Usage($"--init {RunNames.Initializations[initialization]} does not apply to {variant.Name}, which starts from {string.Join(" or ", variant.Initializations)}.");
        }
        var optimizer = parse.GetValue(o.Optimizer) is { } name ? RunNames.Optimizers.Parse(name) : recipe.Optimizer;
        // Another optimizer than the recipe's starts from its own usual constants, not the recipe's.
        var (rate, momentum, decay) = optimizer == recipe.Optimizer ? (recipe.LearningRate, recipe.Momentum, recipe.WeightDecay) : Recipes.OptimizerDefaults(optimizer);
        var schedule = parse.GetValue(o.Schedule) is { } scheduleName ? RunNames.Schedules.Parse(scheduleName) : recipe.Schedule;
        // Only rank 0 chooses a numbered name: the others would see the folder it just created and count on.
        string folderName = DataParallel.FromWriter(communicator, runName ?? parse.GetValue(o.Name) ?? (communicator.Rank == 0 ? UniqueName(app, $"{variant.Name}-{DataName(catalog)}") : ""));
        string runFolder = Path.Combine(app.WorkingDirectory, "runs", folderName);
        var readable = SplitLoader.CheckImages(app, catalog, parse.GetValue(o.MaxPixels), cancellationToken);
        var config = new RunConfig
        {
            Model = model,
            Initialization = initialization,
            ClassNames = [.. catalog.ClassNames],
            DataLocation = catalog.Location,
            ClassesFile = parse.GetValue(o.ClassesFile)?.FullName,
            DataFingerprint = SplitFingerprint.Of(catalog, readable),
            Split = parse.GetValue(o.Split) is { } text ? SplitSpec.Parse(text) : SplitSpec.Default,
            MaxPixels = parse.GetValue(o.MaxPixels),
            Seed = parse.GetValue(o.Seed),
            SplitSeed = splitSeed ?? parse.GetValue(o.SplitSeed),
            BatchSize = parse.GetValue(o.BatchSize) ?? recipe.BatchSize,
            Epochs = parse.GetValue(o.Epochs) ?? recipe.Epochs,
            Optimizer = OptimizerSettings.Create(optimizer, parse.GetValue(o.LearningRate) ?? rate, parse.GetValue(o.Momentum) ?? momentum, parse.GetValue(o.WeightDecay) ?? decay, parse.GetValue(o.DecayBiases)).Validated(),
            Schedule = new ScheduleSettings(schedule, parse.GetValue(o.StepEpochs) ?? recipe.StepEpochs, parse.GetValue(o.Patience) ?? recipe.Patience, parse.GetValue(o.WarmupEpochs) ?? recipe.WarmupEpochs),
            Preprocessing = new Preprocessing(variant.ImageSize, variant.InputShape[1], [0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1]), // measured on the training set in Train
            Backend = parse.GetValue(o.Backend)!,
            FineTune = fineTune,
            Dropout = parse.GetValue(o.Dropout) is float p ? ValidDropout(p) : null,
            Augmentation = o.Augmentation.Parse(parse, recipe.Augmentation),
            Normalization = init is null ? CommonOptions.ParseNorm(parse.GetValue(o.Norm), variant) : FineTuningNorm(parse, o, init),
            SoftTargets = o.SoftTargets.Parse(parse, recipe.SoftTargets),
        };
        return new RunPlan(runFolder, config, RunProgress.Start(config.NewSchedule().State), readable, BackendSettings.From(parse, o), null, null, init);
    }

    /// <summary>A fresh run's plan with its folder locked (rank 0), refused where the folder already holds a run.</summary>
    private static RunPlan Locked(AppContext app, ICommunicator communicator, RunPlan plan)
    {
        var runLock = communicator.Rank == 0 ? Reliability.RunLock.Acquire(plan.Folder) : null;
        if (File.Exists(Path.Combine(plan.Folder, Trainer.LastFile)))
        {
            runLock?.Dispose();
            throw new AppException($"The run folder {plan.Folder} already holds a run; continue it with --resume {Relative(app, plan.Folder)}, or choose another --name.");
        }
        return plan with { Lock = runLock };
    }

    /// <summary>A fine-tuning run's normalization: the checkpoint's, which its weights were trained with; --norm may only repeat it.</summary>
    private static NormKind? FineTuningNorm(ParseResult parse, Options o, Checkpoint init)
    {
        var variant = RunNames.Models.Parse(init.State.Model).Variant();
        string own = init.State.Normalization ?? variant.Normalizations[0];
        if (parse.GetValue(o.Norm) is { } asked && !string.Equals(asked, own, StringComparison.OrdinalIgnoreCase))
        {
            throw AppException.Usage($"--norm {asked} does not match --init-from {init.Path}, whose {init.State.Model} network was trained with --norm {own}; leave --norm out.");
        }
        return init.State.Normalization is { } stored ? RunNames.Normalizations.Parse(stored) : null;
    }

    private static float ValidDropout(float p) => p is >= 0 and < 1
        ? p
        : throw AppException.Usage(string.Create(CultureInfo.InvariantCulture, $"--dropout {p} is out of range; expected a probability in [0, 1), such as 0.5 (0 for no dropout)."));

    /// <summary>The checkpoint <c>--init-from</c> names and what to train of it; (null, null) for a run from scratch.</summary>
    private static (Checkpoint? Init, FineTuning? FineTune) FineTuningOptions(AppContext app, ParseResult parse, Options o)
    {
        if (parse.GetValue(o.InitFrom) is not { } file)
        {
            var needsInit = new Option[] { o.Freeze, o.FeaturesLrScale }.Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
            return needsInit.Count > 0
                ? throw new AppException($"{string.Join(" and ", needsInit)} only {(needsInit.Count == 1 ? "applies" : "apply")} to fine-tuning: add --init-from CHECKPOINT (e.g. one written by alexnet import).")
                : (null, null);
        }
        if (parse.GetResult(o.Init) is { Implicit: false })
        {
            throw new AppException("--init and --init-from exclude each other: the weights come from the checkpoint (only a replaced last layer is drawn, the variant's default way).");
        }
        var init = Checkpoint.Read(Path.GetFullPath(file, app.WorkingDirectory));
        if (parse.GetResult(o.Model) is { Implicit: false } && !string.Equals(parse.GetValue(o.Model), init.State.Model, StringComparison.OrdinalIgnoreCase))
        {
            throw new AppException($"--model {parse.GetValue(o.Model)} does not match --init-from {init.Path}, which holds a {init.State.Model} network; leave --model out.");
        }
        return (init, new FineTuning(init.Path, parse.GetValue(o.Freeze), parse.GetValue(o.FeaturesLrScale) ?? 1).Validated());
    }

    private static RunPlan Resumed(AppContext app, ParseResult parse, Options o, string resume, ICommunicator communicator, CancellationToken cancellationToken)
    {
        var fixedByRun = new Option[] { o.Model, o.Recipe, o.Classes, o.Synthetic, o.SyntheticImages, o.Split, o.Optimizer, o.Momentum, o.WeightDecay, o.DecayBiases, o.Schedule, o.StepEpochs, o.Init, o.Seed, o.SplitSeed, o.WarmupEpochs, o.Name, o.MaxPixels, o.InitFrom, o.Freeze, o.FeaturesLrScale, o.Dropout, o.ClassesFile, o.Norm }.Concat(o.Augmentation.All).Concat(o.SoftTargets.All)
            .Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
        if (fixedByRun.Count > 0)
        {
            throw AppException.Usage($"{string.Join(", ", fixedByRun)} cannot change when resuming: the run keeps the settings it started with. Only {string.Join(", ", ResumeChanges.Options)} (between epochs), --backend, --threads, --data, --tta, --max-steps and --dashboard may be given with --resume.");
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
        // Locked before anything is read, so a second resume of a run in use is refused at once.
        var runLock = communicator.Rank == 0 ? Reliability.RunLock.Acquire(Path.GetDirectoryName(file)!) : null;
        try
        {
            return ReadRun(app, parse, o, file, runLock, cancellationToken);
        }
        catch
        {
            runLock?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The plan of a run continued from <paramref name="file"/>. <paramref name="asMade"/> (train --seeds, whose
    /// settings were checked to be the run's) continues it exactly: --epochs, --lr, --patience and --batch-size
    /// are the settings it was made with, not changes, so a rate the plateau rule divided stays divided.
    /// </summary>
    private static RunPlan ReadRun(AppContext app, ParseResult parse, Options o, string file, Reliability.RunLock? runLock, CancellationToken cancellationToken, bool asMade = false)
    {
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Read(file);
        }
        catch (AppException e) when (BestInstead(file) is { } hint)
        {
            throw new AppException($"{e.Message} {hint}", e);
        }
        var (state, changes) = asMade
            ? (checkpoint.State, [])
            : ResumeChanges.Apply(checkpoint.State, Relative(app, Path.GetDirectoryName(file)!), parse.GetValue(o.Epochs), parse.GetValue(o.LearningRate), parse.GetValue(o.Patience), parse.GetValue(o.BatchSize));
        var config = RunState.Config(state);
        if (changes.Count > 0)
        {
            app.WriteLine($"Changed on resuming: {string.Join(", ", changes)}.");
        }
        var catalog = OpenRecordedData(state, parse.GetValue(o.Data)?.FullName);
        var readable = SplitLoader.CheckImages(app, catalog, config.MaxPixels, cancellationToken);
        SplitFingerprint.Verify(config.DataFingerprint, readable, app.Warn);
        if (parse.GetResult(o.Backend) is { Implicit: false })
        {
            config = config with { Backend = parse.GetValue(o.Backend)! };
        }
        return new RunPlan(Path.GetDirectoryName(file)!, config, RunState.Progress(state), readable, BackendSettings.From(parse, o), checkpoint, runLock);
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

    /// <summary>
    /// Opens the data a checkpoint recorded (or <paramref name="moved"/>, where the user says it is now)
    /// with the class list the run was trained with, explaining how to point at it if it moved, and
    /// refusing data whose classes are not the run's.
    /// </summary>
    public static DataCatalog OpenRecordedData(TrainingState state, string? moved, string trainedOn = "the run was trained on")
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.ClassesFile is { } classList && !File.Exists(classList))
        {
            throw new AppException($"The run was trained with --classes-file {classList}, which is gone; put the same class list back there (the labels follow its order).");
        }
        var catalog = moved is not null ? DataCatalog.FromFolder(moved, state.ClassesFile) : OpenRecordedData(state.DataLocation, state.ClassesFile);
        if (!catalog.ClassNames.SequenceEqual(state.ClassNames))
        {
            string list = state.ClassesFile is null ? "" : $", read with the class list {state.ClassesFile} (changed since?),";
            throw new AppException($"The classes of the data in {catalog.Location}{list} are not those {trainedOn}: {ClassList.Difference(state.ClassNames, catalog.ClassNames)}. "
                + "The labels follow the class order, so the checkpoint would score the wrong classes; restore the class list or the folders the run was trained with.");
        }
        return catalog;
    }

    /// <summary>Opens the data a checkpoint recorded, explaining how to point at it if it moved.</summary>
    private static DataCatalog OpenRecordedData(string location, string? classesFile)
    {
        if (location.StartsWith(TorchVisionImporter.ImportedPrefix, StringComparison.Ordinal))
        {
            throw new AppException($"The checkpoint was {location} and has no data set of its own; pass --data DIR with one subfolder per class, named as its classes.");
        }
        if (!location.StartsWith(SyntheticData.Prefix, StringComparison.Ordinal) && !Directory.Exists(location))
        {
            throw new AppException($"The run's data folder {location} is gone; pass --data DIR to say where the same data is now.");
        }
        return DataCatalog.FromLocation(location, classesFile);
    }

    private static int Train(AppContext app, RunPlan plan, bool tta, int? maxSteps, Group group, DashboardSettings? live, CancellationToken cancellationToken)
    {
        var communicator = group.Communicator;
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
        var parts = SplitLoader.Load(app, plan.Readable, config.DataFingerprint, config.Split, config.DataSplitSeed, variant.ImageSize, config.MaxPixels,
            train: true, validation: true, test: false, cancellationToken, config.Augmentation.StoredShortSide);
        var shard = new BatchShard(communicator.Rank, communicator.Size);
        shard.CheckSplits(config.BatchSize);
        if (parts.Train!.Count < config.BatchSize)
        {
            throw new AppException($"The training set has {parts.Train.Count} images, fewer than one batch of {config.BatchSize}; use a smaller --batch-size.");
        }
        if (plan.Resume is null)
        {
            var measured = Preprocessing.Measure(parts.Train, variant.ImageSize, variant.InputShape[1], variant.InputScale == InputScale.Standardized);
            config = config with { Preprocessing = plan.Init is null ? measured : FineTuning.KeepInputScale(measured, plan.Init.State.Preprocessing) };
        }
        var blocking = CommonOptions.TunedBlocking(app, config.Backend, plan.Settings.Threads);
        using var backend = CommonOptions.CreateBackend(config.Backend, plan.Settings.Threads, plan.Settings.Precision, blocking);
        using var model = variant.Build(backend, config.ClassNames.Count, config.Seed, RunNames.Initializations[config.Initialization], config.Dropout, config.NormalizationName);
        var schedule = config.NewSchedule();
        schedule.State = progress.ScheduleState;
        string? replaced = plan.Init is null ? null : FineTuning.LoadWeights(model, plan.Init, config.ClassNames);
        var (trained, rateScales) = config.FineTune is { } fineTune ? fineTune.Apply(model) : (model.Parameters, (IReadOnlyList<float>?)null);
        using var optimizer = new Optimizer(config.Optimizer, trained, backend, rateScales);
        plan.Resume?.Restore(model, optimizer);
        Reliability.LeftoverCleaner.CleanRunFolder(plan.Folder, app.WriteLine);
        // The check creates the folder, so a path the file system refuses is worded as the run folder's.
        Reliability.RunFolderCheck.Ensure(plan.Folder, Checkpoint.EstimateBytes(model, optimizer, parts.Train.Count), app.Disk);
        using var nccl = Communicators.UsesNccl(group.CommunicatorName, config.Backend, communicator.Size) ? StartNccl(backend, communicator) : null;
        using var parallel = communicator.Size > 1 ? new DataParallel(communicator, model, group.Overlap, onDevice: nccl) : null;
        if (group.SplitOverTwoDevices && parallel is not null)
        {
            throw new AppException("--model-parallel 2 splits one process's network over two devices; it does not combine with data-parallel processes (mpirun). Use one or the other.");
        }
        using var secondDevice = group.SplitOverTwoDevices ? CommonOptions.CreateBackend(config.Backend, plan.Settings.Threads, plan.Settings.Precision, blocking) : null;
        using var split = secondDevice is null ? null : SplitOverTwoDevices(model, backend, secondDevice);
        parallel?.CheckSameStart(model, progress.GlobalStep);
        var train = new InputPipeline(parts.Train, config.Preprocessing, config.BatchSize, shard, plan.Settings.Prefetch, plan.Settings.LoaderThreads, config.Augmentation)
        {
            Targets = config.SoftTargets,
            TargetClasses = config.ClassNames.Count,
        };
        var validation = new InputPipeline(parts.Validation!, config.Preprocessing, config.BatchSize, null, plan.Settings.Prefetch, plan.Settings.LoaderThreads);
        string relative = Relative(app, plan.Folder);
        string where = parallel is not null ? $"{backend.Name}, {parallel.Describe(config.BatchSize)}"
            : split is not null ? $"two {backend.Name} devices, split as the paper's two GPUs (--model-parallel 2)"
            : backend.Name;
        app.WriteLine(plan.Resume is null
            ? $"Training {variant.Name} ({model.ParameterCount:N0} parameters) on {where}: {plan.Catalog.Kind}, {config.ClassNames.Count} classes, {parts.Train.Count} train / {parts.Validation!.Count} val images (split {config.Split}{(config.SplitSeed is { } splitSeed ? $", split seed {splitSeed}" : "")}, seed {config.Seed}, {(plan.Init is null ? $"init {RunNames.Initializations[config.Initialization]}" : "weights from --init-from")})."
            : $"Resuming {relative} at epoch {progress.Epoch + 1}, step {progress.StepInEpoch} on {where}, up to epoch {config.Epochs}.");
        app.WriteLine($"{config.Optimizer}, schedule {config.Schedule}, batch {config.BatchSize}, {Plural.Of(config.Epochs, "epoch")}{(config.Dropout is float dropout ? string.Create(CultureInfo.InvariantCulture, $", dropout {dropout}") : "")}{(config.NormalizationName is { } norm ? $", norm {norm}" : "")}; {config.Preprocessing}. Output: {relative}/");
        if (!config.Augmentation.IsPaper)
        {
            app.WriteLine($"Augmentation: {config.Augmentation}; mirrors and PCA lighting as the paper's.");
        }
        if (config.SoftTargets.Enabled)
        {
            app.WriteLine($"Targets: {config.SoftTargets}; validation and test score the hard labels.");
        }
        if (plan.Init is not null)
        {
            app.WriteLine($"{config.FineTune!.Describe(replaced, config.ClassNames.Count)}; {trained.Sum(p => (long)p.Length):N0} of {model.ParameterCount:N0} parameters train.");
        }
        // Only rank 0 serves the page: it is the one that prints and writes.
        using var dashboard = live is null || group.Communicator.Rank != 0 ? null
            : new Reporting.Html.Dashboard(live.Host, live.Port, Path.GetFileName(plan.Folder), RunState.Of(config, progress), model, train.TrainingBatches, app.TrainingListener);
        if (dashboard is not null)
        {
            app.WriteLine($"Dashboard: {dashboard.Address} (it stops with the run).");
        }
        // --tta is given per invocation, so the command that continues the run must repeat it or the test falls back to the centre crop.
        string resumeCommand = $"alexnet train --resume {relative} --epochs {config.Epochs}{(tta ? " --tta" : "")}";
        using var trainer = new Trainer(model, optimizer, schedule, train, validation, config, progress, plan.Resume?.DataOrder, plan.Folder, new TrainingReporter(app.Console, app.IsInteractive, app.WriteLine))
        {
            AfterStep = app.AfterTrainingStep,
            Listener = dashboard ?? app.TrainingListener,
            MaxSteps = maxSteps,
            Parallel = parallel,
            Split = split,
            Disk = app.Disk,
            ResumeCommand = resumeCommand,
        };
        TrainingOutcome outcome;
        try
        {
            outcome = trainer.Run(cancellationToken);
        }
        catch (CommunicatorTimeoutException e)
        {
            string saved = File.Exists(Path.Combine(plan.Folder, Trainer.LastFile))
                ? $"The last checkpoint, {relative}/{Trainer.LastFile}, is intact (it is replaced only whole); resume with: {resumeCommand}"
                : "No checkpoint had been written yet.";
            throw new AppException($"{e.Message} Stopping at {trainer.Progress.Position()}. {saved}", e);
        }
        if (parallel is not null)
        {
            app.WriteLine(parallel.Summary());
        }
        switch (outcome)
        {
            case TrainingOutcome.Interrupted:
                app.WriteLine($"Interrupted {Where(trainer.Progress, "after")}; saved {relative}/{Trainer.LastFile}. Resume with: {resumeCommand}");
                return AppHost.Interrupted;
            case TrainingOutcome.StepLimitReached:
                app.WriteLine($"Stopped after {maxSteps} step(s) (--max-steps) {Where(trainer.Progress, "when")}; saved {relative}/{Trainer.LastFile}. Continue with: {resumeCommand}");
                return 0;
            case TrainingOutcome.Diverged:
                throw new AppException(trainer.Divergence!); // a fresh run's folder goes if nothing was written (see the command's action)
        }
        if (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C in the last epoch: that epoch finished and was saved; only the test is left to do.
            app.WriteLine($"Interrupted after the last epoch ({trainer.Progress.Epoch}) finished; saved {relative}/{Trainer.LastFile}. The test was skipped; score it with: alexnet evaluate --checkpoint {relative}/{Trainer.BestFile}");
            return AppHost.Interrupted;
        }
        if (parallel is null || parallel.IsWriter)
        {
            TestBest(app, plan, config, trainer.Progress, model, parts, tta, cancellationToken);
        }
        communicator.Barrier(); // the other ranks wait for rank 0's test, then all leave MPI together
        return 0;
    }

    /// <summary>The paper's two-device split of <paramref name="model"/>, or an app error naming the layer it has no form for.</summary>
    private static TwoDeviceNetwork SplitOverTwoDevices(Sequential model, AlexNet.Backends.IBackend device0, AlexNet.Backends.IBackend device1)
    {
        try
        {
            return new TwoDeviceNetwork(model, device0, device1);
        }
        catch (NotSupportedException e)
        {
            throw new AppException($"--model-parallel 2 cannot split {model.Name}: {e.Message} Train it on one device (leave --model-parallel out).", e);
        }
    }

    /// <summary>Joins the NCCL group of the MPI ranks, one GPU each, or says why it cannot.</summary>
    private static NcclCommunicator StartNccl(AlexNet.Backends.IBackend backend, ICommunicator communicator)
    {
        try
        {
            return NcclCommunicator.Create(backend, communicator);
        }
        catch (Exception e) when (e is ArgumentException or DllNotFoundException or EntryPointNotFoundException or NcclException)
        {
            throw new AppException($"--communicator nccl cannot start: {e.Message}", e);
        }
    }

    /// <summary>Scores the best checkpoint on the test split and writes the confusion matrix as text and PNG.</summary>
    private static void TestBest(AppContext app, RunPlan plan, RunConfig config, RunProgress progress, Sequential model, SplitLoader.Parts parts, bool tta, CancellationToken cancellationToken)
    {
        var test = SplitLoader.Load(app, parts.Readable, config.DataFingerprint, config.Split, config.DataSplitSeed, config.Preprocessing.StoredSize, config.MaxPixels,
            train: false, validation: false, test: true, cancellationToken, config.Augmentation.StoredShortSide).Test!;
        string relative = Relative(app, plan.Folder);
        if (test.Count == 0)
        {
            app.WriteLine($"Done. The split {config.Split} has no test images, so there is no test score. Best validation top-1 {100 * progress.BestValidationTop1:0.0}% (epoch {progress.BestEpoch}).");
            return;
        }
        Checkpoint.Read(Path.Combine(plan.Folder, Trainer.BestFile)).Restore(model, optimizer: null);
        var (result, score) = ScoreTest(model, test, parts.Split, config, progress.BestEpoch, tta, cancellationToken);
        score.Write(plan.Folder);
        string title = string.Create(CultureInfo.InvariantCulture, $"{RunNames.Models[config.Model]}, best epoch {progress.BestEpoch}: test top-1 {100 * result.Top1:0.0}%");
        AtomicFile.WriteAllText(Path.Combine(plan.Folder, "confusion_matrix.txt"), title + "\n\n" + result.Confusion.ToText());
        result.Confusion.SavePng(Path.Combine(plan.Folder, "confusion_matrix.png"), title);
        app.WriteLine(result.Confusion.ToText());
        app.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test ({test.Count} images, {(tta ? "10 crops" : "centre crop")}, best epoch {progress.BestEpoch}): loss {result.Loss:0.0000}  top-1 {100 * result.Top1:0.0}%  top-5 {100 * result.Top5:0.0}%"));
        app.WriteLine($"Done. Run folder: {relative}/ (metrics.csv, loss.png, accuracy.png, confusion_matrix.png, {TestScore.FileName}, {Trainer.LastFile}, {Trainer.BestFile})");
    }

    /// <summary>Scores <paramref name="model"/> (the best checkpoint, of epoch <paramref name="epoch"/>) on the test images with the centre crop or, with <paramref name="tta"/>, 10 crops.</summary>
    private static (EvaluationResult Result, TestScore Score) ScoreTest(Sequential model, ImageSet test, DataSplit split, RunConfig config, int epoch, bool tta, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int maxOffset = config.Preprocessing.StoredSize - config.Preprocessing.CropSize;
        var crops = tta ? Augmentation.TenCrops(maxOffset) : [Augmentation.Centre(maxOffset)];
        var result = Evaluator.Run(model, new InputPipeline(test, config.Preprocessing, config.BatchSize), crops, config.ClassNames, cancellationToken);
        var score = new TestScore(Trainer.BestFile, epoch, crops.Length, test.Count, SplitInWords(split, config.ClassNames.Count), result.Loss, result.Top1, result.Top5, clock.Elapsed.TotalSeconds);
        return (result, score);
    }

    /// <summary>The split as images per class (<c>40/20/20</c>) where every class has the same counts, else as totals (<c>680/340/340 images</c>).</summary>
    private static string SplitInWords(DataSplit split, int classes)
    {
        IReadOnlyList<DataItem>[] parts = [split.Train, split.Validation, split.Test];
        var perClass = parts.Select(items => Enumerable.Range(0, classes).Select(label => items.Count(item => item.Label == label)).Distinct().ToList()).ToList();
        return perClass.All(counts => counts.Count == 1)
            ? string.Join('/', perClass.Select(counts => counts[0]))
            : $"{string.Join('/', parts.Select(items => items.Count))} images";
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
