using AlexNet.Backends.Distributed;

namespace AlexNet.Training.Distributed;

/// <summary>
/// Chooses the engine behind <see cref="ICommunicator"/> for <c>alexnet train</c>: MPI when Open MPI's
/// <c>mpirun</c> started the process (or when asked for), else the single process, which loads no
/// MPI library and trains exactly as without this feature.
/// </summary>
public static class Communicators
{
    /// <summary>The values of <c>--communicator</c>.</summary>
    public static readonly string[] Names = ["auto", "local", "mpi", "nccl"];

    /// <summary>Whether the gradients go through NCCL: asked for, or chosen by auto for several processes on the cuda backend.</summary>
    public static bool UsesNccl(string name, string backend, int size) => name == "nccl" || (name == "auto" && size > 1 && backend == "cuda");

    /// <summary>Starts the communicator named by <paramref name="name"/>.</summary>
    /// <param name="name">auto (MPI under mpirun, else local), local, mpi, or nccl (MPI here; NCCL joins once the GPU backend exists, see <see cref="UsesNccl"/>)</param>
    /// <param name="environment">the process environment (mpirun's variables)</param>
    /// <param name="timeout">how long a collective may wait for the other ranks</param>
    /// <exception cref="AppException">MPI was asked for, or mpirun started us, but Open MPI cannot be loaded or started</exception>
    public static ICommunicator Create(string name, Func<string, string?> environment, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(environment);
        bool mpi = name switch
        {
            "auto" => MpiCommunicator.IsLaunchedByMpirun(environment),
            "local" => false,
            "mpi" or "nccl" => true,
            _ => throw new ArgumentException($"There is no communicator '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
        };
        if (!mpi)
        {
            return new LocalCommunicator();
        }
        try
        {
            return MpiCommunicator.Start(timeout);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            throw new AppException($"Data-parallel training over MPI cannot start: {e.Message}", e);
        }
    }
}
