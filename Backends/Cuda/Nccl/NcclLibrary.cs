using System.Runtime.InteropServices;

namespace AlexNet.Backends.Cuda.Nccl;

/// <summary>
/// <see cref="INccl"/> on NVIDIA's <c>libnccl.so.2</c> (Debian/Ubuntu: <c>libnccl2</c>; or the
/// copy inside a CUDA or PyTorch installation, found through <c>LD_LIBRARY_PATH</c>), as function
/// pointers looked up by name. Only the loader needs the library; nothing here runs without a GPU.
/// </summary>
internal sealed unsafe class NcclLibrary : INccl
{
    public const string FileName = "libnccl.so.2";

    private const int Float32 = 7, Sum = 0; // ncclFloat32, ncclSum

    private readonly delegate* unmanaged<int*, NcclResult> _getVersion;
    private readonly delegate* unmanaged<NcclUniqueId*, NcclResult> _getUniqueId;
    private readonly delegate* unmanaged<nint*, int, NcclUniqueId, int, NcclResult> _commInitRank;
    private readonly delegate* unmanaged<NcclResult> _groupStart;
    private readonly delegate* unmanaged<NcclResult> _groupEnd;
    private readonly delegate* unmanaged<ulong, ulong, nuint, int, int, nint, nint, NcclResult> _allReduce;
    private readonly delegate* unmanaged<nint, NcclResult*, NcclResult> _commGetAsyncError;
    private readonly delegate* unmanaged<nint, NcclResult> _commAbort;
    private readonly delegate* unmanaged<nint, NcclResult> _commDestroy;
    private readonly delegate* unmanaged<NcclResult, byte*> _getErrorString;

    private NcclLibrary(nint handle)
    {
        nint Symbol(string name) => NativeLibrary.TryGetExport(handle, name, out nint address)
            ? address
            : throw new EntryPointNotFoundException($"{FileName} has no symbol {name}: NCCL 2.4 or later is needed.");
        _getVersion = (delegate* unmanaged<int*, NcclResult>)Symbol("ncclGetVersion");
        _getUniqueId = (delegate* unmanaged<NcclUniqueId*, NcclResult>)Symbol("ncclGetUniqueId");
        _commInitRank = (delegate* unmanaged<nint*, int, NcclUniqueId, int, NcclResult>)Symbol("ncclCommInitRank");
        _groupStart = (delegate* unmanaged<NcclResult>)Symbol("ncclGroupStart");
        _groupEnd = (delegate* unmanaged<NcclResult>)Symbol("ncclGroupEnd");
        _allReduce = (delegate* unmanaged<ulong, ulong, nuint, int, int, nint, nint, NcclResult>)Symbol("ncclAllReduce");
        _commGetAsyncError = (delegate* unmanaged<nint, NcclResult*, NcclResult>)Symbol("ncclCommGetAsyncError");
        _commAbort = (delegate* unmanaged<nint, NcclResult>)Symbol("ncclCommAbort");
        _commDestroy = (delegate* unmanaged<nint, NcclResult>)Symbol("ncclCommDestroy");
        _getErrorString = (delegate* unmanaged<NcclResult, byte*>)Symbol("ncclGetErrorString");
        int code;
        Check(_getVersion(&code), "ncclGetVersion");
        // Since 2.9 the code is major·10000 + minor·100 + patch; before, major·1000 + minor·100 + patch.
        Version = code >= 10000 ? $"NCCL {code / 10000}.{code / 100 % 100}.{code % 100}" : $"NCCL {code / 1000}.{code / 100 % 10}.{code % 100}";
    }

    public string Version { get; }

    /// <summary>Loads libnccl.so.2, or explains where it comes from.</summary>
    /// <exception cref="DllNotFoundException">NCCL is not installed.</exception>
    public static NcclLibrary Open()
    {
        if (!NativeLibrary.TryLoad(FileName, out nint handle))
        {
            throw new DllNotFoundException($"NCCL's {FileName} was not found. Install NVIDIA's libnccl2 package, or add the folder holding it (e.g. a PyTorch installation's nvidia/nccl/lib) to LD_LIBRARY_PATH.");
        }
        return new NcclLibrary(handle);
    }

    public NcclUniqueId GetUniqueId()
    {
        NcclUniqueId id;
        Check(_getUniqueId(&id), "ncclGetUniqueId");
        return id;
    }

    public nint InitRank(int size, NcclUniqueId id, int rank)
    {
        nint communicator;
        Check(_commInitRank(&communicator, size, id, rank), "ncclCommInitRank");
        return communicator;
    }

    public void GroupStart() => Check(_groupStart(), "ncclGroupStart");

    public void GroupEnd() => Check(_groupEnd(), "ncclGroupEnd");

    public void AllReduceSum(DevicePointer buffer, long count, nint communicator, nint stream) =>
        Check(_allReduce(buffer.Address, buffer.Address, (nuint)count, Float32, Sum, communicator, stream), "ncclAllReduce");

    public NcclResult AsyncError(nint communicator)
    {
        NcclResult error;
        Check(_commGetAsyncError(communicator, &error), "ncclCommGetAsyncError");
        return error;
    }

    public void Abort(nint communicator) => Check(_commAbort(communicator), "ncclCommAbort");

    public void Destroy(nint communicator) => Check(_commDestroy(communicator), "ncclCommDestroy");

    public string Describe(NcclResult result) => Marshal.PtrToStringUTF8((nint)_getErrorString(result)) ?? result.ToString();

    private void Check(NcclResult result, string call)
    {
        if (result is not (NcclResult.Success or NcclResult.InProgress))
        {
            throw new NcclException(call, result, Describe(result));
        }
    }
}

/// <summary>An NCCL call failed: the call, NCCL's error name and its text.</summary>
public sealed class NcclException : Exception
{
    internal NcclException(string call, NcclResult result, string text)
        : base($"{call} failed: nccl{result} ({text}).")
    {
        Call = call;
    }

    public NcclException()
    {
        Call = "";
    }

    public NcclException(string message)
        : base(message)
    {
        Call = "";
    }

    public NcclException(string message, Exception innerException)
        : base(message, innerException)
    {
        Call = "";
    }

    /// <summary>The NCCL function that failed.</summary>
    public string Call { get; }
}
