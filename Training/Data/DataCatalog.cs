namespace AlexNet.Training.Data;

/// <summary>
/// A data set before decoding: its class names and every example's source and label. Built from a
/// folder (Oxford 17's <c>jpg/image_NNNN.jpg</c> layout, or one subfolder per class) or generated
/// (<see cref="Synthetic"/>), or from ImageNet-style <c>train/</c>, <c>val/</c> and optional <c>test/</c>
/// folders of class folders, whose division is used as given (<see cref="GivenSplit"/>). <see cref="Decode(IReadOnlyList{DataItem}, StoredForm, ImageDecoder, List{ImageRejectedException}, CancellationToken)"/> turns a chosen list of examples into an
/// <see cref="ImageSet"/>, skipping unreadable files with a warning.
/// </summary>
public sealed class DataCatalog
{
    private DataCatalog(string location, string kind, IReadOnlyList<string> classNames, IReadOnlyList<DataItem> items, DataSplit? givenSplit = null)
    {
        GivenSplit = givenSplit;
        if (classNames.Count < 2)
        {
            throw new AppException($"The data set in '{location}' has {classNames.Count} class(es); classification needs at least two.");
        }
        Location = location;
        Kind = kind;
        ClassNames = classNames;
        Items = items;
    }

    /// <summary>The folder the data came from, or <c>synthetic:CLASSESxIMAGES</c>.</summary>
    public string Location { get; }

