namespace AlexNet.Training.Data;

/// <summary>
/// Decoded images held in memory as 8-bit RGB squares (HWC, <see cref="Size"/>×<see cref="Size"/>×3
/// bytes each) with their labels: decoded once, then cropped, flipped and coloured afresh every
/// epoch. Oxford 17's 1360 images take 267 MB at 256×256. The pixels are either arrays in memory or
/// the memory-mapped shards of the image cache (<see cref="ImageCache"/>), which the operating system
/// pages in and out, so a set larger than memory can be streamed; both read the same bytes.
/// </summary>
public sealed class ImageSet
{
    private readonly byte[][]? _pixels;
    private readonly ImageShard[]? _shards;
    private readonly int _recordsPerShard;
    private readonly int[] _labels;
    private readonly string[] _sources;

    public ImageSet(int size, IReadOnlyList<byte[]> pixels, IReadOnlyList<int> labels, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sources);
        if (pixels.Count != labels.Count || pixels.Count != sources.Count)
        {
            throw new ArgumentException($"{pixels.Count} images, {labels.Count} labels and {sources.Count} sources: the counts must match.");
        }
        int length = size * size * 3;
        for (int i = 0; i < pixels.Count; i++)
        {
            if (pixels[i].Length != length)
            {
                throw new ArgumentException($"Image {i} ({sources[i]}) has {pixels[i].Length} bytes; a {size}×{size} RGB image has {length}.");
            }
        }
        Size = size;
        _pixels = [.. pixels];
        _labels = [.. labels];
        _sources = [.. sources];
    }

    /// <summary>Images read from the cache's memory-mapped <paramref name="shards"/>, each full but the last, of <paramref name="recordsPerShard"/> records.</summary>
    public ImageSet(int size, IReadOnlyList<ImageShard> shards, int recordsPerShard, IReadOnlyList<int> labels, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sources);
        int records = shards.Sum(s => s.Count);
        if (records != labels.Count || records != sources.Count)
        {
            throw new ArgumentException($"{records} cached images, {labels.Count} labels and {sources.Count} sources: the counts must match.");
        }
        if (shards.Any(s => s.RecordLength != size * size * 3) || shards.Take(shards.Count - 1).Any(s => s.Count != recordsPerShard))
        {
            throw new ArgumentException($"Cache shards must hold {recordsPerShard} records of {size}×{size}×3 bytes each (the last one fewer).");
        }
        Size = size;
        _shards = [.. shards];
        _recordsPerShard = recordsPerShard;
        _labels = [.. labels];
        _sources = [.. sources];
    }

    /// <summary>The side of every stored square.</summary>
    public int Size { get; }

    /// <summary>The number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Image <paramref name="index"/> as HWC RGB bytes.</summary>
    public ReadOnlySpan<byte> Pixels(int index) =>
        _pixels is not null ? _pixels[index] : _shards![index / _recordsPerShard].Record(index % _recordsPerShard);

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
}
