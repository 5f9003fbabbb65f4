using System.Globalization;
using System.Text;
using AlexNet.Backends.Distributed;
using AlexNet.Layers;
using AlexNet.Training.Data;

namespace AlexNet.Training.Distributed;

/// <summary>What the ranks agreed a training step gave: sums over the whole batch, and whether any rank was asked to stop.</summary>
/// <param name="Loss">the whole batch's mean loss (not finite if any rank's was not)</param>
/// <param name="Correct">top-1 hits in the whole batch</param>
/// <param name="Count">images in the whole batch</param>
/// <param name="Stop">a rank saw Ctrl+C: every rank saves and stops after this step</param>
public readonly record struct StepTotals(double Loss, int Correct, int Count, bool Stop);

/// <summary>
/// Data-parallel training on one <see cref="ICommunicator"/>: every rank holds the whole network,
/// builds its <see cref="Shard"/> of every batch, and averages the gradients with the others'
/// (<see cref="GradientBuckets"/>) before the optimizer's update, so every rank takes the same step
/// and the weights stay identical. The mean of the ranks' mean gradients over equal shards is the
/// whole batch's mean gradient, so N ranks with B/N images each compute what one process with B
/// does, up to the order of the floating-point sums. Rank 0 (<see cref="IsWriter"/>) writes the
/// checkpoints, metrics and plots and prints; every rank validates, and rank 0's numbers decide.
/// </summary>
public sealed class DataParallel : IDisposable
{
    private readonly GradientBuckets _gradients;
    private readonly Sequential _model;
    private long _steps;
    private double _reduceSeconds, _waitSeconds;

