using System.CommandLine;
using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;
using AlexNet.Training.Reporting.Html;

namespace AlexNet.Training.Cli;

/// <summary>
/// <c>alexnet report RUN</c>: writes <c>RUN/report.html</c>, one self-contained page of the run — its
/// curves, settings, test confusion matrix (each cell opens its images), per-class precision and
/// recall, the first convolution's kernels and the final scores.
/// </summary>
public static class ReportCommand
{
    /// <summary>The page's file name in the run folder.</summary>
    public const string ReportFile = "report.html";

    public static Command Create(AppContext app)
    {
        var runArgument = new Argument<DirectoryInfo>("RUN") { Description = "The run folder, e.g. runs/alexnet-oxflower17 (it holds last.safetensors)." };
        var data = CommonOptions.Data();
        data.Description = "Where the run's data is now, if it has moved since training (default: the folder the run recorded).";
        var backendOption = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var loaderThreads = CommonOptions.LoaderThreads();
        var prefetch = CommonOptions.Prefetch();
        var command = new Command("report", $"""
            Write RUN/{ReportFile}: one page (no network needed, opens from disk) with the run's loss, accuracy and
            learning-rate curves, its settings, the test confusion matrix scored by best.safetensors (click a cell to see
            its images), per-class precision and recall, the first convolution's kernels and the final scores.
            """)
        {
            runArgument, data, backendOption, threads, loaderThreads, prefetch,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string folder = parse.GetValue(runArgument)!.FullName;
            string last = Path.Combine(folder, Trainer.LastFile);
            if (!File.Exists(last))
            {
                throw new AppException($"There is no run at {folder}: expected a run folder with {Trainer.LastFile} (e.g. runs/alexnet-oxflower17).");
            }
            var state = Checkpoint.Read(last).State;
            string bestFile = Path.Combine(folder, Trainer.BestFile);
            var scored = Checkpoint.Read(File.Exists(bestFile) ? bestFile : last);
            using var backend = CommonOptions.CreateBackend(parse.GetValue(backendOption)!, parse.GetValue(threads));
            using var model = ModelLoader.Load(scored, backend);
            var catalog = TrainCommand.OpenRecordedData(state, parse.GetValue(data)?.FullName);
            var readable = SplitLoader.CheckImages(app, catalog, state.MaxPixels, cancellationToken);
            var test = SplitLoader.Load(app, readable, state.DataFingerprint, SplitSpec.Parse(state.Split), state.SplitSeed ?? state.Seed, state.Preprocessing.StoredSize, state.MaxPixels,
                train: false, validation: false, test: true, cancellationToken, state.Augmentation?.StoredShortSide).Test!;
            TestReport? scores = null;
            if (test.Count == 0)
            {
                app.WriteLine($"The split {state.Split} has no test images: the report has no confusion matrix.");
            }
            else
            {
                scores = ReportBuilder.Test(model, scored.State, test, cancellationToken, parse.GetValue(prefetch), parse.GetValue(loaderThreads));
            }
            var page = new ReportData(Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar)), Live: false, ReportBuilder.Settings(state),
                state.History, Progress: null, ReportBuilder.Filters(model), scores);
            string file = Path.Combine(folder, ReportFile);
            AtomicFile.WriteAllText(file, HtmlPage.Render("report.html", page.Title, page));
            app.WriteLine(scores is null
                ? $"Wrote {file} ({state.History.Count} epochs)."
                : string.Create(CultureInfo.InvariantCulture,
                    $"Wrote {file} ({state.History.Count} epochs; test top-1 {100 * scores.Top1:0.0}% on {test.Count} images with {Path.GetFileName(scored.Path)}, epoch {scored.State.Epoch})."));
            return Task.FromResult(0);
        });
        return command;
    }
}
