using System.Runtime.InteropServices;
using System.Text;

namespace AlexNet.Training.Distributed;

/// <summary>
/// Our own interop to Open MPI's C library (<c>libmpi.so.40</c>, Debian's <c>libopenmpi-dev</c>):
/// the dozen functions data-parallel training calls, as function pointers looked up by name.
/// (MPI.NET 1.4.0, the package on NuGet, calls <c>msmpi.dll</c> with Microsoft MPI's integer
/// handles, so it does not run against Open MPI on Linux.)
/// <para>
/// Open MPI's handles are pointers: <c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>,
/// <c>MPI_FLOAT</c> is <c>&amp;ompi_mpi_float</c>, so each is the address of an exported symbol. The
/// library is opened with <c>RTLD_GLOBAL</c>, because Open MPI's plugins (its transports) are
/// shared objects that expect libmpi's symbols to be visible to them.
/// </para>
/// </summary>
internal sealed unsafe partial class MpiLibrary
{
    public const string FileName = "libmpi.so.40";

    private const int RtldNow = 0x2, RtldGlobal = 0x100;

    /// <summary>MPI_THREAD_SERIALIZED: several threads may call MPI, never two at once.</summary>
    public const int ThreadSerialized = 2;

    /// <summary>MPI_IN_PLACE in Open MPI: the receive buffer is also the send buffer.</summary>
    public static readonly nint InPlace = 1;

    private MpiLibrary(nint handle)
    {
        Handle = handle;
        CommWorld = Symbol("ompi_mpi_comm_world");
        Float = Symbol("ompi_mpi_float");
        Byte = Symbol("ompi_mpi_byte");
        Sum = Symbol("ompi_mpi_op_sum");
        ErrorsReturn = Symbol("ompi_mpi_errors_return");
        Initialized = (delegate* unmanaged<int*, int>)Symbol("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Symbol("MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Symbol("MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Symbol("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Symbol("MPI_Comm_set_errhandler");
        Iallreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int>)Symbol("MPI_Iallreduce");
        Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Symbol("MPI_Ibcast");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)Symbol("MPI_Ibarrier");
        Test = (delegate* unmanaged<nint*, int*, nint, int>)Symbol("MPI_Test");
        GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Symbol("MPI_Get_library_version");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Symbol("MPI_Error_string");
    }

    public nint Handle { get; }

    public nint CommWorld { get; }

    public nint Float { get; }

    public nint Byte { get; }

    public nint Sum { get; }

    public nint ErrorsReturn { get; }

    public delegate* unmanaged<int*, int> Initialized { get; }

    public delegate* unmanaged<int*, int> Finalized { get; }

    public delegate* unmanaged<int*, nint, int, int*, int> InitThread { get; }

    public delegate* unmanaged<int> Finalize { get; }

    public delegate* unmanaged<nint, int*, int> CommRank { get; }

    public delegate* unmanaged<nint, int*, int> CommSize { get; }

    public delegate* unmanaged<nint, nint, int> CommSetErrhandler { get; }

    /// <summary>MPI_Iallreduce(sendbuf, recvbuf, count, datatype, op, comm, request*).</summary>
    public delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int> Iallreduce { get; }

    /// <summary>MPI_Ibcast(buffer, count, datatype, root, comm, request*).</summary>
    public delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast { get; }

    public delegate* unmanaged<nint, nint*, int> Ibarrier { get; }

    /// <summary>MPI_Test(request*, flag*, status*); status MPI_STATUS_IGNORE is null.</summary>
    public delegate* unmanaged<nint*, int*, nint, int> Test { get; }

    public delegate* unmanaged<byte*, int*, int> GetLibraryVersion { get; }

    public delegate* unmanaged<int, byte*, int*, int> ErrorString { get; }

    /// <summary>Opens <c>libmpi.so.40</c>, or explains how to install it.</summary>
    /// <exception cref="DllNotFoundException">Open MPI is not installed.</exception>
    public static MpiLibrary Open()
    {
        nint handle = Dl.Open(FileName, RtldNow | RtldGlobal);
        if (handle == 0)
        {
            throw new DllNotFoundException(
                $"Open MPI's {FileName} could not be loaded ({Dl.LastError()}). Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and start the ranks with mpirun.");
        }
        return new MpiLibrary(handle);
    }

    /// <summary>The library's own description, e.g. <c>Open MPI v4.1.4, package: Debian OpenMPI, …</c>, first line only.</summary>
    public string Version()
    {
        var text = stackalloc byte[512]; // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI
        int length;
        GetLibraryVersion(text, &length);
        string version = Encoding.UTF8.GetString(text, length).Split([',', '\n'], 2)[0].Trim();
        return version;
    }

    /// <summary>Throws when an MPI call did not return MPI_SUCCESS (0), with MPI's own words for the error.</summary>
    public void Check(int code, string call)
    {
        if (code == 0)
        {
            return;
        }
        var text = stackalloc byte[512]; // MPI_MAX_ERROR_STRING is 256 in Open MPI
        int length = 0;
        string message = ErrorString(code, text, &length) == 0 ? Encoding.UTF8.GetString(text, length) : "unknown error";
        throw new InvalidOperationException($"{call} failed with MPI error {code}: {message}.");
    }

    private nint Symbol(string name) => NativeLibrary.TryGetExport(Handle, name, out nint address)
        ? address
        : throw new EntryPointNotFoundException($"{FileName} has no symbol {name}: it is not Open MPI 4 or later.");

    /// <summary>dlopen from the C library: .NET's loader opens libraries without RTLD_GLOBAL.</summary>
    private static partial class Dl
    {
        public static nint Open(string file, int flags) => dlopen(file, flags);

        public static string LastError() => Marshal.PtrToStringUTF8(dlerror()) ?? "no reason given";

        [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
        private static partial nint dlopen(string file, int flags);

        [LibraryImport("libc.so.6")]
        private static partial nint dlerror();
    }
}
