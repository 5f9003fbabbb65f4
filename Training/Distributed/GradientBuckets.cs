using System.Collections.Concurrent;
using System.Diagnostics;
using AlexNet.Backends;
using AlexNet.Backends.Distributed;
using AlexNet.Layers;

namespace AlexNet.Training.Distributed;

/// <summary>
/// Averages the parameter gradients over the ranks after every backward pass, the way PyTorch's
/// DistributedDataParallel does: the gradients are packed, in the order backward finishes them
/// (fc8 first, conv1 last), into host buckets of about <see cref="BucketBytes"/>; each bucket is
/// summed across ranks with one all-reduce and divided by the number of ranks. Few large messages
/// cost less than one per parameter (each message pays the network's latency once).
/// <para>
/// With <c>overlap</c>, a bucket is handed to a communication thread as soon as backward has
/// finished its last parameter, so fc8's gradients travel while conv1's are still being computed;
/// <see cref="Finish"/> then waits only for what is still in flight. Without it, everything is
/// sent after backward. Both give the same sums.
/// </para>
/// <para>
/// With an <see cref="ITensorCommunicator"/> (NCCL on GPUs) the buckets stay where the gradients
/// are: a finished bucket's all-reduce is queued on the device right behind the backward kernels
/// that wrote it (overlap comes free, no thread, no copy), and <see cref="Finish"/> waits for it
/// and scales on the device.
/// </para>
/// </summary>
public sealed class GradientBuckets : IDisposable
{
    /// <summary>Bucket size unless the caller chooses: PyTorch DDP's default, 25 MiB.</summary>
    public const int DefaultBucketBytes = 25 << 20;

    private readonly IBackend _backend;
    private readonly ICommunicator _communicator;
    private readonly ITensorCommunicator? _onDevice;
    private readonly Bucket[] _buckets;
    private readonly Dictionary<Parameter, Bucket> _bucketOf = [];
    private readonly BlockingCollection<Bucket>? _queue;
    private readonly Thread? _sender;
    private long _reduceTicks; // Stopwatch ticks inside all-reduce calls this step
    private Exception? _failure;