    /// <summary>"Oxford 17 Flowers", "image folders" or "synthetic".</summary>
    public string Kind { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every example, in a fixed order (file number, or class folder then file name).</summary>
    public IReadOnlyList<DataItem> Items { get; }

    /// <summary>The split the folders define (<c>train/</c>, <c>val/</c>, <c>test/</c>); null when the split is drawn by <see cref="SplitSpec"/>.</summary>
    public DataSplit? GivenSplit { get; }

    /// <summary>The folder names of a layout whose split is given: training, validation, test (optional).</summary>
    public static readonly (string Train, string Validation, string Test) PartFolders = ("train", "val", "test");

    /// <summary>True for the generated data set.</summary>
    public bool IsSynthetic => Location.StartsWith(SyntheticData.Prefix, StringComparison.Ordinal);

    /// <summary>
    /// Reads the data set in <paramref name="directory"/>: the Oxford 17 layout if it is there; else
    /// <c>train/</c> and <c>val/</c> (and optionally <c>test/</c>) of class folders; else one subfolder per
    /// class. The class order and names come from <paramref name="classesFile"/>, else the folder's
    /// <c>classes.txt</c>, else the class folders' names in ordinal order.
    /// </summary>
    public static DataCatalog FromFolder(string directory, string? classesFile = null)
    {
        string full = Path.GetFullPath(directory);
        if (File.Exists(full))
        {
            string hint = full.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) || full.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || full.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)
                ? " To use an archive, unpack it first and pass the folder it unpacks to." : "";
            throw new AppException($"The data path '{full}' is a file; expected a folder: Oxford 17 Flowers as unpacked (with jpg/image_0001.jpg …) or a folder with one subfolder of images per class.{hint}");
        }
        if (!Directory.Exists(full))
        {
            throw new AppException($"The data folder '{full}' does not exist; expected the Oxford 17 Flowers folder (with jpg/image_0001.jpg …) or a folder with one subfolder of images per class.");
        }
        if (Oxford17.FindImageFolder(full) is { } imageFolder)
        {
            return new DataCatalog(full, "Oxford 17 Flowers", Oxford17.ClassNames, Oxford17.ListFiles(imageFolder));
        }
        var classes = classesFile is not null ? ClassList.Read(Path.GetFullPath(classesFile)) : ClassList.Find(full);
        if (Directory.Exists(Path.Combine(full, PartFolders.Train)) && Directory.Exists(Path.Combine(full, PartFolders.Validation)))
        {
            return FromPartFolders(full, classes);
        }
        var (classNames, files) = ImageFolder.List(full, classes);
        return new DataCatalog(full, "image folders", classNames, files);
    }

    /// <summary>The ImageNet layout: every part holds the same class folders (the training part's, or the class list's).</summary>
    private static DataCatalog FromPartFolders(string full, ClassList? classes)
    {
        string train = Path.Combine(full, PartFolders.Train);
        classes ??= new ClassList(
            [.. Directory.EnumerateDirectories(train).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal)!],
            [.. Directory.EnumerateDirectories(train).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal)!]);
        var (classNames, trainItems) = ImageFolder.List(train, classes);
        var (_, validationItems) = ImageFolder.List(Path.Combine(full, PartFolders.Validation), classes);
        string test = Path.Combine(full, PartFolders.Test);
        var testItems = Directory.Exists(test) ? ImageFolder.List(test, classes).Files : [];
        var split = new DataSplit(trainItems, validationItems, testItems);
        return new DataCatalog(full, "train/val/test folders", classNames, [.. trainItems, .. validationItems, .. testItems], split);
    }

    /// <summary>The generated data set: <paramref name="classes"/> classes of <paramref name="imagesPerClass"/> images.</summary>
    public static DataCatalog Synthetic(int classes, int imagesPerClass)
    {
        if (classes < 2 || imagesPerClass < 1)
        {
            throw new AppException($"A synthetic data set needs at least 2 classes and 1 image per class; got {classes} and {imagesPerClass}.");
        }
        var names = Enumerable.Range(0, classes).Select(SyntheticData.ClassName).ToList();
        var items = new List<DataItem>();
        for (int label = 0; label < classes; label++)
        {
            for (int i = 0; i < imagesPerClass; i++)
            {
                items.Add(new DataItem(SyntheticData.Source(label, i), label));
            }
        }
        return new DataCatalog($"{SyntheticData.Prefix}{classes}x{imagesPerClass}", "synthetic", names, items);
    }

    /// <summary>Reopens a catalog from the location (and the class list, if one was named) a checkpoint recorded.</summary>
    public static DataCatalog FromLocation(string location, string? classesFile = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.StartsWith(SyntheticData.Prefix, StringComparison.Ordinal))
        {
            string[] parts = location[SyntheticData.Prefix.Length..].Split('x');
            if (parts.Length == 2 && int.TryParse(parts[0], out int classes) && int.TryParse(parts[1], out int perClass))
            {
                return Synthetic(classes, perClass);
            }
            throw new AppException($"'{location}' is not a synthetic data set description (expected {SyntheticData.Prefix}CLASSESxIMAGES).");
        }
        return FromFolder(location, classesFile);
    }

    /// <summary>
    /// Decodes <paramref name="items"/> (in parallel, results in the given order) into stored squares of
    /// <paramref name="size"/>. Unreadable, corrupt and oversized files are left out and reported in
    /// <paramref name="skipped"/>.
    /// </summary>
    public ImageSet Decode(IReadOnlyList<DataItem> items, int size, ImageDecoder decoder, List<ImageRejectedException> skipped,
        CancellationToken cancellationToken = default) =>
        Decode(items, StoredForm.Square(size), decoder, skipped, cancellationToken);

    /// <summary>As above, into <paramref name="form"/> (a synthetic image is a square, so its short-side form is the square of that side).</summary>
    public ImageSet Decode(IReadOnlyList<DataItem> items, StoredForm form, ImageDecoder decoder, List<ImageRejectedException> skipped,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(skipped);
        var pixels = new StoredImage?[items.Count];
        var errors = new ImageRejectedException?[items.Count];
        var options = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, items.Count, options, i =>
        {
            try
            {
                pixels[i] = IsSynthetic ? new StoredImage(SyntheticData.Render(items[i], form.Size), form.Size, form.Size) : decoder.Load(items[i].Source, form);
            }
            catch (ImageRejectedException e)
            {
                errors[i] = e;
            }
        });
        var kept = new List<StoredImage>(items.Count);
        var labels = new List<int>(items.Count);
        var sources = new List<string>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if (errors[i] is { } error)
            {
                skipped.Add(error);
                continue;
            }
            kept.Add(pixels[i]!.Value);
            labels.Add(items[i].Label);
            sources.Add(items[i].Source);
        }
        return new ImageSet(form, kept, labels, sources);
    }
}
