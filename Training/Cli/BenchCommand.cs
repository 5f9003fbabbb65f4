using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Training.Benchmarking;
using AlexNet.Training.Run;

namespace AlexNet.Training.Cli;

/// <summary>
/// <c>alexnet bench</c>: how fast a model runs here — inference and training-step throughput
/// (images/s and effective GFLOP/s), a per-layer breakdown, fp32 GEMM GFLOP/s, the machine's
/// roofline (peak FLOP/s and memory bandwidth), peak memory and garbage-collector activity. Times
/// are taken by the rule of the libtorch reference (<c>shared/tools/libtorch-bench</c>): warm-up,
/// then the median of timed steps, so both can be run side by side on the same machine.
/// </summary>
public static class BenchCommand
{
    private sealed class Options
    {
        public Option<string[]> Models { get; } = new Option<string[]>("--model")
        {
            Description = "The networks to measure (several may follow one --model): " + string.Join(", ", ModelVariants.Names) + ".",
            DefaultValueFactory = _ => ["alexnet"],
            AllowMultipleArgumentsPerToken = true,
            HelpName = "NAME",
        }.AcceptOnlyFromAmong([.. ModelVariants.Names]);

        public Option<int?> Classes { get; } = new Option<int?>("--classes") { Description = "Classes of the last layer (default 1000, as libtorch-bench).", HelpName = "N" }.AtLeast(2);

        public Option<int[]> BatchSizes { get; } = AtLeastOne(new Option<int[]>("--batch-size")
        {
            Description = "Images per step; several may be given (--batch-size 1 16 64). Default 64.",
            DefaultValueFactory = _ => [64],
            AllowMultipleArgumentsPerToken = true,
            HelpName = "N",
        });

        public Option<int[]> Threads { get; } = new Option<int[]>("--threads")
        {
            Description = "CPU threads; several may be given (--threads 2 1). 0 = one per logical processor (the default).",
            DefaultValueFactory = _ => [0],
            AllowMultipleArgumentsPerToken = true,
            HelpName = "N",
        };

        public Option<string> Backend { get; } = CommonOptions.Backend();


        public Option<string> Precision { get; } = CommonOptions.Precision();

        public Option<bool> Inference { get; } = new("--inference") { Description = "Measure inference (forward only, inference mode)." };

        public Option<bool> Train { get; } = new("--train") { Description = "Measure the training step as train runs it: forward, softmax cross-entropy, backward, SGD-momentum update, the loss and top-1 classes read back." };

        public Option<bool> Layers { get; } = new("--layers") { Description = "Add a per-layer forward/backward time breakdown of each measured step." };

        public Option<string> Optimizer { get; } = new Option<string>("--optimizer") { Description = "The update the training step takes: sgd (momentum, no weight decay; the default), adam (no weight decay) or adamw (decoupled decay 0.05); --layers reports its GB/s.", DefaultValueFactory = _ => "sgd", HelpName = "sgd|adam|adamw" }.AcceptOnlyFromAmong([.. RunNames.Optimizers.Names]);

        public Option<int?> Gemm { get; } = new Option<int?>("--gemm") { Description = "Measure fp32 GEMM GFLOP/s on N×N matrices (4096 to compare with torch.matmul).", HelpName = "N" }.AtLeast(1);

        public Option<string?> GemmBlocking { get; } = new("--gemm-blocking") { Description = "The cpu backend's GEMM cache blocks KC,MC,NC (e.g. 256,240,4096) instead of those derived from this processor's caches: to compare blockings.", HelpName = "KC,MC,NC" };

        public Option<bool> TuneGemm { get; } = new("--tune-gemm") { Description = "Measure the cpu backend's GEMM cache blocks here (a few candidates at AlexNet's product shapes, a few seconds), keep the fastest in the cache folder for train and bench, and use it. Run again to re-measure." };

        public Option<bool> Roofline { get; } = new("--roofline") { Description = "Measure the machine's peak fp32 GFLOP/s and memory bandwidth (the roofline's two ceilings)." };

