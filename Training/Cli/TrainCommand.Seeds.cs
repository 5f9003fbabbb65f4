// alexnet train --seeds: one run per split seed in runs/NAME-splitK, one after the other, then their summary in runs/NAME/.

using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Distributed;
using AlexNet.Training.Loop;
using AlexNet.Training.Reporting;
using AlexNet.Training.Run;

namespace AlexNet.Training.Cli;

public static partial class TrainCommand
{
    /// <summary>One split of a <c>--seeds</c> run: its split seed, folder, and the checkpoint state already there (null: none yet).</summary>
    private sealed record SplitFolder(ulong SplitSeed, string Folder, TrainingState? Existing);

    /// <summary>
    /// <c>train --seeds K,K,...</c>: checks every split's folder first (so a folder made with other
    /// settings stops the command before hours of training, not after), then trains, resumes or reuses
    /// each split in turn and summarizes them. Ctrl+C stops the split in training as a single run stops;
    /// the same command continues.
    /// </summary>
    private static async Task<int> TrainSplits(AppContext app, ParseResult parse, Options o, string seedsText, CancellationToken cancellationToken)
    {
        var seeds = ParseSeeds(seedsText);
        var excluded = new Option[] { o.Resume, o.SplitSeed, o.MaxSteps }.Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
        if (excluded.Count > 0)
        {
            throw AppException.Usage($"--seeds chooses each run's split seed and folder and runs each to its end; it does not combine with {string.Join(", ", excluded)}. To continue a --seeds run, give the same command again.");
        }
        string name = parse.GetValue(o.Name) ?? throw AppException.Usage("--seeds needs --name NAME: the splits train into runs/NAME-splitK and the summary goes to runs/NAME/, so the same command finds them again.");
        string command = CommandLine(parse);
        bool tta = parse.GetValue(o.Tta);
        string summaryFolder = Path.Combine(app.WorkingDirectory, "runs", name);
        if (File.Exists(Path.Combine(summaryFolder, Trainer.LastFile)))
        {
            throw new AppException($"{Relative(app, summaryFolder)} holds a training run, but --seeds {seedsText} --name {name} writes its summary there; choose another --name (the splits go to runs/{name}-splitK).");
        }
        var folders = seeds.Select(k => new SplitFolder(k, Path.Combine(app.WorkingDirectory, "runs", $"{name}-split{k}"), ReadState(Path.Combine(app.WorkingDirectory, "runs", $"{name}-split{k}")))).ToList();
        if (parse.GetValue(o.SummarizeOnly))
        {
            return Summarize(app, parse, o, folders, summaryFolder, command, tta, cancellationToken);
        }
        using var communicator = Communicators.Create(parse.GetValue(o.Communicator)!, app.Environment, TimeSpan.FromSeconds(parse.GetValue(o.CommunicationTimeout)));
        if (communicator.Size > 1)
        {
            throw AppException.Usage($"--seeds trains its splits one after the other in one process; under mpirun ({communicator.Size} processes) train each split with --split-seed K --name {name}-splitK, then summarize them with --seeds {seedsText} --name {name} --summarize-only.");
        }
        // Every split's plan and folder is checked before the first trains.
        var plans = new List<RunPlan>();
        foreach (var split in folders)
        {
            var plan = await Planned(app, parse, o, communicator, cancellationToken, Path.GetFileName(split.Folder), split.SplitSeed).ConfigureAwait(false);
            if (plan.Config.Split.Test == 0)
            {
                throw AppException.Usage($"--seeds compares the splits by their test scores, but the split {plan.Config.Split} has no test images; give a --split with a test part, such as 40/20/20.");
            }
            if (split.Existing is { } state)
            {
                var differences = SettingsDifference.Between(RunState.Config(state), plan.Config, Relative(app, split.Folder), "this command");
                if (differences.Count > 0)
                {
                    throw new AppException($"{Relative(app, split.Folder)} holds a run made with other settings, so it is neither reused nor overwritten: {string.Join("; ", differences)}. Give the settings it was made with, or another --name.");
                }
                CheckCrops(app, split, tta);
            }
            plans.Add(plan);
        }
        var group = new Group(communicator, !parse.GetValue(o.NoOverlap), parse.GetValue(o.Communicator)!, parse.GetValue(o.ModelParallel) == 2);
        var dashboard = parse.GetResult(o.Dashboard) is null ? null : new DashboardSettings(parse.GetValue(o.DashboardHost)!, parse.GetValue(o.Dashboard) ?? Reporting.Html.Dashboard.DefaultPort);
        for (int i = 0; i < folders.Count; i++)
        {
            var split = folders[i];
            string relative = Relative(app, split.Folder);
            if (split.Existing is { } done && Finished(done))
            {
                app.WriteLine($"Split seed {split.SplitSeed} ({i + 1} of {folders.Count}): {relative} has finished ({done.Position()}, best epoch {done.BestEpoch}); reused.");
                continue;
            }
            app.WriteLine(split.Existing is null
                ? $"Split seed {split.SplitSeed} ({i + 1} of {folders.Count}): training {relative}."
                : $"Split seed {split.SplitSeed} ({i + 1} of {folders.Count}): {relative} stopped at {split.Existing.Position()}; resuming it.");
            var plan = split.Existing is null ? Locked(app, communicator, plans[i]) : ResumedSplit(app, parse, o, split.Folder, cancellationToken);
            int code;
            using (var held = plan.Lock)
            {
                try
                {
                    code = Train(app, plan, tta, null, group, dashboard, cancellationToken);
                }
                catch when (plan.Resume is null)
                {
                    plan.Lock?.ReleaseAndRemoveUnusedFolder();
                    throw;
                }
            }
            if (code != 0 || cancellationToken.IsCancellationRequested)
            {
                app.WriteLine($"Stopped in split seed {split.SplitSeed} ({i + 1} of {folders.Count}). To continue all {folders.Count} splits (finished ones are reused), run the same command again: {command}");
                return code != 0 ? code : AppHost.Interrupted;
            }
        }
        var finished = folders.Select(split => split with { Existing = ReadState(split.Folder) }).ToList();
        return Summarize(app, parse, o, finished, summaryFolder, command, tta, cancellationToken);
    }

