namespace AlexNet.Training.Data;

/// <summary>
/// Decoded images as 8-bit RGB (HWC) with their labels: decoded once, then cropped, flipped and
/// coloured afresh every epoch. Stored in <see cref="Form"/>: the paper's squares
/// (<see cref="Size"/>×<see cref="Size"/>×3 bytes each; Oxford 17's 1360 images take 267 MB at 256×256),
/// or whole images of varying <see cref="Height"/>×<see cref="Width"/> whose shorter side is
/// <see cref="Size"/>. The pixels are either arrays in memory or the memory-mapped shards of the image
/// cache (<see cref="ImageCache"/>), which the operating system pages in and out, so a set larger than
/// memory can be streamed; both read the same bytes.
/// </summary>
public sealed class ImageSet
{
    private readonly byte[][]? _pixels;
    private readonly ImageShard[]? _shards;
    private readonly CachedRecord[]? _records;
    private readonly int[] _heights;
    private readonly int[] _widths;
    private readonly int[] _labels;
    private readonly string[] _sources;

    /// <summary>Squares of <paramref name="size"/> in memory.</summary>
    public ImageSet(int size, IReadOnlyList<byte[]> pixels, IReadOnlyList<int> labels, IReadOnlyList<string> sources)
        : this(StoredForm.Square(size), [.. (pixels ?? throw new ArgumentNullException(nameof(pixels))).Select(p => new StoredImage(p, size, size))], labels, sources)
    {
    }

    /// <summary>Images of <paramref name="form"/> in memory.</summary>
    public ImageSet(StoredForm form, IReadOnlyList<StoredImage> images, IReadOnlyList<int> labels, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckCounts(images.Count, labels, sources);
        for (int i = 0; i < images.Count; i++)
        {
            CheckShape(form, images[i].Height, images[i].Width, i, sources[i]);
            if (images[i].Pixels.Length != images[i].Height * images[i].Width * 3)
            {
                throw new ArgumentException($"Image {i} ({sources[i]}) has {images[i].Pixels.Length} bytes; a {images[i].Height}×{images[i].Width} RGB image has {images[i].Height * images[i].Width * 3}.");
            }
        }
        Form = form;
        _pixels = [.. images.Select(image => image.Pixels)];
        _heights = [.. images.Select(image => image.Height)];
        _widths = [.. images.Select(image => image.Width)];
        _labels = [.. labels];
        _sources = [.. sources];
    }

    /// <summary>Images of <paramref name="form"/> read from the cache's memory-mapped <paramref name="shards"/>, where <paramref name="records"/> say.</summary>
    public ImageSet(StoredForm form, IReadOnlyList<ImageShard> shards, IReadOnlyList<CachedRecord> records, IReadOnlyList<int> labels, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(records);
        CheckCounts(records.Count, labels, sources);
        for (int i = 0; i < records.Count; i++)
        {
            var record = records[i];
            CheckShape(form, record.Height, record.Width, i, sources[i]);
            if ((uint)record.Shard >= (uint)shards.Count || record.Offset < 0 || record.Offset + record.Length > shards[record.Shard].Length)
            {
                throw new ArgumentException($"Cached image {i} ({sources[i]}) lies outside its shard.");
            }
        }
        Form = form;
        _shards = [.. shards];
        _records = [.. records];
        _heights = [.. records.Select(r => r.Height)];
        _widths = [.. records.Select(r => r.Width)];
        _labels = [.. labels];
        _sources = [.. sources];
    }

    /// <summary>Squares, or whole images with their shorter side at <see cref="Size"/>.</summary>
    public StoredForm Form { get; }

    /// <summary>The side of every stored square, or every image's shorter side.</summary>
    public int Size => Form.Size;

    /// <summary>The number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Rows of image <paramref name="index"/>.</summary>
    public int Height(int index) => _heights[index];

    /// <summary>Columns of image <paramref name="index"/>.</summary>
    public int Width(int index) => _widths[index];

    /// <summary>Image <paramref name="index"/> as HWC RGB bytes, <see cref="Height"/> × <see cref="Width"/> × 3.</summary>
    public ReadOnlySpan<byte> Pixels(int index)
    {
        if (_pixels is not null)
        {
            return _pixels[index];
        }
        var record = _records![index];
        return _shards![record.Shard].Bytes(record.Offset, record.Length);
    }

    /// <summary>The class of image <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[index];

    /// <summary>Where image <paramref name="index"/> came from (its file, or the synthetic set's name for it).</summary>
    public string Source(int index) => _sources[index];

    /// <summary>How many images each of <paramref name="classCount"/> classes has.</summary>
    public int[] CountPerClass(int classCount)
    {
        var counts = new int[classCount];
        foreach (int label in _labels)
        {
            counts[label]++;
        }
        return counts;
    }

    private static void CheckCounts(int images, IReadOnlyList<int> labels, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sources);
        if (images != labels.Count || images != sources.Count)
        {
            throw new ArgumentException($"{images} images, {labels.Count} labels and {sources.Count} sources: the counts must match.");
        }
    }

    private static void CheckShape(StoredForm form, int height, int width, int index, string source)
    {
        bool fits = form.ShortSide ? Math.Min(height, width) == form.Size : height == form.Size && width == form.Size;
        if (!fits)
        {
            throw new ArgumentException($"Image {index} ({source}) is {height}×{width}; stored as {form} it must be {(form.ShortSide ? $"{form.Size} on its shorter side" : $"{form.Size}×{form.Size}")}.");
        }
    }
}

/// <summary>Where one image lies in the cache: its shard (in the set's list), byte offset and shape.</summary>
public readonly record struct CachedRecord(int Shard, long Offset, int Height, int Width)
{
    /// <summary>Its bytes: Height × Width × 3.</summary>
    public int Length => Height * Width * 3;
}
