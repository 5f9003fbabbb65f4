namespace AlexNet.Backends.Distributed;

/// <summary>
/// A group of <see cref="ICommunicator"/>s inside one process, one per thread: the ranks meet at a
/// barrier and each sums the others' buffers in rank order (0, 1, …), so the result is the same on
/// every rank and from run to run. It lets tests run N data-parallel ranks, or bootstrap NCCL's host
/// code, without MPI; and it shows in a few lines what an all-reduce computes.
/// </summary>
public sealed class InProcessGroup : IDisposable
{
    private readonly Barrier _barrier;
    private readonly float[]?[] _floats;
    private readonly byte[]?[] _bytes;

    /// <param name="size">ranks, each to be driven by its own thread</param>
    /// <param name="timeout">how long a rank waits for the others at each operation</param>
    public InProcessGroup(int size, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        _barrier = new Barrier(size);
        _floats = new float[size][];
        _bytes = new byte[size][];
        Timeout = timeout;
        Members = [.. Enumerable.Range(0, size).Select(rank => new Member(this, rank))];
    }

    /// <summary>Rank r's communicator; use each from one thread only.</summary>
    public IReadOnlyList<ICommunicator> Members { get; }

    public TimeSpan Timeout { get; }

    public void Dispose() => _barrier.Dispose();

    private void Meet(int rank, string operation)
    {
        if (!_barrier.SignalAndWait(Timeout))
        {
            throw new CommunicatorTimeoutException(
                $"Rank {rank} waited {Timeout.TotalSeconds:0.#} s in {operation} for the other ranks of the in-process group; one of them stopped taking part.");
        }
    }

    private sealed class Member(InProcessGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;

        public int Size => group._floats.Length;

        public string Engine => "in-process";

        public TimeSpan Timeout => group.Timeout;

        public void AllReduceSum(Span<float> values)
        {
            group._floats[rank] = values.ToArray();
            group.Meet(rank, nameof(AllReduceSum));
            for (int r = 0; r < Size; r++)
            {
                if (group._floats[r]!.Length != values.Length)
                {
                    throw new ArgumentException($"{nameof(AllReduceSum)}: rank {r} passed {group._floats[r]!.Length} values, rank {rank} {values.Length}; every rank must pass the same length.", nameof(values));
                }
            }
            var sum = group._floats[0].AsSpan();
            for (int i = 0; i < values.Length; i++)
            {
                float total = sum[i];
                for (int r = 1; r < Size; r++)
                {
                    total += group._floats[r]![i];
                }
                values[i] = total;
            }
            group.Meet(rank, nameof(AllReduceSum)); // nobody overwrites its slot before everyone has summed
        }

        public void Broadcast(Span<byte> buffer, int root)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(root);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
            if (rank == root)
            {
                group._bytes[root] = buffer.ToArray();
            }
            group.Meet(rank, nameof(Broadcast));
            var sent = group._bytes[root]!;
            if (sent.Length != buffer.Length)
            {
                throw new ArgumentException($"{nameof(Broadcast)}: the root sent {sent.Length} bytes, rank {rank} expects {buffer.Length}; every rank must pass the same length.", nameof(buffer));
            }
            sent.CopyTo(buffer);
            group.Meet(rank, nameof(Broadcast));
        }

        public void Barrier() => group.Meet(rank, nameof(Barrier));

        public void Dispose()
        {
        }
    }
}
