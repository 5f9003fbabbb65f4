using AlexNet.Training.Data;
using Spectre.Console;

namespace AlexNet.Training.Cli;

/// <summary>
/// Reads the data a command needs: the catalog from <c>--data</c> (or the cache) or the synthetic set,
/// the seeded split, and the decoded images of the requested splits, through the image cache in the
/// data cache folder (<see cref="ImageCache"/>) — with a progress bar on a terminal
/// and one warning per skipped file.
/// </summary>
public static class SplitLoader
{
    /// <summary>The decoded parts of a split; a part not requested is null.</summary>
    public sealed record Parts(DataCatalog Catalog, DataSplit Split, ImageSet? Train, ImageSet? Validation, ImageSet? Test, int Skipped);

    /// <summary>Decodes the requested parts of <paramref name="catalog"/>'s split at <paramref name="storedSize"/>.</summary>
    public static Parts Load(AppContext app, DataCatalog catalog, SplitSpec spec, ulong seed, int storedSize, long maxPixels,
        bool train, bool validation, bool test, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(catalog);
        // train/ val/ test/ folders are used as they are; otherwise the seeded split draws the parts.
        var split = catalog.GivenSplit ?? DataSplit.Create(catalog.Items, catalog.ClassNames, spec, seed);
        var wanted = new List<(string Name, IReadOnlyList<DataItem> Items)>();
        if (train)
        {
            wanted.Add(("train", split.Train));
        }
        if (validation)
        {
            wanted.Add(("validation", split.Validation));
        }
        if (test)
        {
            wanted.Add(("test", split.Test));
        }
        var decoder = new ImageDecoder(maxPixels);
        var skipped = new List<ImageRejectedException>();
        var sets = new Dictionary<string, ImageSet>();
        string cache = ImageCache.Folder(DataCache.Root(app.Environment));
        int total = wanted.Sum(w => w.Items.Count);
        void DecodeAll(Action<int>? progress)
        {
            int done = 0;
            foreach (var (name, items) in wanted)
            {
                int before = done;
                var counted = progress is null ? null : new Progress<int>(n => progress(before + n));
                // Files go through the on-disk cache (decoded once, then memory-mapped); the synthetic set is rendered, cheaper than a read.
                sets[name] = catalog.IsSynthetic
                    ? catalog.Decode(items, storedSize, decoder, skipped, counted, cancellationToken)
                    : ImageCache.Open(cache, items, storedSize, decoder, skipped, counted, cancellationToken);
                done += items.Count;
            }
        }
        if (app.IsInteractive && !catalog.IsSynthetic)
        {
            app.Console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask($"decoding {total} images", maxValue: Math.Max(1, total));
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    DecodeAll(n =>
                    {
                        task.Value = Math.Max(task.Value, n);
                        task.Description = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"decoding {total} images into the cache, {n / Math.Max(1e-3, clock.Elapsed.TotalSeconds):0} images/s");
                    });
                });
        }
        else
        {
            DecodeAll(null);
        }
        foreach (var rejected in skipped)
        {
            app.Warn($"skipped {rejected.Message}");
        }
        if (skipped.Count > 0)
        {
            app.WriteLine($"{skipped.Count} unreadable file(s) skipped (listed above on stderr).");
        }
        foreach (var (name, items) in wanted)
        {
            CheckEveryClassIsLeft(app, catalog.ClassNames, name, items, sets[name]);
        }
        return new Parts(catalog, split, sets.GetValueOrDefault("train"), sets.GetValueOrDefault("validation"), sets.GetValueOrDefault("test"), skipped.Count);
    }

    /// <summary>
    /// A class whose files in a part were all skipped: without training images the network never sees
    /// it, so that stops the command; without validation or test images only its scores are missing, so that is a warning.
    /// </summary>
    private static void CheckEveryClassIsLeft(AppContext app, IReadOnlyList<string> classNames, string part, IReadOnlyList<DataItem> items, ImageSet decoded)
    {
        if (items.Count == 0)
        {
            return; // the split asked for no images here
        }
        int[] counts = decoded.CountPerClass(classNames.Count);
        var empty = Enumerable.Range(0, classNames.Count).Where(label => counts[label] == 0)
            .Select(label => $"'{classNames[label]}' ({items.Count(item => item.Label == label)} {part} file(s), none readable)")
            .ToList();
        if (empty.Count == 0)
        {
            return;
        }
        if (part == "train")
        {
            throw new AppException($"No training image of class {string.Join(", ", empty)} could be read, so the network could never learn it; replace the files (see the warnings above) or remove the class.");
        }
        app.Warn($"class {string.Join(", ", empty)} has no {part} images: the {part} scores say nothing about it.");
    }
}
