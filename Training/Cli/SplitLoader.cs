using AlexNet.Training.Data;
using Spectre.Console;

namespace AlexNet.Training.Cli;

/// <summary>
/// Reads the data a command needs: which of the catalog's files are readable (checked once, before the
/// split), the seeded split (or the train/ val/ test/ folders as given), and the decoded images of the requested splits through the image cache (<see cref="ImageCache"/>) — with a progress bar on a
/// terminal and one warning per unreadable or skipped file.
/// </summary>
public static class SplitLoader
{
    /// <summary>How often a log without a terminal gets a line while the cache is built.</summary>
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(30);

    /// <summary>The cache's reports handed to the run's progress, with the log line when one is due.</summary>
    private sealed class Reports(CacheProgress progress, Action<string?> decoded) : ICacheProgress
    {
        public void Stored(int images) => progress.Stored(images);

        public void Decoded() => decoded(progress.OneDecoded());
    }

    /// <summary>The decoded parts of a split; a part not requested is null.</summary>
    public sealed record Parts(ReadableImages Readable, DataSplit Split, ImageSet? Train, ImageSet? Validation, ImageSet? Test, int Skipped)
    {
        public DataCatalog Catalog => Readable.Catalog;
    }

    /// <summary>
    /// Checks every file of <paramref name="catalog"/> before the split and warns of each unreadable one, with its reason.
    /// </summary>
    /// <exception cref="AppException">A class has no readable file.</exception>
    public static ReadableImages CheckImages(AppContext app, DataCatalog catalog, long maxPixels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var readable = ReadableImages.Check(catalog, new ImageDecoder(maxPixels), cancellationToken);
        foreach (var rejected in readable.Rejected)
        {
            app.Warn($"left out of the split: {rejected.Message}");
        }
        var empty = Enumerable.Range(0, catalog.ClassNames.Count).Where(label => readable.Items.All(item => item.Label != label))
            .Select(label => $"'{catalog.ClassNames[label]}' ({readable.RejectedIn(label)} file(s), none readable)").ToList();
        if (empty.Count > 0)
        {
            throw new AppException($"Class {string.Join(", ", empty)} has no readable image, so it cannot be learnt or scored; expected at least one per class: replace the files listed above, or remove the class folder.");
        }
        if (readable.Rejected.Count > 0)
        {
            app.WriteLine($"{readable.Rejected.Count} unreadable file(s) left out of the split (listed above on stderr).");
        }
        return readable;
    }

    /// <summary>
    /// Decodes the requested parts of the split a run with <paramref name="fingerprint"/> draws from
    /// <paramref name="readable"/> (<see cref="ReadableImages.ForSplit"/>) as squares of <paramref name="storedSize"/>,
    /// or, with <paramref name="storedShortSide"/>, as whole images with that shorter side.
    /// </summary>
    public static Parts Load(AppContext app, ReadableImages readable, SplitFingerprint? fingerprint, SplitSpec spec, ulong seed, int storedSize, long maxPixels,
        bool train, bool validation, bool test, CancellationToken cancellationToken, int? storedShortSide = null)
    {
        var form = storedShortSide is int side ? StoredForm.ShortSideOf(side) : StoredForm.Square(storedSize);
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(readable);
        var catalog = readable.Catalog;
        // train/ val/ test/ folders are used as they are; otherwise the seeded split draws the parts.
        var split = catalog.GivenSplit ?? DataSplit.Create(readable.ForSplit(fingerprint), catalog.ClassNames, spec, seed);
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
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new CacheProgress(wanted.Sum(w => w.Items.Count), LogEvery, () => clock.Elapsed);
        void DecodeAll(Action<string?> decoded)
        {
            foreach (var (name, items) in wanted)
            {
                // Files go through the on-disk cache (decoded once, then memory-mapped); the synthetic set is rendered, cheaper than a read.
                sets[name] = catalog.IsSynthetic
                    ? catalog.Decode(items, form, decoder, skipped, cancellationToken)
                    : ImageCache.Open(cache, items, form, decoder, skipped, new Reports(progress, decoded), cancellationToken);
            }
        }
        if (app.IsInteractive && !catalog.IsSynthetic)
        {
            app.Console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask($"decoding {progress.Total} images", maxValue: Math.Max(1, progress.Total));
                    DecodeAll(_ =>
                    {
                        task.Value = progress.Ready;
                        task.Description = progress.Line();
                    });
                });
        }
        else
        {
            DecodeAll(line =>
            {
                if (line is not null)
                {
                    app.WriteLine(line);
                }
            });
        }
        if (progress.Summary(cache) is { } summary)
        {
            app.WriteLine(summary);
        }
        // An older run's split still holds the files found unreadable before it; they were reported then.
        var known = readable.Rejected.Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
        var unexpected = skipped.Where(r => !known.Contains(r.Path)).ToList();
        foreach (var rejected in unexpected)
        {
            app.Warn($"skipped {rejected.Message}");
        }
        if (unexpected.Count > 0)
        {
            app.WriteLine($"{unexpected.Count} file(s) that passed the check could not be decoded and were skipped (listed above on stderr).");
        }
        foreach (var (name, items) in wanted)
        {
            CheckEveryClassIsLeft(app, catalog.ClassNames, name, items, sets[name]);
        }
        return new Parts(readable, split, sets.GetValueOrDefault("train"), sets.GetValueOrDefault("validation"), sets.GetValueOrDefault("test"), skipped.Count);
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
