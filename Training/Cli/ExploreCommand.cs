using System.CommandLine;
using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Explorer;
using AlexNet.Training.Reporting.Html;

namespace AlexNet.Training.Cli;

/// <summary>
/// <c>alexnet explore --checkpoint FILE IMAGE</c>: one image through the network in the browser — the
/// input, then every layer's feature maps, shapes, parameters, multiply-adds and formula, the top-5
/// classes, and a saliency map for each of them. Written to one self-contained page, or served.
/// </summary>
public static class ExploreCommand
{
    /// <summary>The port <c>--serve</c> listens on when none is given.</summary>
    public const int DefaultPort = 8018;

    public static Command Create(AppContext app)
    {
        var checkpointOption = new Option<FileInfo>("--checkpoint") { Description = "The trained checkpoint, e.g. runs/alexnet-oxflower17/best.safetensors.", HelpName = "FILE", Required = true };
        var imageArgument = new Argument<FileInfo>("IMAGE") { Description = "The image to run through the network (JPEG, PNG, …)." };
        var outOption = new Option<FileInfo>("--out") { Description = "The page to write (default: the image's name with .html, in the current folder).", HelpName = "FILE" };
        var serveOption = new Option<int?>("--serve") { Description = $"Serve the page on http://127.0.0.1:PORT/ (default {DefaultPort}) until Ctrl+C instead of writing it.", HelpName = "PORT", Arity = ArgumentArity.ZeroOrOne };
        var backendOption = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var maxPixels = CommonOptions.MaxPixels();
        var command = new Command("explore", """
            Write an explorer page for one image: the preprocessed input, then each layer in order with its output
            feature maps (click one to enlarge it), its shape in and out, parameters and multiply-adds, its formula in
            the paper's notation and links to its doc page and reference code; then the top-5 classes, each with a
            saliency map (the gradient of the class's score with respect to the input pixels) over the image.
            """)
        {
            checkpointOption, imageArgument, outOption, serveOption, backendOption, threads, maxPixels,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(serveOption) is not null && result.GetResult(outOption) is not null)
            {
                result.AddError("--serve and --out exclude each other: serve the page, or write it to a file.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Read(parse.GetValue(checkpointOption)!.FullName);
            var state = checkpoint.State;
            string image = parse.GetValue(imageArgument)!.FullName;
            byte[] pixels;
            try
            {
                pixels = new ImageDecoder(parse.GetValue(maxPixels)).Load(image, state.Preprocessing.StoredSize);
            }
            catch (ImageRejectedException e)
            {
                throw new AppException($"Cannot explore {e.Message}.", e);
            }
            using var backend = CommonOptions.CreateBackend(parse.GetValue(backendOption)!, parse.GetValue(threads));
            using var model = ModelLoader.Load(checkpoint, backend);
            string? sourceTree = ExplorerBuilder.FindSourceTree(app.WorkingDirectory, System.AppContext.BaseDirectory);
            var data = ExplorerBuilder.Build(model, state, checkpoint.Path, Path.GetFileName(image), pixels, sourceTree);
            string html = HtmlPage.Render("explorer.html", data.Title, data);
            string top = string.Join(", ", data.Top.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name} {c.Probability:0.000}")));
            if (parse.GetResult(serveOption) is not null)
            {
                using var server = new PageServer("127.0.0.1", parse.GetValue(serveOption) ?? DefaultPort, () => html, data: null);
                app.WriteLine($"{data.Title}: top {data.Top.Count} {top}. Serving the explorer on {server.Address} — press Ctrl+C to stop.");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    app.WriteLine("Stopped serving the explorer.");
                }
                return 0;
            }
            string file = parse.GetValue(outOption)?.FullName ?? Path.Combine(app.WorkingDirectory, Path.GetFileNameWithoutExtension(image) + ".html");
            AtomicFile.WriteAllText(file, html);
            app.WriteLine($"{data.Title}: top {data.Top.Count} {top}. Wrote the explorer to {file} ({data.Layers.Count} layers).");
            return 0;
        });
        return command;
    }
}
