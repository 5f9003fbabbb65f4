namespace AlexNet.Backends.Distributed;

/// <summary>
/// The group of one: what a plain <c>alexnet train</c> runs with. The sum over one rank is the
/// value itself, so every operation returns at once and no library is loaded.
/// </summary>
public sealed class LocalCommunicator : ICommunicator
{
    public int Rank => 0;

    public int Size => 1;

    public string Engine => "local";

    public TimeSpan Timeout => System.Threading.Timeout.InfiniteTimeSpan;

    public void AllReduceSum(Span<float> values)
    {
    }

    public void Broadcast(Span<byte> buffer, int root) => ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);

    public void Barrier()
    {
    }

    public void Dispose()
    {
    }
}
