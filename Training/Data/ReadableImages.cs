namespace AlexNet.Training.Data;

/// <summary>
/// Which of a catalog's files can be read, found once before the split (<see cref="ImageDecoder.Check"/>:
/// the header and, for JPEG and PNG, that the file is whole). The split is drawn from the readable ones,
/// so an unreadable file takes no place in training, validation or test. Runs split before this check
/// existed drew their split from every listed file; <see cref="ForSplit"/> keeps their split as it was.
/// </summary>
public sealed class ReadableImages
{
    private ReadableImages(DataCatalog catalog, IReadOnlyList<DataItem> items, IReadOnlyList<ImageRejectedException> rejected)
    {
        Catalog = catalog;
        Items = items;
        Rejected = rejected;
    }

    /// <summary>The catalog that was checked.</summary>
    public DataCatalog Catalog { get; }

    /// <summary>The readable examples, in the catalog's order.</summary>
    public IReadOnlyList<DataItem> Items { get; }

    /// <summary>The unreadable files, in the catalog's order, each with its reason.</summary>
    public IReadOnlyList<ImageRejectedException> Rejected { get; }

    /// <summary>Checks every file of <paramref name="catalog"/> (in parallel); a synthetic catalog is readable throughout.</summary>
    public static ReadableImages Check(DataCatalog catalog, ImageDecoder decoder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(decoder);
        if (catalog.IsSynthetic)
        {
            return new ReadableImages(catalog, catalog.Items, []);
        }
        var errors = new ImageRejectedException?[catalog.Items.Count];
        Parallel.For(0, catalog.Items.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                decoder.Check(catalog.Items[i].Source);
            }
            catch (ImageRejectedException e)
            {
                errors[i] = e;
            }
        });
        var items = catalog.Items.Where((_, i) => errors[i] is null).ToList();
        return new ReadableImages(catalog, items, [.. errors.OfType<ImageRejectedException>()]);
    }

    /// <summary>The unreadable files of class <paramref name="label"/>.</summary>
    public int RejectedIn(int label) => Catalog.Items.Count(item => item.Label == label) - Items.Count(item => item.Label == label);

    /// <summary>
    /// The examples a run's split is drawn from: the readable ones, unless <paramref name="fingerprint"/>
    /// (the run's) was taken before unreadable files were left out of the split, whose split drew on every listed file.
    /// </summary>
    public IReadOnlyList<DataItem> ForSplit(SplitFingerprint? fingerprint) =>
        fingerprint is null || !fingerprint.LeavesOutUnreadable ? Catalog.Items : Items;
}
