using System.Diagnostics;
using AlexNet.Backends.Distributed;

namespace AlexNet.Training.Distributed;

/// <summary>
/// <see cref="ICommunicator"/> over MPI_COMM_WORLD: the processes <c>mpirun -np N alexnet …</c>
/// started, on one machine or many. Each operation is MPI's non-blocking form (MPI_Iallreduce,
/// MPI_Ibcast, MPI_Ibarrier) polled with MPI_Test until it completes or <see cref="Timeout"/>
/// passes, so a rank whose peer died or hangs stops with a message instead of waiting for ever.
/// Errors come back as return codes (MPI_ERRORS_RETURN) and are thrown with MPI's text.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private readonly MpiLibrary _mpi;
    private readonly Lock _serial = new(); // MPI_THREAD_SERIALIZED: one call at a time
    private bool _disposed;
    private bool _failed; // an operation timed out or failed: MPI_Finalize would wait for the missing rank

    private MpiCommunicator(MpiLibrary mpi, int rank, int size, TimeSpan timeout)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
        Timeout = timeout;
        Engine = $"MPI ({mpi.Version()})";
    }

    public int Rank { get; }

    public int Size { get; }

    public string Engine { get; }

    public TimeSpan Timeout { get; }

    /// <summary>True when this process was started by Open MPI's <c>mpirun</c> (it sets <c>OMPI_COMM_WORLD_SIZE</c>).</summary>
    public static bool IsLaunchedByMpirun(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment("OMPI_COMM_WORLD_SIZE") is not null;
    }

    /// <summary>Initializes MPI (once per process) and joins MPI_COMM_WORLD.</summary>
    /// <param name="timeout">how long one operation may wait for the other ranks</param>
    /// <exception cref="DllNotFoundException">Open MPI is not installed.</exception>
    public static MpiCommunicator Start(TimeSpan timeout)
    {
        var mpi = MpiLibrary.Open();
        int initialized, provided, rank, size;
        mpi.Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0)
        {
            mpi.Check(mpi.InitThread(null, 0, MpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
            if (provided < MpiLibrary.ThreadSerialized)
            {
                throw new InvalidOperationException($"MPI_Init_thread gave thread level {provided}; the gradient buckets need MPI_THREAD_SERIALIZED ({MpiLibrary.ThreadSerialized}).");
            }
        }
        mpi.Check(mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        mpi.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        mpi.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        return new MpiCommunicator(mpi, rank, size, timeout);
    }

    public void AllReduceSum(Span<float> values)
    {
        fixed (float* data = values)
        {
            float* buffer = data;
            int count = values.Length;
            Wait("MPI_Iallreduce", (MpiLibrary mpi, nint* request) => mpi.Iallreduce(MpiLibrary.InPlace, buffer, count, mpi.Float, mpi.Sum, mpi.CommWorld, request));
        }
    }

    public void Broadcast(Span<byte> buffer, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        fixed (byte* data = buffer)
        {
            byte* bytes = data;
            int count = buffer.Length;
            Wait("MPI_Ibcast", (mpi, request) => mpi.Ibcast(bytes, count, mpi.Byte, root, mpi.CommWorld, request));
        }
    }

    public void Barrier() => Wait("MPI_Ibarrier", (mpi, request) => mpi.Ibarrier(mpi.CommWorld, request));

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_failed)
        {
            return; // the process exits without MPI_Finalize, and mpirun ends the other ranks
        }
        int finalized;
        _mpi.Check(_mpi.Finalized(&finalized), "MPI_Finalized");
        if (finalized == 0)
        {
            _mpi.Check(_mpi.Finalize(), "MPI_Finalize");
        }
    }

    private delegate int Operation(MpiLibrary mpi, nint* request);

    /// <summary>Starts a non-blocking operation and polls it; yields the core between polls so a rank sharing it can compute.</summary>
    private void Wait(string call, Operation start)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_serial)
        {
            _failed = true; // until the operation completes
            nint request;
            _mpi.Check(start(_mpi, &request), call);
            var clock = Stopwatch.StartNew();
            int done = 0;
            var spin = default(SpinWait);
            while (true)
            {
                _mpi.Check(_mpi.Test(&request, &done, 0), "MPI_Test");
                if (done != 0)
                {
                    _failed = false;
                    return;
                }
                if (Timeout != System.Threading.Timeout.InfiniteTimeSpan && clock.Elapsed > Timeout)
                {
                    throw new CommunicatorTimeoutException(
                        $"Rank {Rank} of {Size} waited {Timeout.TotalSeconds:0.#} s in {call} for the other ranks: one of them died or stopped answering.");
                }
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}
