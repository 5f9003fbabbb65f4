using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Backends.Cuda.Nccl;
using AlexNet.Backends.Distributed;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;
using AlexNet.Tests.Cuda;
using AlexNet.Training.Distributed;

namespace AlexNet.Tests.Distributed;

/// <summary>
/// NCCL's host path without a GPU: <see cref="NcclCommunicator"/> on emulated CUDA devices, with
/// <see cref="InProcessNccl"/> standing in for libnccl.so.2 and an in-process group for MPI.
/// </summary>
public sealed class NcclCommunicatorTests
{
    [Fact]
    public void Ranks_join_with_rank_zeros_unique_id_and_a_data_parallel_step_averages_on_the_device()
    {
        const int ranks = 2, batch = 4, classes = 3;
        var random = new Random(8);
        float[] images = [.. Enumerable.Range(0, batch * 3 * 64 * 64).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] labels = [0, 1, 2, 1];
        float[][] expected;
        using (var whole = CudaTools.EmulatedBackend())
        using (var model = ModelVariants.Get("mini").Build(whole, classes, 3))
        {
            GradientStep.Run(model, images, labels, null);
            expected = [.. model.Parameters.Select(p => p.Gradient.ToArray())];
        }
        using var nccl = new InProcessNccl(ranks);

        var results = CommunicatorTests.OnRanks(ranks, bootstrap =>
        {
            // Synchronous: the stand-in sums the buffers on the host when the group ends, where real NCCL
            // would queue the sum on the stream after the backward kernels; a deferred stream would hand it
            // gradients not yet computed.
            using var backend = CudaTools.EmulatedBackend(mode: EmulatorMode.Synchronous);
            using var model = ModelVariants.Get("mini").Build(backend, classes, 3);
            using var communicator = new NcclCommunicator(backend, bootstrap, nccl.Members[bootstrap.Rank]);
            using var parallel = new DataParallel(bootstrap, model, onDevice: communicator, bucketBytes: 128 << 10);
            int rows = batch / ranks, first = bootstrap.Rank * rows;
            GradientStep.Run(model, images[(first * 3 * 64 * 64)..((first + rows) * 3 * 64 * 64)], labels[first..(first + rows)], parallel);
            Assert.StartsWith("data-parallel over 2 processes (NCCL 2.99.0 (in-process stand-in), bootstrapped over in-process)", parallel.Describe(batch), StringComparison.Ordinal);
            return model.Parameters.Select(p => p.Gradient.ToArray()).ToArray();
        });

        Assert.Equal(["GetUniqueId", "InitRank(2, 0)"], nccl.Members[0].Calls.Take(2));
        Assert.Equal("InitRank(2, 1)", nccl.Members[1].Calls[0]);
        Assert.Contains(nccl.Members[0].Calls, c => c.StartsWith("AllReduce×", StringComparison.Ordinal));
        Assert.Equal("Destroy", nccl.Members[1].Calls[^1]);
        foreach (var gradients in results)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                Compare.Close($"NCCL step, gradient {i}", new Shape(expected[i].Length), gradients[i], [.. expected[i].Select(v => (double)v)], 1e-6, 1e-4);
            }
        }
    }

    [Fact]
    public void An_asynchronous_error_aborts_the_communicator_and_names_the_error()
    {
        using var nccl = new InProcessNccl(1);
        using var group = new InProcessGroup(1, TimeSpan.FromSeconds(5));
        using var backend = CudaTools.EmulatedBackend();
        var communicator = new NcclCommunicator(backend, group.Members[0], nccl.Members[0]);
        nccl.AsyncError = NcclResult.RemoteError;

        var e = Assert.Throws<InvalidOperationException>(communicator.Wait);

        Assert.Equal("NCCL rank 0 of 1: a collective failed with ncclRemoteError (stand-in text for RemoteError); the communicator was aborted.", e.Message);
        Assert.Equal("Abort", nccl.Members[0].Calls[^1]);
        Assert.Throws<ObjectDisposedException>(communicator.Wait);
        communicator.Dispose();
        Assert.DoesNotContain("Destroy", nccl.Members[0].Calls); // an aborted communicator is not destroyed again
    }

    [Fact]
    public void Nccl_is_refused_on_a_backend_that_is_not_cuda()
    {
        using var group = new InProcessGroup(1, TimeSpan.FromSeconds(5));
        using var cpu = new AlexNet.Backends.Cpu.CpuBackend(new AlexNet.Backends.Cpu.CpuBackendOptions { Threads = 1 });

        var e = Assert.Throws<ArgumentException>(() => NcclCommunicator.Create(cpu, group.Members[0]));

        Assert.StartsWith("NCCL all-reduces GPU memory; the cpu backend is not a CUDA backend.", e.Message, StringComparison.Ordinal);
    }
}
