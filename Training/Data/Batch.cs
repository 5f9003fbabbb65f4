namespace AlexNet.Training.Data;

/// <summary>
/// A batch of network inputs prepared on the host: <see cref="Count"/> images as CHW floats, one
/// after the other (NCHW), their labels (class indices), which images of the set they are, and, when
/// training with soft targets (label smoothing, mixup, cutmix), each image's target distribution. Arrays come from, and go back to, a <see cref="BatchPool"/> so
/// that large buffers are reused rather than reallocated every step.
/// </summary>
public sealed class Batch : IDisposable
{
    private readonly BatchPool? _pool;

    internal Batch(BatchPool? pool, float[] inputs, int[] labels, int[] imageIndices, int count, int inputLength, float[]? targets = null)
    {
        _pool = pool;
        TargetArray = targets;
        InputArray = inputs;
        LabelArray = labels;
        ImageIndexArray = imageIndices;
        Count = count;
        InputLength = inputLength;
    }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>Floats per image: 3 × crop × crop.</summary>
    public int InputLength { get; }

    internal float[] InputArray { get; }

    internal int[] LabelArray { get; }

    internal int[] ImageIndexArray { get; }

    internal float[]? TargetArray { get; private set; }

    /// <summary>Classes per target row; 0 for a batch of hard labels only.</summary>
    public int TargetClasses { get; private set; }

    /// <summary>
    /// The target distributions [Count, <see cref="TargetClasses"/>], each row summing to 1; empty
    /// without soft targets. <see cref="Labels"/> then hold each image's dominant label (for top-1).
    /// </summary>
    public Span<float> Targets => TargetArray is null ? default : TargetArray.AsSpan(0, Count * TargetClasses);

    /// <summary>Gives the batch target rows of <paramref name="classes"/> classes (contents unspecified), reusing the pooled array.</summary>
    internal void UseTargets(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (TargetArray is null || TargetArray.Length < LabelArray.Length * classes)
        {
            TargetArray = new float[LabelArray.Length * classes];
        }
        TargetClasses = classes;
    }

    /// <summary>The inputs, NCHW, <see cref="Count"/> × <see cref="InputLength"/> floats.</summary>
    public Span<float> Inputs => InputArray.AsSpan(0, Count * InputLength);

    /// <summary>The class index of each image.</summary>
    public Span<int> Labels => LabelArray.AsSpan(0, Count);

    /// <summary>The index in the image set of each image.</summary>
    public ReadOnlySpan<int> ImageIndices => ImageIndexArray.AsSpan(0, Count);

    /// <summary>Returns the buffers to the pool.</summary>
    public void Dispose() => _pool?.Return(this);
}

/// <summary>Reusable batch buffers of one capacity (images per batch) and input length.</summary>
public sealed class BatchPool
{
    private readonly System.Collections.Concurrent.ConcurrentBag<(float[] Inputs, int[] Labels, int[] Indices, float[]? Targets)> _free = [];
    private readonly int _capacity;
    private readonly int _inputLength;

    public BatchPool(int capacity, int inputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputLength);
        _capacity = capacity;
        _inputLength = inputLength;
    }

    /// <summary>A batch of <paramref name="count"/> ≤ capacity images, contents unspecified; none where a group of files held no readable image (<see cref="FileBatches"/>).</summary>
    public Batch Rent(int count)
    {
        if (count < 0 || count > _capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"A batch of {count} images does not fit the pool's capacity of {_capacity}.");
        }
        var (inputs, labels, indices, targets) = _free.TryTake(out var buffers)
            ? buffers
            : (new float[_capacity * _inputLength], new int[_capacity], new int[_capacity], null);
        return new Batch(this, inputs, labels, indices, count, _inputLength, targets);
    }

    internal void Return(Batch batch) => _free.Add((batch.InputArray, batch.LabelArray, batch.ImageIndexArray, batch.TargetArray));
}
