using System.CommandLine;
using AlexNet.Training.Data;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet data</c>: downloads and verifies Oxford 17 Flowers, or checks a data folder, and describes it.</summary>
public static class DataCommand
{
    public static Command Create(AppContext app)
    {
        var data = CommonOptions.Data();
        var url = new Option<string>("--url") { Description = "Download from this address instead of the official one (needs --sha256).", HelpName = "URL" };
        var sha256 = new Option<string>("--sha256") { Description = "The SHA-256 the file at --url must have.", HelpName = "HEX" };
        var maxPixels = CommonOptions.MaxPixels();
        var classesFile = new Option<FileInfo>("--classes-file") { Description = "The class list: one class folder per line in label order, optionally followed by a readable name (default: the data folder's classes.txt, else the folders in name order).", HelpName = "FILE" };
        var command = new Command("data", "Download and verify Oxford 17 Flowers into the cache (or check the folder given with --data): decodes every image once, keeping none, and reports classes, counts and unreadable files.")
        {
            data, url, sha256, maxPixels, classesFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string folder = await DataLocator.ResolveAsync(app, parse.GetValue(data)?.FullName, CommonOptions.ParseUrl(parse.GetValue(url)), parse.GetValue(sha256), cancellationToken).ConfigureAwait(false);
            var catalog = DataCatalog.FromFolder(folder, parse.GetValue(classesFile)?.FullName);
            app.WriteLine($"{catalog.Kind} in {catalog.Location}: {catalog.Items.Count} images, {catalog.ClassNames.Count} classes.");
            var (counts, skipped) = DecodeEach(catalog, new ImageDecoder(parse.GetValue(maxPixels)), cancellationToken);
            foreach (var rejected in skipped)
            {
                app.Warn($"skipped {rejected.Message}");
            }
            for (int label = 0; label < counts.Length; label++)
            {
                app.WriteLine($"  {label,3}  {catalog.ClassNames[label],-20} {counts[label],6} images");
            }
            app.WriteLine(skipped.Count == 0 ? "Every image decodes." : $"{skipped.Count} file(s) could not be read; training leaves them out of its split.");
            var empty = Enumerable.Range(0, counts.Length).Where(label => counts[label] == 0).Select(label => $"'{catalog.ClassNames[label]}'").ToList();
            if (empty.Count > 0)
            {
                throw new AppException($"Class {string.Join(", ", empty)} has no readable image, so training on this data would stop; expected at least one per class: replace the files listed above, or remove the class folder.");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Decodes every file once (in parallel) and keeps only the count per class and the rejections, in
    /// file order: the check of a data set of any size holds no pixels, so it runs in bounded memory.
    /// </summary>
    private static (int[] Counts, List<ImageRejectedException> Skipped) DecodeEach(DataCatalog catalog, ImageDecoder decoder, CancellationToken cancellationToken)
    {
        var items = catalog.Items;
        var counts = new int[catalog.ClassNames.Count];
        var errors = new ImageRejectedException?[items.Count];
        var form = StoredForm.Square(32); // small, so the resize after the decode costs little
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                decoder.Load(items[i].Source, form);
                Interlocked.Increment(ref counts[items[i].Label]);
            }
            catch (ImageRejectedException e)
            {
                errors[i] = e;
            }
        });
        return (counts, [.. errors.OfType<ImageRejectedException>()]);
    }
}