    /// <param name="parameters">the model's parameters, in forward order</param>
    /// <param name="backend">where the gradients live</param>
    /// <param name="communicator">the ranks to average over</param>
    /// <param name="bucketBytes">the most bytes in one bucket (a parameter larger than this gets a bucket of its own)</param>
    /// <param name="overlap">send each bucket while backward is still running</param>
    /// <param name="onDevice">all-reduce on the device instead (NCCL); null: through host buffers and <paramref name="communicator"/></param>
    public GradientBuckets(IReadOnlyList<Parameter> parameters, IBackend backend, ICommunicator communicator, int bucketBytes = DefaultBucketBytes, bool overlap = true,
        ITensorCommunicator? onDevice = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, sizeof(float));
        _backend = backend;
        _communicator = communicator;
        _onDevice = onDevice;
        BucketBytes = bucketBytes;
        Overlap = overlap || onDevice is not null;
        var buckets = new List<Bucket>();
        var members = new List<Parameter>();
        long floats = 0;
        foreach (var parameter in parameters.Reverse())
        {
            if (members.Count > 0 && (floats + parameter.Length) * sizeof(float) > bucketBytes)
            {
                buckets.Add(new Bucket([.. members], onDevice is null));
                members.Clear();
                floats = 0;
            }
            members.Add(parameter);
            floats += parameter.Length;
        }
        if (members.Count > 0)
        {
            buckets.Add(new Bucket([.. members], onDevice is null));
        }
        _buckets = [.. buckets];
        foreach (var bucket in _buckets)
        {
            foreach (var parameter in bucket.Parameters)
            {
                _bucketOf[parameter] = bucket;
            }
        }
        if (overlap && onDevice is null)
        {
            _queue = [];
            _sender = new Thread(Send) { IsBackground = true, Name = "gradient all-reduce" };
            _sender.Start();
        }
    }

    public int BucketBytes { get; }

    public bool Overlap { get; }

    /// <summary>How many buckets one step sends.</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>The parameters of each bucket, in the order they are sent.</summary>
    public IEnumerable<IReadOnlyList<Parameter>> Buckets => _buckets.Select(b => (IReadOnlyList<Parameter>)b.Parameters);

    /// <summary>Gradient bytes each rank sends into the all-reduces of one step.</summary>
    public long BytesPerStep => _buckets.SelectMany(b => b.Parameters).Sum(p => (long)p.Length) * sizeof(float);

    /// <summary>Seconds spent inside all-reduce calls in the last step (waiting for the slowest rank included).</summary>
    public double ReduceSeconds { get; private set; }

    /// <summary>Seconds <see cref="Finish"/> waited after backward in the last step: the communication overlap did not hide.</summary>
    public double WaitSeconds { get; private set; }

    /// <summary>Called by backward after each layer: packs and (with overlap) sends every bucket the layer completes.</summary>
    public void LayerDone(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        foreach (var parameter in layer.Parameters)
        {
            var bucket = _bucketOf[parameter];
            if (++bucket.Ready != bucket.Parameters.Length)
            {
                continue;
            }
            if (_onDevice is not null)
            {
                _onDevice.AllReduceSum([.. bucket.Parameters.Select(p => p.Gradient)]);
            }
            else
            {
                Pack(bucket);
                _queue?.Add(bucket);
            }
        }
    }

    /// <summary>After backward: waits for (or, without overlap, sends) every bucket, and writes the averaged gradients back.</summary>
    /// <exception cref="CommunicatorTimeoutException">another rank stopped answering</exception>
    public void Finish()
    {
        long waitStart = Stopwatch.GetTimestamp();
        foreach (var bucket in _buckets)
        {
            if (bucket.Ready != bucket.Parameters.Length)
            {
                throw new InvalidOperationException($"Backward finished {bucket.Ready} of the {bucket.Parameters.Length} gradients of the bucket holding {bucket.Parameters[0].Name}; every layer must report through LayerDone before Finish.");
            }
            if (_onDevice is not null)
            {
                continue;
            }
            if (_queue is null)
            {
                Reduce(bucket);
            }
            else
            {
                bucket.Reduced.Wait();
                bucket.Reduced.Reset();
                if (_failure is { } failure)
                {
                    throw failure is CommunicatorTimeoutException ? new CommunicatorTimeoutException(failure.Message, failure) : new InvalidOperationException(failure.Message, failure);
                }
            }
        }
        _onDevice?.Wait();
        WaitSeconds = Stopwatch.GetElapsedTime(waitStart).TotalSeconds;
        ReduceSeconds = (double)Interlocked.Exchange(ref _reduceTicks, 0) / Stopwatch.Frequency;
        float scale = 1f / _communicator.Size;
        foreach (var bucket in _buckets)
        {
            Unpack(bucket, scale);
            bucket.Ready = 0;
        }
    }

    /// <summary>Copies each gradient of the bucket into its slice of the host buffer.</summary>
    private void Pack(Bucket bucket)
    {
        int offset = 0;
        foreach (var parameter in bucket.Parameters)
        {
            _backend.Download(parameter.Gradient, bucket.Values.AsSpan(offset, parameter.Length));
            offset += parameter.Length;
        }
    }

    /// <summary>Writes the summed gradients back, divided by the number of ranks: the mean over the whole batch.</summary>
    private void Unpack(Bucket bucket, float scale)
    {
        if (_onDevice is not null)
        {
            foreach (var parameter in bucket.Parameters)
            {
                _backend.Scale(scale, parameter.Gradient);
            }
            return;
        }
        var values = bucket.Values.AsSpan();
        if (scale != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(values, scale, values);
        }
        int offset = 0;
        foreach (var parameter in bucket.Parameters)
        {
            _backend.Upload(values.Slice(offset, parameter.Length), parameter.Gradient);
            offset += parameter.Length;
        }
    }

    private void Reduce(Bucket bucket)
    {
        long start = Stopwatch.GetTimestamp();
        _communicator.AllReduceSum(bucket.Values);
        Interlocked.Add(ref _reduceTicks, Stopwatch.GetTimestamp() - start);
    }

    /// <summary>The communication thread: all-reduces each bucket handed over, in order.</summary>
    private void Send()
    {
        foreach (var bucket in _queue!.GetConsumingEnumerable())
        {
            try
            {
                if (_failure is null)
                {
                    Reduce(bucket);
                }
            }
            catch (Exception e) when (e is CommunicatorTimeoutException or InvalidOperationException)
            {
                _failure = e;
            }
            finally
            {
                bucket.Reduced.Set();
            }
        }
    }

    public void Dispose()
    {
        _queue?.CompleteAdding();
        _sender?.Join();
        _queue?.Dispose();
        foreach (var bucket in _buckets)
        {
            bucket.Reduced.Dispose();
        }
    }

    private sealed class Bucket(Parameter[] parameters, bool onHost)
    {
        public Parameter[] Parameters { get; } = parameters;

        /// <summary>The host copy the all-reduce works on (empty when it runs on the device).</summary>
        public float[] Values { get; } = new float[onHost ? parameters.Sum(p => p.Length) : 0];

        /// <summary>Parameters of this bucket whose gradient backward has finished in this step.</summary>
        public int Ready { get; set; }

        public ManualResetEventSlim Reduced { get; } = new();
    }
}