    /// <param name="communicator">the ranks</param>
    /// <param name="model">this rank's copy of the network; its dropout layers are told their shard</param>
    /// <param name="overlap">send gradient buckets while backward runs</param>
    /// <param name="bucketBytes">the most bytes in one all-reduce</param>
    /// <param name="onDevice">NCCL for the gradients (GPUs), with <paramref name="communicator"/> for the rest; null: all through <paramref name="communicator"/></param>
    public DataParallel(ICommunicator communicator, Sequential model, bool overlap = true, int bucketBytes = GradientBuckets.DefaultBucketBytes, ITensorCommunicator? onDevice = null)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(model);
        Communicator = communicator;
        _model = model;
        Shard = new BatchShard(communicator.Rank, communicator.Size);
        foreach (var dropout in model.Layers.OfType<Dropout>())
        {
            dropout.ShardIndex = communicator.Rank;
        }
        _gradients = new GradientBuckets(model.Parameters, model.Backend, communicator, bucketBytes, overlap, onDevice);
        Engine = onDevice is null ? communicator.Engine : $"{onDevice.Engine}, bootstrapped over {communicator.Engine}";
    }

    /// <summary>What carries the gradients, e.g. <c>MPI (Open MPI v4.1.4)</c>.</summary>
    public string Engine { get; }

    public ICommunicator Communicator { get; }

    /// <summary>This rank's part of every training batch.</summary>
    public BatchShard Shard { get; }

    /// <summary>True on rank 0, the one that writes files and prints.</summary>
    public bool IsWriter => Communicator.Rank == 0;

    public GradientBuckets Gradients => _gradients;

    /// <summary>The run's header words, e.g. <c>data-parallel over 2 processes (MPI (Open MPI v4.1.4)), 16 of every 32 images each, …</c>.</summary>
    public string Describe(int batchSize) => string.Create(CultureInfo.InvariantCulture,
        $"data-parallel over {Communicator.Size} processes ({Engine}), {Shard.Size(batchSize)} of every {batchSize} images each, {_gradients.BucketCount} gradient bucket(s) of {_gradients.BytesPerStep / 1e6:0.###} MB per step{(_gradients.Overlap ? " overlapped with backward" : "")}");

    /// <summary>Called by backward after the model's layer <paramref name="index"/>.</summary>
    public void LayerDone(int index) => _gradients.LayerDone(_model.Layers[index]);

    /// <summary>After backward, before the update: every parameter gradient becomes the mean over the whole batch.</summary>
    public void AverageGradients()
    {
        _gradients.Finish();
        _steps++;
        _reduceSeconds += _gradients.ReduceSeconds;
        _waitSeconds += _gradients.WaitSeconds;
    }

    /// <summary>One line on the gradient exchange of the steps this process took, for the end of a run.</summary>
    public string Summary() => _steps == 0 ? "Gradient all-reduce: no steps taken." : string.Create(CultureInfo.InvariantCulture,
        $"Gradient all-reduce over {Communicator.Size} processes, {_steps} steps: {_gradients.BytesPerStep / 1e6:0.###} MB per step, {1000 * _reduceSeconds / _steps:0.0} ms per step in the all-reduce calls, {1000 * _waitSeconds / _steps:0.0} ms of it waited for after backward (rank {Communicator.Rank}).");

    /// <summary>Sums this rank's step results with the others' (one small all-reduce), so every rank makes the same decisions.</summary>
    /// <param name="loss">this shard's mean loss</param>
    /// <param name="count">images in this shard</param>
    /// <param name="correct">top-1 hits in this shard</param>
    /// <param name="stop">this rank was asked to stop</param>
    public StepTotals Agree(double loss, int count, int correct, bool stop)
    {
        Span<float> sums = [(float)(loss * count), count, correct, stop ? 1 : 0];
        Communicator.AllReduceSum(sums);
        return new StepTotals(sums[0] / sums[1], (int)sums[2], (int)sums[1], sums[3] > 0);
    }

    /// <summary>True on every rank when any rank was asked to stop.</summary>
    public bool AgreeToStop(bool stop)
    {
        Span<float> flag = [stop ? 1 : 0];
        Communicator.AllReduceSum(flag);
        return flag[0] > 0;
    }

    /// <summary>Rank 0's numbers on every rank (validation decides the schedule, which must be the same everywhere).</summary>
    public double[] FromWriter(params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * sizeof(double)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        Communicator.Broadcast(bytes, root: 0);
        var result = new double[values.Length];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }

    /// <summary>Rank 0's text on every rank (e.g. the run folder's name, which only rank 0 may choose).</summary>
    public static string FromWriter(ICommunicator communicator, string text)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> length = BitConverter.GetBytes(Encoding.UTF8.GetByteCount(text));
        communicator.Broadcast(length, root: 0);
        var bytes = new byte[BitConverter.ToInt32(length)];
        if (communicator.Rank == 0)
        {
            Encoding.UTF8.GetBytes(text, bytes);
        }
        communicator.Broadcast(bytes, root: 0);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Checks that every rank starts from the same weights and position (a fresh run from the same
    /// seed, or the same checkpoint): a rank that read another file, or another version of it, would
    /// otherwise train a different network without anyone noticing.
    /// </summary>
    /// <exception cref="AppException">the ranks differ</exception>
    public void CheckSameStart(Sequential model, long globalStep)
    {
        ArgumentNullException.ThrowIfNull(model);
        ulong fingerprint = Fingerprint(model, globalStep);
        double[] writer = FromWriter(BitConverter.UInt64BitsToDouble(fingerprint));
        bool differs = BitConverter.DoubleToUInt64Bits(writer[0]) != fingerprint;
        Span<float> flags = [differs ? 1 : 0];
        Communicator.AllReduceSum(flags);
        if (flags[0] > 0)
        {
            throw new AppException(string.Create(CultureInfo.InvariantCulture,
                $"{flags[0]:0} of the {Communicator.Size} processes start from other weights or another step than rank 0 (this is rank {Communicator.Rank}{(differs ? ", one of them" : "")}); every rank must resume from the same checkpoint file."));
        }
    }

    /// <summary>FNV-1a over the step and every parameter's bits.</summary>
    private static ulong Fingerprint(Sequential model, long globalStep)
    {
        ulong hash = 14695981039346656037UL;
        void Mix(ulong value)
        {
            hash = (hash ^ value) * 1099511628211UL;
        }
        Mix((ulong)globalStep);
        foreach (var parameter in model.Parameters)
        {
            foreach (float value in parameter.Value.ToArray())
            {
                Mix(BitConverter.SingleToUInt32Bits(value));
            }
        }
        return hash;
    }

    public void Dispose() => _gradients.Dispose();
}
