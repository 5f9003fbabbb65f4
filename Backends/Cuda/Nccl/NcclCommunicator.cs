using System.Diagnostics;
using AlexNet.Backends.Distributed;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda.Nccl;

/// <summary>
/// <see cref="ITensorCommunicator"/> over NCCL, one process per GPU: all-reduces run on the CUDA
/// backend's own stream, so they follow the backward kernels that produced the gradients without a
/// host synchronization, and travel over NVLink, PCIe or the network as NCCL finds best.
/// <para>
/// Joining: rank 0 asks NCCL for a unique id (128 bytes naming its bootstrap socket), the host
/// communicator (MPI) broadcasts it, and every rank calls <c>ncclCommInitRank</c> with it. A barrier
/// with the host communicator's timeout comes first, so a missing rank is reported rather than waited for.
/// </para>
/// <para>
/// Waiting: NCCL kernels wait on the GPU for their peers, so a dead peer would hang the stream for
/// ever. <see cref="Wait"/> therefore polls the stream and <c>ncclCommGetAsyncError</c>, and after
/// <see cref="Timeout"/> aborts the communicator (<c>ncclCommAbort</c>, which frees the stuck kernels) and throws.
/// </para>
/// </summary>
public sealed class NcclCommunicator : ITensorCommunicator
{
    private readonly CudaBackend _backend;
    private readonly INccl _nccl;
    private nint _communicator;

    internal NcclCommunicator(CudaBackend backend, ICommunicator bootstrap, INccl nccl)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(bootstrap);
        _backend = backend;
        _nccl = nccl;
        Rank = bootstrap.Rank;
        Size = bootstrap.Size;
        Timeout = bootstrap.Timeout;
        Engine = nccl.Version;
        var id = Rank == 0 ? nccl.GetUniqueId() : default;
        bootstrap.Broadcast(id, root: 0);
        bootstrap.Barrier();
        backend.Device.CurrentStream(); // ncclCommInitRank binds to the device current on this thread
        _communicator = nccl.InitRank(Size, id, Rank);
    }

    /// <summary>Joins the NCCL group of the ranks of <paramref name="bootstrap"/>, one GPU per rank.</summary>
    /// <param name="backend">this rank's GPU: a CUDA backend</param>
    /// <param name="bootstrap">the host communicator (MPI) that carries the unique id, and whose timeout applies</param>
    /// <exception cref="ArgumentException">the backend is not CUDA</exception>
    /// <exception cref="DllNotFoundException">NCCL is not installed</exception>
    public static NcclCommunicator Create(IBackend backend, ICommunicator bootstrap) => backend is CudaBackend cuda
        ? new NcclCommunicator(cuda, bootstrap, NcclLibrary.Open())
        : throw new ArgumentException($"NCCL all-reduces GPU memory; the {backend?.Name} backend is not a CUDA backend. Use --backend cuda, or MPI for CPU processes.", nameof(backend));

    public int Rank { get; }

    public int Size { get; }

    public string Engine { get; }

    public TimeSpan Timeout { get; }

    public void AllReduceSum(IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ObjectDisposedException.ThrowIf(_communicator == 0, this);
        nint stream = _backend.Device.CurrentStream();
        _nccl.GroupStart();
        try
        {
            foreach (var tensor in tensors)
            {
                _nccl.AllReduceSum(_backend.Address(tensor, nameof(AllReduceSum)), tensor.Length, _communicator, stream);
            }
        }
        finally
        {
            _nccl.GroupEnd();
        }
    }

    public void Wait()
    {
        ObjectDisposedException.ThrowIf(_communicator == 0, this);
        var clock = Stopwatch.StartNew();
        var spin = default(SpinWait);
        while (true)
        {
            var error = _nccl.AsyncError(_communicator);
            if (error is not (NcclResult.Success or NcclResult.InProgress))
            {
                AbortAndThrow(new InvalidOperationException($"NCCL rank {Rank} of {Size}: a collective failed with nccl{error} ({_nccl.Describe(error)}); the communicator was aborted."));
            }
            if (_backend.Device.IsIdle())
            {
                return;
            }
            if (Timeout != System.Threading.Timeout.InfiniteTimeSpan && clock.Elapsed > Timeout)
            {
                AbortAndThrow(new CommunicatorTimeoutException($"NCCL rank {Rank} of {Size} waited {Timeout.TotalSeconds:0.#} s for an all-reduce to finish: another rank died or stopped answering; the communicator was aborted."));
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void Dispose()
    {
        if (_communicator != 0)
        {
            _nccl.Destroy(_communicator);
            _communicator = 0;
        }
    }

    private void AbortAndThrow(Exception exception)
    {
        _nccl.Abort(_communicator);
        _communicator = 0;
        throw exception;
    }
}
