namespace AlexNet.Training.Data;

/// <summary>
/// Which part of every training batch one data-parallel rank takes: of a batch of B images split
/// over <see cref="Count"/> ranks, rank <see cref="Index"/> takes the B/Count images starting at
/// Index·B/Count of the batch's order. <see cref="Whole"/> is the single process's shard.
/// </summary>
public readonly record struct BatchShard(int Index, int Count)
{
    public static BatchShard Whole { get; } = new(0, 1);

    /// <summary>Images of a batch of <paramref name="batchSize"/> this shard takes.</summary>
    public int Size(int batchSize) => batchSize / Count;

    /// <summary>Where this shard's images start in a batch of <paramref name="batchSize"/>.</summary>
    public int Start(int batchSize) => Index * Size(batchSize);

    /// <summary>Checks that a batch of <paramref name="batchSize"/> splits evenly, so every rank's gradient weighs the same.</summary>
    /// <exception cref="AppException">It does not.</exception>
    public void CheckSplits(int batchSize)
    {
        if (Count < 1 || Index < 0 || Index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Index), $"Shard {Index} of {Count} does not exist.");
        }
        if (batchSize % Count != 0)
        {
            throw new AppException($"A batch of {batchSize} does not split evenly over {Count} processes; use a --batch-size that is a multiple of {Count} (e.g. {(batchSize / Count + 1) * Count}).");
        }
    }
}
