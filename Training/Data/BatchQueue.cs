using System.Threading.Channels;

namespace AlexNet.Training.Data;

/// <summary>
/// Prepares batches on background threads while the backend computes, and hands them over in
/// order. A producer starts building batch b as a task and puts the task into a bounded channel, so at
/// most <c>capacity + 1</c> batches are in flight, at most <c>workers</c> of them being built at once;
/// the consumer takes tasks out in order and waits for each, and the time it waited is summed in
/// <see cref="WaitSeconds"/> (the backend idle for want of data). Each batch is a pure function of its
/// number, so the sequence is the same whatever the thread timing.
/// </summary>
public sealed class BatchQueue : IDisposable
{
    private readonly Channel<Task<Batch>> _channel;
    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;
    private readonly SemaphoreSlim _workers;
    private long _waitTicks;
    private int _taken;

    /// <summary>Starts preparing batches <paramref name="first"/> … <paramref name="count"/> − 1 with <paramref name="build"/>.</summary>
    public BatchQueue(int first, int count, Func<int, Batch> build, int capacity, CancellationToken cancellationToken)
        : this(first, count, build, capacity, capacity + 1, cancellationToken)
    {
    }

    /// <summary>As above, with at most <paramref name="workers"/> batches built at the same time.</summary>
    public BatchQueue(int first, int count, Func<int, Batch> build, int capacity, int workers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        _workers = new SemaphoreSlim(workers, workers);
        _channel = Channel.CreateBounded<Task<Batch>>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _taken = first;
        Count = count;
        var token = _stop.Token;
        _producer = Task.Run(async () =>
        {
            try
            {
                for (int b = first; b < count; b++)
                {
                    int number = b;
                    await _workers.WaitAsync(token).ConfigureAwait(false);
                    var built = Task.Run(() =>
                    {
                        try
                        {
                            return build(number);
                        }
                        finally
                        {
                            _workers.Release();
                        }
                    }, token);
                    await _channel.Writer.WriteAsync(built, token).ConfigureAwait(false);
                }
                _channel.Writer.Complete();
            }
            catch (OperationCanceledException)
            {
                _channel.Writer.TryComplete();
            }
        }, CancellationToken.None);
    }

    /// <summary>One past the last batch number.</summary>
    public int Count { get; }

    /// <summary>The next batch in order, waiting for it if it is not ready; null after the last.</summary>
    public Batch? Next()
    {
        if (_taken >= Count)
        {
            return null;
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var task = _channel.Reader.ReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult();
        _taken++;
        var batch = task.GetAwaiter().GetResult();
        _waitTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
        return batch;
    }

    /// <summary>Seconds <see cref="Next"/> has spent waiting for batches that were not ready yet.</summary>
    public double WaitSeconds => (double)_waitTicks / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Stops the producer and returns any prepared batches to their pool.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _producer.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        while (_channel.Reader.TryRead(out var pending))
        {
            try
            {
                pending.GetAwaiter().GetResult().Dispose();
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
        // _workers is not disposed: a build abandoned by a cancelled write may still release it (it holds no handle).
    }
}
