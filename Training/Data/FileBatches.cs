using System.Collections.Concurrent;

namespace AlexNet.Training.Data;

/// <summary>
/// Network inputs straight from image files, for <c>predict</c>: the files, in the order given, in
/// groups of <see cref="GroupSize"/> by position; each group decoded once on a worker thread into the
/// checkpoint's stored squares, then cut into one batch per crop, all built ahead through a bounded
/// <see cref="BatchQueue"/> (job = group × crops + crop). At most prefetch + 1 batches and the decoded
/// squares of the groups they come from are held, whatever the number of files, so a folder of a
/// million photos is classified in the memory of a few batches. The files are read once, so nothing
/// goes through the image cache. A file the decoder rejects leaves a hole in its group's batches and
/// is told by <see cref="Rejection"/>; a group with no readable file gives batches of no images.
/// </summary>
public sealed class FileBatches : IDisposable
{
    private readonly IReadOnlyList<string> _files;
    private readonly ImageDecoder _decoder;
    private readonly Preprocessing _preprocessing;
    private readonly IReadOnlyList<Augmentation.Draw> _crops;
    private readonly BatchPool _pool;
    private readonly int _inputLength;
    private readonly ConcurrentDictionary<int, Lazy<DecodedGroup>> _decoded = new();
    private readonly ConcurrentDictionary<int, ImageRejectedException> _rejections = new();
    private readonly BatchQueue _queue;
    private int _taken;

    /// <param name="files">the image files, classified in this order</param>
    /// <param name="decoder">decodes each file into a square of the preprocessing's stored size</param>
    /// <param name="preprocessing">the checkpoint's: stored and crop size, mean and scale</param>
    /// <param name="crops">the crops of every image (the centre, or the paper's ten)</param>
    /// <param name="groupSize">files per group, the images of each batch at most</param>
    /// <param name="prefetch">batches prepared ahead (the queue's bound)</param>
    /// <param name="loaderThreads">batches built at the same time, each on one thread</param>
    /// <param name="cancellationToken">stops the building</param>
    public FileBatches(IReadOnlyList<string> files, ImageDecoder decoder, Preprocessing preprocessing, IReadOnlyList<Augmentation.Draw> crops,
        int groupSize, int prefetch, int loaderThreads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentNullException.ThrowIfNull(crops);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(crops.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupSize);
        _files = files;
        _decoder = decoder;
        _preprocessing = preprocessing;
        _crops = crops;
        GroupSize = groupSize;
        Groups = (files.Count + groupSize - 1) / groupSize;
        _inputLength = 3 * preprocessing.CropSize * preprocessing.CropSize;
        _pool = new BatchPool(groupSize, _inputLength);
        _queue = new BatchQueue(0, Groups * crops.Count, Build, prefetch, loaderThreads, cancellationToken);
    }

    /// <summary>Files per group: group g holds files g × GroupSize … (g + 1) × GroupSize − 1.</summary>
    public int GroupSize { get; }

    /// <summary>The number of groups.</summary>
    public int Groups { get; }

    /// <summary>Seconds the consumer waited for batches that were not ready yet.</summary>
    public double WaitSeconds => _queue.WaitSeconds;

    /// <summary>
    /// The next batch in order: group by group, within a group crop by crop; its
    /// <see cref="Batch.ImageIndices"/> are file indices. Null after the last.
    /// </summary>
    public (int Group, int Crop, Batch Batch)? Next()
    {
        if (_queue.Next() is not { } batch)
        {
            return null;
        }
        int job = _taken++;
        return (job / _crops.Count, job % _crops.Count, batch);
    }

    /// <summary>Why file <paramref name="file"/> was not read, once a batch of its group has been taken; null when it was read.</summary>
    public ImageRejectedException? Rejection(int file) => _rejections.GetValueOrDefault(file);

    public void Dispose() => _queue.Dispose();

    /// <summary>Job <paramref name="job"/>: one crop of one group, from the group's squares, decoded by whichever of its crops' jobs came first.</summary>
    private Batch Build(int job)
    {
        int group = job / _crops.Count;
        var decoded = _decoded.GetOrAdd(group, g => new Lazy<DecodedGroup>(() => Decode(g))).Value;
        var crop = _crops[job % _crops.Count];
        var batch = _pool.Rent(decoded.Files.Length);
        for (int i = 0; i < decoded.Files.Length; i++)
        {
            Augmentation.WriteInput(decoded.Pixels[i], crop, _preprocessing, batch.Inputs.Slice(i * _inputLength, _inputLength));
            batch.Labels[i] = 0;
            batch.ImageIndexArray[i] = decoded.Files[i];
        }
        // The group's last crop lets its squares go.
        if (Interlocked.Decrement(ref decoded.CropsLeft) == 0)
        {
            _decoded.TryRemove(group, out _);
        }
        return batch;
    }

    private DecodedGroup Decode(int group)
    {
        int start = group * GroupSize, end = Math.Min(start + GroupSize, _files.Count);
        var files = new List<int>(end - start);
        var pixels = new List<byte[]>(end - start);
        for (int file = start; file < end; file++)
        {
            try
            {
                pixels.Add(_decoder.Load(_files[file], _preprocessing.StoredSize));
                files.Add(file);
            }
            catch (ImageRejectedException e)
            {
                _rejections[file] = e;
            }
        }
        return new DecodedGroup([.. files], [.. pixels], _crops.Count);
    }

    /// <summary>The readable files of one group and their squares, held until every crop of the group is built.</summary>
    private sealed class DecodedGroup(int[] files, byte[][] pixels, int crops)
    {
        public int[] Files { get; } = files;

        public byte[][] Pixels { get; } = pixels;

        public int CropsLeft = crops;
    }
}