        public Option<int?> Warmup { get; } = new Option<int?>("--warmup") { Description = "Untimed steps first (default: 1 for batches of 64 or more, else 2, as libtorch-bench, and at least 1 s of them so the JIT has optimized the hot code; an explicit --warmup drops the 1 s).", HelpName = "N" }.AtLeast(0);

        public Option<int?> Iterations { get; } = new Option<int?>("--iterations") { Description = "Timed steps at least (default 3).", HelpName = "N" }.AtLeast(1);

        public Option<int?> MaxIterations { get; } = new Option<int?>("--max-iterations") { Description = "Timed steps at most (default 50; 10 for GEMM).", HelpName = "N" }.AtLeast(1);

        public Option<double?> MinSeconds { get; } = new("--min-seconds") { Description = "Keep timing steps for at least this long (default 3).", HelpName = "S" };

        public Option<DirectoryInfo> Loader { get; } = new("--loader") { Description = "Measure the input pipeline on the data set in this folder instead of a model: the image cache's first pass (images/s), then batches of --batch-size read, cropped, flipped and coloured with each --loader-threads, and peak memory.", HelpName = "DIR" };

        public Option<int[]> LoaderThreads { get; } = AtLeastOne(new Option<int[]>("--loader-threads")
        {
            Description = "With --loader: worker threads to measure; several may be given (--loader-threads 1 2 4). Default 1 2 4.",
            DefaultValueFactory = _ => [1, 2, 4],
            AllowMultipleArgumentsPerToken = true,
            HelpName = "N",
        });

        public Option<int> Prefetch { get; } = CommonOptions.Prefetch();

        public Option<int> StoredSize { get; } = new Option<int>("--stored-size") { Description = "With --loader: the side of the cached squares (default 256, the paper's).", DefaultValueFactory = _ => 256, HelpName = "N" }.AtLeast(1);

        public Option<int> CropSize { get; } = new Option<int>("--crop-size") { Description = "With --loader: the side of the network input cropped from them (default 227).", DefaultValueFactory = _ => 227, HelpName = "N" }.AtLeast(1);

        public AugmentationOptions Augmentation { get; } = new();
        public SoftTargetOptions SoftTargets { get; } = new();
        public Option<bool> NoCache { get; } = new("--no-cache") { Description = "With --loader: decode every image into memory, as before the cache, instead of reading the cache." };

        public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of the weights and the random images.", DefaultValueFactory = _ => 1UL, HelpName = "N" };
    }

    /// <summary>One measured configuration, for the closing table.</summary>
    private sealed record Row(string Model, int Threads, int BatchSize, string Mode, double Milliseconds, double ImagesPerSecond);

