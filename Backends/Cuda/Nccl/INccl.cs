using System.Runtime.CompilerServices;

namespace AlexNet.Backends.Cuda.Nccl;

/// <summary>NCCL's <c>ncclResult_t</c>.</summary>
internal enum NcclResult
{
    Success = 0,
    UnhandledCudaError = 1,
    SystemError = 2,
    InternalError = 3,
    InvalidArgument = 4,
    InvalidUsage = 5,
    RemoteError = 6,
    InProgress = 7,
}

/// <summary><c>ncclUniqueId</c>: 128 opaque bytes rank 0 creates and every rank needs to join the group.</summary>
[InlineArray(Bytes)]
internal struct NcclUniqueId
{
    public const int Bytes = 128;

    private byte _first;
}

/// <summary>
/// The part of NCCL the communicator calls, as a seam in the manner of <see cref="ICudaDevice"/>:
/// <see cref="NcclLibrary"/> calls <c>libnccl.so.2</c>; tests put an in-process stand-in behind it
/// that sums emulated devices' memory, so the communicator's host code (bootstrap, grouping,
/// pointers and counts, waiting, errors) runs without a GPU. Failed calls throw, naming the call.
/// </summary>
internal interface INccl
{
    /// <summary>e.g. <c>NCCL 2.21.5</c>.</summary>
    string Version { get; }

    /// <summary><c>ncclGetUniqueId</c>, on rank 0 only.</summary>
    NcclUniqueId GetUniqueId();

    /// <summary><c>ncclCommInitRank</c>: joins the group of <paramref name="size"/> on the current device; returns the <c>ncclComm_t</c>.</summary>
    nint InitRank(int size, NcclUniqueId id, int rank);

    /// <summary><c>ncclGroupStart</c>: the calls up to <see cref="GroupEnd"/> are launched as one.</summary>
    void GroupStart();

    void GroupEnd();

    /// <summary><c>ncclAllReduce</c> in place, float32, sum, queued on <paramref name="stream"/>.</summary>
    void AllReduceSum(DevicePointer buffer, long count, nint communicator, nint stream);

    /// <summary><c>ncclCommGetAsyncError</c>: what went wrong in the background (a peer vanished), or Success.</summary>
    NcclResult AsyncError(nint communicator);

    /// <summary><c>ncclCommAbort</c>: frees the communicator without waiting for the operations in flight.</summary>
    void Abort(nint communicator);

    /// <summary><c>ncclCommDestroy</c>, after everything finished.</summary>
    void Destroy(nint communicator);

    /// <summary><c>ncclGetErrorString</c>.</summary>
    string Describe(NcclResult result);
}