    /// <summary>The plan of an unfinished split's run, continued from its last checkpoint (its settings were checked to be the command's).</summary>
    private static RunPlan ResumedSplit(AppContext app, ParseResult parse, Options o, string folder, CancellationToken cancellationToken)
    {
        var runLock = Reliability.RunLock.Acquire(folder);
        try
        {
            return ReadRun(app, parse, o, Path.Combine(folder, Trainer.LastFile), runLock, cancellationToken, asMade: true);
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads every split's scores from its files (scoring once a finished run that has no
    /// <c>test.json</c>), refuses missing, unfinished or differently made splits, then prints the
    /// table and writes <c>summary.json</c> and <c>summary.png</c>.
    /// </summary>
    private static int Summarize(AppContext app, ParseResult parse, Options o, IReadOnlyList<SplitFolder> folders, string summaryFolder, string command, bool tta, CancellationToken cancellationToken)
    {
        foreach (var split in folders)
        {
            string relative = Relative(app, split.Folder);
            if (split.Existing is not { } state)
            {
                throw new AppException($"Split seed {split.SplitSeed} has no run: {relative}/{Trainer.LastFile} does not exist. Train it with the same command without --summarize-only.");
            }
            if (!Finished(state))
            {
                throw new AppException($"{relative} is unfinished: it stands at {state.Position()} of {Plural.Of(state.TotalEpochs, "epoch")}. Continue it with the same command without --summarize-only (it resumes where it stopped).");
            }
        }
        var first = folders[0];
        var firstConfig = RunState.Config(first.Existing!);
        foreach (var split in folders.Skip(1))
        {
            var config = RunState.Config(split.Existing!) with { SplitSeed = firstConfig.SplitSeed };
            var differences = SettingsDifference.Between(firstConfig, config, Relative(app, first.Folder), Relative(app, split.Folder));
            if (differences.Count > 0)
            {
                throw new AppException($"The splits were trained with different settings, so their mean says nothing about one recipe: {string.Join("; ", differences)}.");
            }
        }
        var runs = new List<SplitRun>();
        string? splitText = null;
        foreach (var split in folders)
        {
            var state = split.Existing!;
            CheckCrops(app, split, tta);
            var score = TestScore.Read(split.Folder) is { } recorded && recorded.Epoch == state.BestEpoch
                ? recorded
                : ScoreFinished(app, parse, o, split, tta, cancellationToken);
            splitText ??= score.Split;
            double? wall = state.WallSeconds > 0 ? state.WallSeconds + score.Seconds : null;
            runs.Add(new SplitRun(split.SplitSeed, state.Seed, state.BestEpoch, state.Epoch, state.BestValidationTop1, score.Top1, score.Top5, score.Crops, score.Images,
                Relative(app, split.Folder), state.History.Sum(m => m.Seconds), wall));
        }
        var summary = SplitSummary.Of(first.Existing!.Model, splitText!, command, runs);
        summary.Write(summaryFolder);
        app.WriteLine(summary.ToText().TrimEnd());
        string relativeSummary = Relative(app, summaryFolder);
        app.WriteLine($"Wrote {relativeSummary}/{SplitSummary.FileName} and {relativeSummary}/{SplitSummary.PlotFile}.");
        return 0;
    }

    /// <summary>
    /// Scores a finished run's best checkpoint on its test split, as train does at its end, and writes
    /// its <c>test.json</c>: for runs made before the file was written, or stopped before their test.
    /// A confusion matrix such a run already wrote is kept as it is.
    /// </summary>
    private static TestScore ScoreFinished(AppContext app, ParseResult parse, Options o, SplitFolder split, bool tta, CancellationToken cancellationToken)
    {
        string relative = Relative(app, split.Folder);
        string bestFile = Path.Combine(split.Folder, Trainer.BestFile);
        if (!File.Exists(bestFile))
        {
            throw new AppException($"{relative} has finished but has no {Trainer.BestFile} to score on its test split; it cannot be summarized.");
        }
        var best = Checkpoint.Read(bestFile);
        app.WriteLine($"{relative} has no {TestScore.FileName} for its best epoch ({split.Existing!.BestEpoch}): scoring {Trainer.BestFile} on its test split ({(tta ? "10 crops" : "centre crop")}), as train does at the end.");
        var config = RunState.Config(best.State);
        var catalog = OpenRecordedData(best.State, parse.GetValue(o.Data)?.FullName);
        var readable = SplitLoader.CheckImages(app, catalog, config.MaxPixels, cancellationToken);
        SplitFingerprint.Verify(config.DataFingerprint, readable, app.Warn);
        var parts = SplitLoader.Load(app, readable, config.DataFingerprint, config.Split, config.DataSplitSeed, config.Preprocessing.StoredSize, config.MaxPixels,
            train: false, validation: false, test: true, cancellationToken, config.Augmentation.StoredShortSide);
        if (parts.Test!.Count == 0)
        {
            throw new AppException($"{relative}'s split {config.Split} has no test images, so it has no test score to summarize.");
        }
        using var backend = CommonOptions.CreateBackend(parse.GetValue(o.Backend)!, parse.GetValue(o.Threads));
        using var model = ModelLoader.Load(best, backend);
        var (result, score) = ScoreTest(model, parts.Test, parts.Split, config, best.State.Epoch, tta, cancellationToken);
        string confusionText = Path.Combine(split.Folder, "confusion_matrix.txt");
        if (File.Exists(confusionText) && TestScore.Read(split.Folder) is null)
        {
            // The run's own test: if it printed another top-1, it was scored with other crops.
            var recorded = RecordedTop1().Match(File.ReadAllText(confusionText));
            if (recorded.Success && recorded.Groups[1].Value != (100 * score.Top1).ToString("0.0", CultureInfo.InvariantCulture))
            {
                app.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Note: {relative}/confusion_matrix.txt records test top-1 {recorded.Groups[1].Value}%, scored with other crops than the {score.CropsInWords} here ({100 * score.Top1:0.0}%); it is kept, and {TestScore.FileName} holds the {score.CropsInWords}'s score."));
            }
        }
        else
        {
            string title = string.Create(CultureInfo.InvariantCulture, $"{best.State.Model}, best epoch {score.Epoch}: test top-1 {100 * score.Top1:0.0}%");
            AtomicFile.WriteAllText(confusionText, title + "\n\n" + result.Confusion.ToText());
            result.Confusion.SavePng(Path.Combine(split.Folder, "confusion_matrix.png"), title);
        }
        score.Write(split.Folder);
        app.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test ({score.Images} images, {score.CropsInWords}, best epoch {score.Epoch}): loss {score.Loss:0.0000}  top-1 {100 * score.Top1:0.0}%  top-5 {100 * score.Top5:0.0}%; wrote {relative}/{TestScore.FileName}."));
        return score;
    }

    /// <summary>Refuses a split whose recorded test used other crops than the command asks for (its score would not be comparable).</summary>
    private static void CheckCrops(AppContext app, SplitFolder split, bool tta)
    {
        int wanted = tta ? 10 : 1;
        if (TestScore.Read(split.Folder) is { } score && split.Existing is { } state && score.Epoch == state.BestEpoch && score.Crops != wanted)
        {
            throw new AppException($"{Relative(app, split.Folder)}/{TestScore.FileName} was scored with the {score.CropsInWords}, but this command asks for the {(tta ? "10 crops (--tta)" : "centre crop")}; {(tta ? "leave out --tta" : "add --tta")} to summarize the runs as they were tested.");
        }
    }

    /// <summary>Whether a run has trained to its end: all its epochs, or until the plateau rule ended it.</summary>
    private static bool Finished(TrainingState state) => (state.Epoch >= state.TotalEpochs && state.StepInEpoch == 0) || state.ScheduleState.Converged;

    /// <summary>The training state of the run in <paramref name="folder"/>, or null where it has no last checkpoint.</summary>
    private static TrainingState? ReadState(string folder)
    {
        string last = Path.Combine(folder, Trainer.LastFile);
        return File.Exists(last) ? Checkpoint.Read(last).State : null;
    }

    /// <summary>The split seeds of <c>--seeds 1,2,3</c>: two or more distinct whole numbers.</summary>
    public static IReadOnlyList<ulong> ParseSeeds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var seeds = new List<ulong>();
        foreach (string part in text.Split(','))
        {
            if (!ulong.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
            {
                throw AppException.Usage($"--seeds {text}: '{part}' is not a split seed; expected non-negative whole numbers separated by commas, such as --seeds 1,2,3.");
            }
            if (seeds.Contains(seed))
            {
                throw AppException.Usage($"--seeds {text} names split seed {seed} twice; each split is trained once.");
            }
            seeds.Add(seed);
        }
        return seeds.Count >= 2 ? seeds
            : throw AppException.Usage($"--seeds {text} names one split seed; a mean ± standard deviation needs two or more (such as --seeds 1,2,3). For one split use --split-seed {seeds[0]}.");
    }

    /// <summary>The command as typed, for summary.json and the line that says how to continue.</summary>
    private static string CommandLine(ParseResult parse) =>
        "alexnet " + string.Join(' ', parse.Tokens.Select(token => Quoted(token.Value)));

    private static string Quoted(string word) => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./,:=+@%".Contains(c))
        ? word
        : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    [GeneratedRegex(@"test top-1 ([0-9.]+)%")]
    private static partial Regex RecordedTop1();
}
