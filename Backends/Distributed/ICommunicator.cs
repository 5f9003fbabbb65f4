namespace AlexNet.Backends.Distributed;

/// <summary>
/// The few collective operations data-parallel training needs, over a group of processes (ranks
/// 0 … Size−1) that each hold the whole network and work on their part of every batch. Every rank
/// calls every operation in the same order with buffers of the same length; an operation returns
/// when this rank's part of it is done. Engines: <see cref="LocalCommunicator"/> (one process, no
/// library), MPI (CPU processes, one or many machines), NCCL (GPUs, bootstrapped over MPI).
/// <para>
/// A peer that stops answering (it died, or hangs) must not hang the others for ever: an operation
/// waiting longer than <see cref="Timeout"/> throws <see cref="CommunicatorTimeoutException"/>.
/// </para>
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's place in the group, 0 … <see cref="Size"/> − 1. Rank 0 writes files and prints.</summary>
    int Rank { get; }

    /// <summary>How many processes take part.</summary>
    int Size { get; }

    /// <summary>What carries the data, for the run's header line, e.g. <c>MPI (Open MPI v4.1.4)</c>.</summary>
    string Engine { get; }

    /// <summary>How long one operation may wait for the other ranks before it gives up.</summary>
    TimeSpan Timeout { get; }

    /// <summary>values[i] = Σ over ranks of values[i], on every rank (in place). The order of the sum is the engine's.</summary>
    /// <param name="values">the same length on every rank</param>
    void AllReduceSum(Span<float> values);

    /// <summary>Every rank's <paramref name="buffer"/> receives rank <paramref name="root"/>'s bytes.</summary>
    /// <param name="buffer">the same length on every rank; read on the root, overwritten elsewhere</param>
    /// <param name="root">the rank that sends</param>
    void Broadcast(Span<byte> buffer, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}

/// <summary>A collective operation waited longer than <see cref="ICommunicator.Timeout"/>: another rank died or stopped answering.</summary>
public sealed class CommunicatorTimeoutException : Exception
{
    public CommunicatorTimeoutException(string message)
        : base(message)
    {
    }

    public CommunicatorTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CommunicatorTimeoutException()
    {
    }
}
