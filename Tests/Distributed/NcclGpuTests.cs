using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Nccl;
using AlexNet.Backends.Distributed;
using AlexNet.Tensors;
using AlexNet.Tests.Cuda;

namespace AlexNet.Tests.Distributed;

/// <summary>
/// NCCL itself on a real GPU (run by Backends/Cuda/Nccl/nccl-check.sh): a group of one joins, sums
/// on the backend's stream, waits and leaves, which proves the interop (the unique id passed by
/// value, pointers, counts, the stream). Skips without a GPU or without libnccl.so.2; under
/// ALEXNET_REQUIRE_NCCL=1 (the script sets it) a missing library fails instead.
/// </summary>
public sealed class NcclGpuTests
{
    [Fact]
    public void A_group_of_one_on_a_gpu_joins_all_reduces_on_the_stream_and_leaves()
    {
        CudaTools.RequireGpu();
        RequireNccl();
        using var backend = CudaBackend.Create();
        using var bootstrap = new LocalCommunicator();
        float[] values = [.. Enumerable.Range(0, 1000).Select(i => i * 0.5f)];
        using var tensor = backend.Allocate(new Shape(values.Length), "gradient");
        backend.Upload(values, tensor);

        using (var nccl = NcclCommunicator.Create(backend, bootstrap))
        {
            nccl.AllReduceSum([tensor]);
            nccl.Wait();
            Assert.StartsWith("NCCL 2.", nccl.Engine, StringComparison.Ordinal);
        }

        Assert.Equal(values, tensor.ToArray()); // the sum over one rank is the value itself
    }

    private static void RequireNccl()
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad(NcclLibrary.FileName, out nint handle))
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            return;
        }
        string reason = $"NCCL's {NcclLibrary.FileName} is not installed";
        if (Environment.GetEnvironmentVariable("ALEXNET_REQUIRE_NCCL") == "1")
        {
            Assert.Fail($"ALEXNET_REQUIRE_NCCL=1, but {reason}.");
        }
        Assert.Skip(reason);
    }
}