    public static Command Create(AppContext app)
    {
        var o = new Options();
        var command = new Command("bench", """
            Measure throughput here: inference and training-step images/s and effective GFLOP/s (median of timed steps
            after a warm-up, as libtorch-bench measures PyTorch), with --layers a per-layer breakdown, --gemm N the fp32
            GEMM GFLOP/s, --roofline the machine's peak GFLOP/s and memory bandwidth. Reports peak memory and garbage
            collections. Without --inference or --train both are measured; with only --gemm or --roofline, no model.
            Example: alexnet bench --model alexnet --classes 1000 --batch-size 64 --threads 2 --train
            """)
        {
            o.Models, o.Classes, o.BatchSizes, o.Threads, o.Backend, o.Precision, o.Inference, o.Train, o.Layers, o.Optimizer, o.Gemm, o.GemmBlocking, o.TuneGemm, o.Roofline,
            o.Warmup, o.Iterations, o.MaxIterations, o.MinSeconds, o.Seed, o.Loader, o.LoaderThreads, o.Prefetch, o.StoredSize, o.CropSize, o.NoCache,
        };
        foreach (var option in o.Augmentation.All.Concat(o.SoftTargets.All))
        {
            option.Description = "With --loader: " + option.Description;
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(app, parse, o, cancellationToken)));
        return command;
    }

    private static int Run(AppContext app, ParseResult parse, Options o, CancellationToken cancellationToken)
    {
        bool inference = parse.GetValue(o.Inference), train = parse.GetValue(o.Train), layers = parse.GetValue(o.Layers);
        int? gemm = parse.GetValue(o.Gemm);
        bool roofline = parse.GetValue(o.Roofline);
        bool tune = parse.GetValue(o.TuneGemm);
        bool models = inference || train || layers || (gemm is null && !roofline && !tune);
        if (!inference && !train)
        {
            inference = train = true;
        }
        double? minSeconds = parse.GetValue(o.MinSeconds);
        if (minSeconds is < 0 || (minSeconds is { } s && !double.IsFinite(s)))
        {
            throw AppException.Usage($"--min-seconds must be a non-negative number of seconds, not {minSeconds.Value.ToString(CultureInfo.InvariantCulture)}.");
        }
        int[] threadCounts = parse.GetValue(o.Threads)!;
        if (threadCounts.Any(t => t < 0))
        {
            throw AppException.Usage($"--threads must be 0 (all processors) or more, not {threadCounts.First(t => t < 0)}.");
        }
        TimingRule Rule(TimingRule defaults) => new(
            parse.GetValue(o.Warmup) ?? defaults.Warmup,
            parse.GetValue(o.Iterations) ?? defaults.MinIterations,
            Math.Max(parse.GetValue(o.MaxIterations) ?? defaults.MaxIterations, parse.GetValue(o.Iterations) ?? defaults.MinIterations),
            minSeconds ?? defaults.MinSeconds,
            parse.GetResult(o.Warmup) is null ? defaults.WarmupSeconds : 0);

        if (parse.GetValue(o.Loader) is { } loader)
        {
            return RunLoader(app, parse, o, loader, minSeconds ?? 3, cancellationToken);
        }
        string backendName = parse.GetValue(o.Backend)!;
        var blocking = ParseBlocking(parse.GetValue(o.GemmBlocking));
        int classes = parse.GetValue(o.Classes) ?? 1000;
        app.WriteLine(MachineLine());
        var rows = new List<Row>();
        foreach (int threads in threadCounts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (tune && blocking is null)
            {
                blocking = Tune(app, backendName, threads);
            }
            using var backend = CommonOptions.CreateBackend(backendName, threads, CommonOptions.ParsePrecision(parse.GetValue(o.Precision)!),
                blocking ?? CommonOptions.TunedBlocking(app, backendName, threads));
            var description = backend.Describe();
            int actualThreads = description.Threads;
            app.WriteLine($"== {description} ==");
            // The per-layer table places each layer against the two ceilings, so --layers measures them too.
            var ceilings = roofline || layers ? RunRoofline(app, actualThreads) : default;
            if (gemm is { } n)
            {
                var load = new MachineLoad();
                var timings = GemmBenchmark.Measure(backend, n, Rule(TimingRule.ForGemm));
                app.WriteLine(Invariant($"  GEMM fp32 {n}x{n}x{n}, {actualThreads} thread(s): median {timings.Median:F1} ms, min {timings.Min:F1} ms, {timings.Count} runs -> ") +
                    Invariant($"{GemmBenchmark.Gflops(n, timings.Median):F1} GFLOP/s (median), {GemmBenchmark.Gflops(n, timings.Min):F1} GFLOP/s (best)  {MachineLoad.Describe(load.Stop())}"));
            }
            if (!models)
            {
                continue;
            }
            foreach (string model in parse.GetValue(o.Models)!)
            {
                var variant = ModelVariants.Get(model);
                foreach (int batchSize in parse.GetValue(o.BatchSizes)!)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var bench = new ModelBenchmark(backend, variant, classes, batchSize, parse.GetValue(o.Seed), RunNames.Optimizers.Parse(parse.GetValue(o.Optimizer)!));
                    var rule = Rule(TimingRule.ForModel(batchSize));
                    if (inference)
                    {
                        rows.Add(RunMode(app, bench, training: false, actualThreads, rule, layers, ceilings));
                    }
                    if (train)
                    {
                        if (bench.TrainingUnsupportedReason is { } reason)
                        {
                            app.WriteLine($"  {Label(bench, actualThreads, "train")}: skipped, {reason}");
                            rows.Add(new Row(bench.Model.Name, actualThreads, batchSize, "train", double.NaN, double.NaN));
                        }
                        else
                        {
                            rows.Add(RunMode(app, bench, training: true, actualThreads, rule, layers, ceilings));
                        }
                    }
                    app.WriteLine(MemoryLine(backend));
                }
            }
        }
        if (rows.Count > 1)
        {
            WriteTable(app, rows);
        }
        return 0;
    }

    /// <summary>Times one mode of one model and prints its line (and the per-layer table when asked).</summary>
    private static Row RunMode(AppContext app, ModelBenchmark bench, bool training, int threads, TimingRule rule, bool layers, Ceilings ceilings)
    {
        string mode = training ? "train" : "inference";
        var garbage = new GarbageCounter();
        var load = new MachineLoad();
        var timings = rule.Measure(training ? () => bench.Train() : bench.Infer, garbage.Start);
        garbage.Stop();
        var share = load.Stop();
        double imagesPerSecond = bench.BatchSize / (timings.Median / 1000);
        double gflops = bench.FlopsPerStep(training) / (timings.Median / 1000) / 1e9;
        var (gen0, gen1, gen2, bytes) = garbage.Result;
        app.WriteLine(Invariant($"  {Label(bench, threads, mode)}: median {timings.Median:F2} ms, min {timings.Min:F2} ms, {timings.Count} runs  ") +
            Invariant($"{imagesPerSecond:F1} img/s  {gflops:F1} GFLOP/s  GC {gen0}/{gen1}/{gen2}, {GarbageCounter.FormatBytes(bytes / (double)timings.Count)}/step  {MachineLoad.Describe(share)}"));
        if (layers)
        {
            WriteLayers(app, bench, training, rule with { Warmup = 0 }, ceilings);
        }
        return new Row(bench.Model.Name, threads, bench.BatchSize, mode, timings.Median, imagesPerSecond);
    }

    /// <summary>--tune-gemm: measures the blocking candidates on this many threads, prints them, files the choice.</summary>
    private static Backends.Cpu.GemmBlocking Tune(AppContext app, string backendName, int threads)
    {
        if (!string.Equals(backendName.Trim(), "cpu", StringComparison.OrdinalIgnoreCase))
        {
            throw AppException.Usage($"--tune-gemm measures the cpu backend's GEMM; the {backendName} backend has no blocking to choose. Use --backend cpu.");
        }
        var load = new MachineLoad();
        var tuned = GemmTuning.Measure(threads == 0 ? Environment.ProcessorCount : threads, rounds: 5, app.WriteLine);
        string path = GemmTuning.FilePath(Data.DataCache.Root(app.Environment));
        GemmTuning.Save(path, tuned);
        app.WriteLine($"  GEMM blocking chosen for {tuned.Processor}, {tuned.Kernel}: {tuned.Blocking}, written to {path}  {MachineLoad.Describe(load.Stop())}");
        return Backends.Cpu.GemmBlocking.Parse(tuned.Blocking);
    }

    /// <summary>--gemm-blocking's value, or null when not given.</summary>
    private static Backends.Cpu.GemmBlocking? ParseBlocking(string? text)
    {
        try
        {
            return text is null ? null : Backends.Cpu.GemmBlocking.Parse(text);
        }
        catch (FormatException e)
        {
            throw AppException.Usage($"--gemm-blocking: {e.Message}");
        }
    }

    private static string Label(ModelBenchmark bench, int threads, string mode) =>
        Invariant($"{bench.Model.Name} b={bench.BatchSize} threads={threads} {mode}");

    /// <summary>
    /// Profiles the step layer by layer (as many runs as the rule asks) and prints, per layer, the
    /// median forward and backward times and the share of the step; for convolutions and dense layers
    /// their GFLOP/s, forward arithmetic intensity (FLOPs per byte of input, weights and output) and the
    /// share of the roofline's limit at that intensity, min(peak, intensity · bandwidth), that the forward
    /// reached; for every layer the bytes it must move (<see cref="LayerTraffic"/>), the GB/s that makes
    /// and its share of the measured triad bandwidth — the roofline's other side, where the layers
    /// between the GEMMs live.
    /// </summary>
    private static void WriteLayers(AppContext app, ModelBenchmark bench, bool training, TimingRule rule, Ceilings ceilings)
    {
        var profiles = new List<StepProfile>();
        rule.Measure(() => profiles.Add(bench.Profile(training)));
        var model = bench.Model;
        int count = model.Layers.Count;
        double[] forward = [.. Enumerable.Range(0, count).Select(i => Timings.MedianOf(profiles.Select(p => p.Forward[i])))];
        double[] backward = [.. Enumerable.Range(0, count).Select(i => Timings.MedianOf(profiles.Select(p => p.Backward[i])))];
        double loss = Timings.MedianOf(profiles.Select(p => p.Loss));
        double update = Timings.MedianOf(profiles.Select(p => p.Update));
        double total = forward.Sum() + backward.Sum() + loss + update;
        // GB/s from bytes and milliseconds, and its share of the measured bandwidth.
        static string Rate(long bytes, double milliseconds) => bytes > 0 && milliseconds > 0 ? Invariant($"{bytes / milliseconds / 1e6:F1}") : "";
        string Share(long bytes, double milliseconds) => bytes > 0 && milliseconds > 0 ? Invariant($"{100 * bytes / milliseconds / 1e6 / ceilings.Triad:F0}%") : "";

        app.WriteLine(Invariant($"    per layer, median of {profiles.Count} profiled step(s), ms; ceilings: {ceilings.Peak:F1} GFLOP/s, {ceilings.Triad:F1} GB/s (triad), ridge {ceilings.Peak / ceilings.Triad:F1} FLOP/B:"));
        app.WriteLine($"    {"layer",-9} {"what",-34} {"output",-20} {"forward",9} {"backward",9} {"share",6} {"fwd GFLOP/s",12} {"bwd GFLOP/s",12} {"FLOP/B",7} {"of roof",7} {"fwd MB",8} {"bwd MB",8} {"fwd GB/s",9} {"bwd GB/s",9} {"fwd bw",6} {"bwd bw",6}");
        var shape = new Tensors.Shape(bench.BatchSize, model.InputShape[0], model.InputShape[1], model.InputShape[2]);
        for (int i = 0; i < count; i++)
        {
            var layer = model.Layers[i];
            var output = layer.OutputShape(shape);
            double flops = 2.0 * layer.MultiplyAccumulates(shape) * bench.BatchSize;
            bool fused = training && model.FuseBackward && layer is ReLU && i + 1 < count && model.Layers[i + 1] is MaxPool2d && i > model.FrozenLayers;
            bool forwardFused = i > 0 && model.FusesForward(i - 1);
            var (forwardBytes, backwardBytes) = LayerTraffic.Bytes(layer, shape, inputGradient: i > model.FrozenLayers, fusedIntoNext: fused, fusedIntoPrevious: forwardFused);
            string forwardRate = "", backwardRate = "", intensity = "", ofRoof = "";
            if (flops > 0)
            {
                forwardRate = Invariant($"{flops / forward[i] / 1e6:F1}");
                // The backward computes the weight gradient and, except in the first layer, the input gradient: each as many FLOPs as the forward.
                backwardRate = training ? Invariant($"{flops * (i > 0 ? 2 : 1) / backward[i] / 1e6:F1}") : "";
                double flopsPerByte = flops / forwardBytes;
                intensity = Invariant($"{flopsPerByte:F1}");
                ofRoof = Invariant($"{100 * flops / forward[i] / 1e6 / Math.Min(ceilings.Peak, flopsPerByte * ceilings.Triad):F0}%");
            }
            string backwardTime = !training ? "" : fused ? "fused" : backward[i].ToString("F2", CultureInfo.InvariantCulture);
            string forwardTime = forwardFused ? "fused" : forward[i].ToString("F2", CultureInfo.InvariantCulture);
            app.WriteLine(Invariant($"    {layer.Name,-9} {Truncate(layer.Description, 34),-34} {output.ToString(),-20} {forwardTime,9} {backwardTime,9} {100 * (forward[i] + backward[i]) / total,5:F1}% {forwardRate,12} {backwardRate,12} {intensity,7} {ofRoof,7} ") +
                Invariant($"{forwardBytes / 1e6,8:F1} {(training ? Invariant($"{backwardBytes / 1e6:F1}") : ""),8} {Rate(forwardBytes, forward[i]),9} {(training ? Rate(backwardBytes, backward[i]) : ""),9} {Share(forwardBytes, forward[i]),6} {(training ? Share(backwardBytes, backward[i]) : ""),6}"));
            shape = output;
        }
        if (training)
        {
            var optimizer = bench.Optimizer;
            long updateBytes = LayerTraffic.UpdateBytes(model.ParameterCount, optimizer.Kind);
            string updateName = optimizer.Kind switch
            {
                OptimizerKind.Adam => "zero gradients + Adam",
                OptimizerKind.AdamW => "zero gradients + AdamW",
                _ => "zero gradients + SGD momentum",
            };
            app.WriteLine(Invariant($"    {"loss",-9} {"softmax cross-entropy",-34} {"",-20} {loss,9:F2} {"",9} {100 * loss / total,5:F1}%"));
            app.WriteLine(Invariant($"    {"update",-9} {updateName,-34} {"",-20} {update,9:F2} {"",9} {100 * update / total,5:F1}% {"",12} {"",12} {"",7} {"",7} ") +
                Invariant($"{updateBytes / 1e6,8:F1} {"",8} {Rate(updateBytes, update),9} {"",9} {Share(updateBytes, update),6}"));
        }
        app.WriteLine(Invariant($"    {"layers",-9} {"",-34} {"",-20} {forward.Sum(),9:F2} {(training ? backward.Sum().ToString("F2", CultureInfo.InvariantCulture) : ""),9}"));
        app.WriteLine(Invariant($"    {"step",-9} {"everything above",-34} {"",-20} {total,9:F2}"));
    }

    /// <summary>Measures and prints the machine's peak GFLOP/s and memory bandwidth, and the ridge point between them.</summary>
    private static Ceilings RunRoofline(AppContext app, int threads)
    {
        var load = new MachineLoad();
        double peak = Roofline.PeakGflops(threads);
        var (read, triad) = Roofline.BandwidthGBs(threads);
        app.WriteLine(Invariant($"  roofline, {threads} thread(s): peak {peak:F1} GFLOP/s (fp32 FMA on {VectorWidth()}-bit vectors); memory bandwidth {read:F1} GB/s read, {triad:F1} GB/s triad; ") +
            Invariant($"ridge point {peak / read:F1} FLOP/byte  {MachineLoad.Describe(load.Stop())}"));
        return new Ceilings(peak, triad);
    }

    /// <summary>The roofline's two ceilings as measured here: peak GFLOP/s and the triad's GB/s (reads and writes, as layers move data).</summary>
    private readonly record struct Ceilings(double Peak, double Triad);

    /// <summary><c>bench --loader DIR</c>: the cache's first pass, then the loader alone at each thread count.</summary>
    private static int RunLoader(AppContext app, ParseResult parse, Options o, DirectoryInfo folder, double minSeconds, CancellationToken cancellationToken)
    {
        int stored = parse.GetValue(o.StoredSize), crop = parse.GetValue(o.CropSize), prefetch = parse.GetValue(o.Prefetch);
        var augmentation = o.Augmentation.Parse(parse);
        var targets = o.SoftTargets.Parse(parse);
        var form = augmentation.Form(stored);
        if (crop > stored)
        {
            throw AppException.Usage($"--crop-size {crop} does not fit in --stored-size {stored}: the crop is taken from the stored square.");
        }
        app.WriteLine(MachineLine());
        var catalog = Data.DataCatalog.FromFolder(Path.GetFullPath(folder.FullName, app.WorkingDirectory));
        string? cache = parse.GetValue(o.NoCache) ? null : Data.ImageCache.Folder(Data.DataCache.Root(app.Environment));
        var skipped = new List<Data.ImageRejectedException>();
        var memory = new MemoryPeak();
        var load = new MachineLoad();
        var (images, pass) = LoaderBenchmark.Load(catalog, catalog.Items, form, new Data.ImageDecoder(), cache, skipped, cancellationToken);
        memory.Sample();
        string how = cache is null ? "decoded into memory" : pass.Decoded == 0 ? $"read from the cache in {cache}" : $"cache built in {cache}";
        app.WriteLine(Invariant($"  data: {catalog.Items.Count} images ({skipped.Count} skipped) stored as {form}, {GarbageCounter.FormatBytes(pass.Bytes)} decoded; {how}: ") +
            Invariant($"{pass.Seconds:F2} s") + (pass.Decoded > 0 ? Invariant($", {pass.Decoded / pass.Seconds:F1} images/s") : "") + $"  {MachineLoad.Describe(load.Stop())}");
        var preprocessing = Data.Preprocessing.Measure(images, stored, crop, standardize: false);
        app.WriteLine($"  augmentation: {augmentation}, mirrors, PCA lighting{(targets.Enabled ? $"; targets: {targets}" : "")}");
        foreach (int batchSize in parse.GetValue(o.BatchSizes)!)
        {
            foreach (int threads in parse.GetValue(o.LoaderThreads)!)
            {
                cancellationToken.ThrowIfCancellationRequested();
                load = new MachineLoad();
                var result = LoaderBenchmark.Measure(images, preprocessing, batchSize, threads, prefetch, minSeconds, memory, cancellationToken, augmentation, targets, catalog.ClassNames.Count);
                app.WriteLine(Invariant($"  loader, batch {batchSize}, {threads} thread(s), prefetch {prefetch}: {result.ImagesPerSecond:F1} images/s ({result.Images} images in {result.Seconds:F2} s, ") +
                    Invariant($"waited {result.DataWaitSeconds:F2} s)  {MachineLoad.Describe(load.Stop())}"));
            }
        }
        app.WriteLine($"  memory: peak managed heap {GarbageCounter.FormatBytes(memory.HeapBytes)}, peak anonymous resident {GarbageCounter.FormatBytes(memory.AnonymousBytes)}, data set {GarbageCounter.FormatBytes(pass.Bytes)}");
        return 0;
    }

    /// <summary>Peak memory of the process so far, the backend's tensors and scratch memory.</summary>
    private static string MemoryLine(IBackend backend)
    {
        string line = "  memory: peak resident " + GarbageCounter.FormatBytes(GarbageCounter.PeakResidentBytes()) + " (process, so far)";
        if (backend.Describe() is { TensorBytes: long tensors, ScratchBytes: long scratch })
        {
            line += ", tensors " + GarbageCounter.FormatBytes(tensors) + ", scratch " + GarbageCounter.FormatBytes(scratch);
        }
        return line;
    }

    /// <summary>The closing markdown table, one row per model, thread count and batch size (libtorch-bench's layout).</summary>
    private static void WriteTable(AppContext app, List<Row> rows)
    {
        app.WriteLine("");
        app.WriteLine("| model | threads | batch | inference img/s | train img/s | inference ms/iter | train ms/iter |");
        app.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in rows.GroupBy(r => (r.Model, r.Threads, r.BatchSize)))
        {
            var inference = group.FirstOrDefault(r => r.Mode == "inference");
            var train = group.FirstOrDefault(r => r.Mode == "train");
            static string F(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString("F1", CultureInfo.InvariantCulture) : "n/a";
            app.WriteLine($"| {group.Key.Model} | {group.Key.Threads} | {group.Key.BatchSize} | {F(inference?.ImagesPerSecond)} | {F(train?.ImagesPerSecond)} | {F(inference?.Milliseconds)} | {F(train?.Milliseconds)} |");
        }
    }

    private static string MachineLine()
    {
        double? load = MachineLoad.LoadAverage();
        return $"{RuntimeInformation.ProcessArchitecture} {Environment.ProcessorCount} logical processors, {RuntimeInformation.FrameworkDescription}, " +
            $"vectors {VectorWidth()}-bit" + (load is { } l ? Invariant($", load average {l:F2}") : "");
    }

    private static int VectorWidth() => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static Option<int[]> AtLeastOne(Option<int[]> option)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (int.TryParse(token.Value, CultureInfo.InvariantCulture, out int value) && value < 1)
                {
                    result.AddError($"{option.Name} must be at least 1, not {value}.");
                }
            }
        });
        return option;
    }
}
