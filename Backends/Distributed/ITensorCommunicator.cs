using AlexNet.Tensors;

namespace AlexNet.Backends.Distributed;

/// <summary>
/// Collectives on tensors where they live, queued in the backend's own order (NCCL on a GPU's
/// stream): no copy to the host, and the all-reduce of the last layers' gradients runs on the GPU
/// while the first layers' backward is still queued. Every rank calls every operation in the same
/// order with tensors of the same lengths; <see cref="Wait"/> returns once they have all finished.
/// </summary>
public interface ITensorCommunicator : IDisposable
{
    int Rank { get; }

    int Size { get; }

    /// <summary>For the run's header line, e.g. <c>NCCL 2.21.5</c>.</summary>
    string Engine { get; }

    /// <summary>How long <see cref="Wait"/> waits for the other ranks before it gives up.</summary>
    TimeSpan Timeout { get; }

    /// <summary>Queues t = Σ over ranks of t for every tensor, in place, as one grouped operation.</summary>
    /// <param name="tensors">on this communicator's backend; the same lengths on every rank</param>
    void AllReduceSum(IReadOnlyList<Tensor> tensors);

    /// <summary>Waits until every queued collective has finished.</summary>
    /// <exception cref="CommunicatorTimeoutException">they did not finish within <see cref="Timeout"/> (the communicator is aborted)</exception>
    void Wait();
}
