using System.Runtime.CompilerServices;
using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>What is particular to the CPU backend: its memory, its options and its error messages.</summary>
public sealed class CpuBackendTests
{
    [Fact]
    public unsafe void Tensors_are_zeroed_64_byte_aligned_and_freed_on_dispose()
    {
        using var backend = new CpuBackend();
        var tensors = Enumerable.Range(1, 20).Select(n => backend.Allocate(new Shape(n, 3), $"t{n}")).ToList();
        foreach (var tensor in tensors)
        {
            Assert.Equal(0, (long)((CpuBuffer)tensor.Buffer).Pointer % 64);
            Assert.All(tensor.ToArray(), v => Assert.Equal(0f, v));
        }
        Assert.Equal(Enumerable.Range(1, 20).Sum(n => n * 3 * 4L), backend.AllocatedBytes);
        tensors.ForEach(t => t.Dispose());
        Assert.Equal(0, backend.AllocatedBytes);
        Assert.True(tensors[0].IsDisposed);
    }

    [Fact]
    public void A_forgotten_tensor_is_freed_by_the_finalizer()
    {
        using var backend = new CpuBackend();
        AllocateAndForget(backend);
        for (int attempt = 0; attempt < 10 && backend.AllocatedBytes != 0; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(0, backend.AllocatedBytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AllocateAndForget(CpuBackend backend) => backend.Allocate(new Shape(1000), "forgotten");

    [Fact]
    public void A_disposed_tensor_cannot_be_used()
    {
        using var backend = new CpuBackend();
        var x = backend.Allocate(new Shape(4), "x");
        using var y = backend.Allocate(new Shape(4), "y");
        x.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => backend.ReluForward(x, y));
        Assert.Contains("ReluForward", error.Message);
        Assert.Contains("disposed", error.Message);
        Assert.Throws<ObjectDisposedException>(() => x.ToArray());
    }

    [Fact]
    public void A_tensor_of_another_backend_is_rejected_with_both_named()
    {
        using var first = new CpuBackend();
        using var second = new CpuBackend();
        using var x = first.Allocate(new Shape(2, 3), "conv1.output");
        using var y = second.Allocate(new Shape(2, 3), "relu1.output");
        var error = Assert.Throws<ArgumentException>(() => second.ReluForward(x, y));
        Assert.Contains("ReluForward", error.Message);
        Assert.Contains("conv1.output [2, 3]", error.Message);
        Assert.Contains("another cpu backend", error.Message);
    }

    [Fact]
    public void Shape_errors_name_the_op_the_tensor_and_both_shapes()
    {
        using var backend = new CpuBackend();
        using var x = backend.Allocate(new Shape(2, 3, 8, 8), "x");
        using var weight = backend.Allocate(new Shape(4, 3, 3, 3), "weight");
        using var wrongY = backend.Allocate(new Shape(2, 4, 7, 7), "y");
        var error = Assert.Throws<ArgumentException>(() => backend.Conv2dForward(x, weight, null, new Convolution(1, 1), wrongY));
        Assert.Contains("Conv2dForward", error.Message);
        Assert.Contains("y [2, 4, 7, 7]", error.Message);
        Assert.Contains("expected shape [2, 4, 8, 8]", error.Message);

        using var a = backend.Allocate(new Shape(3, 4), "a");
        using var b = backend.Allocate(new Shape(5, 6), "b");
        using var c = backend.Allocate(new Shape(3, 6), "c");
        var gemm = Assert.Throws<ArgumentException>(() => backend.Gemm(a, b, false, false, 1, 0, c));
        Assert.Contains("3×4", gemm.Message);
        Assert.Contains("5×6", gemm.Message);

        using var wrongWeight = backend.Allocate(new Shape(4, 2, 3, 3), "weight");
        var groups = Assert.Throws<ArgumentException>(() => backend.Conv2dForward(x, wrongWeight, null, new Convolution(1, 1), wrongY));
        Assert.Contains("[4, 2, 3, 3]", groups.Message);
    }

    [Fact]
    public void Labels_outside_the_classes_are_rejected_before_any_work()
    {
        using var backend = new CpuBackend();
        using var logits = backend.Tensor(new Shape(2, 3), [1, 2, 3, 4, 5, 6], "logits");
        using var labels = backend.Tensor(new Shape(2), [1, 3], "labels");
        using var probabilities = backend.Allocate(new Shape(2, 3), "probabilities");
        using var loss = backend.Allocate(new Shape(1), "loss");
        var error = Assert.Throws<ArgumentException>(() => backend.SoftmaxCrossEntropyForward(logits, labels, probabilities, loss));
        Assert.Contains("labels[1]", error.Message);
        Assert.All(probabilities.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void An_output_that_is_a_view_of_its_input_is_rejected_where_the_op_needs_a_separate_output()
    {
        using var backend = new CpuBackend();
        using var x = backend.Allocate(new Shape(1, 2, 4, 4), "x");
        using var view = x.Reshape(new Shape(1, 2, 4, 4), "view of x");
        var error = Assert.Throws<ArgumentException>(() => backend.LrnForward(x, LocalResponseNorm.Paper, view));
        Assert.Contains("shares memory", error.Message);
    }

    [Fact]
    public void Upload_and_download_check_lengths()
    {
        using var backend = new CpuBackend();
        using var x = backend.Allocate(new Shape(2, 2), "x");
        Assert.Throws<ArgumentException>(() => backend.Upload(new float[3], x));
        Assert.Throws<ArgumentException>(() => backend.Download(x, new float[5]));
        backend.Upload([1, 2, 3, 4], x);
        Assert.Equal([1f, 2, 3, 4], x.ToArray());
    }

    [Fact]
    public void Options_set_the_thread_count_and_the_gemm_kernel()
    {
        using var single = new CpuBackend(new CpuBackendOptions { Threads = 1, GemmKernel = GemmKernel.Scalar });
        Assert.Equal(1, single.Threads);
        Assert.Equal(GemmKernel.Scalar, single.GemmKernel);
        using var automatic = new CpuBackend();
        Assert.Equal(Environment.ProcessorCount, automatic.Threads);
        Assert.NotEqual(GemmKernel.Auto, automatic.GemmKernel);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuBackend(new CpuBackendOptions { Threads = -1 }));
    }

    [Fact]
    public void The_workspace_is_reused_rather_than_grown_on_every_call()
    {
        using var backend = new CpuBackend();
        var s = new Shape(4, 3, 20, 20);
        using var x = backend.Allocate(s, "x");
        using var weight = backend.Allocate(new Shape(8, 3, 5, 5), "weight");
        using var y = backend.Allocate(new Shape(4, 8, 16, 16), "y");
        backend.Conv2dForward(x, weight, null, new Convolution(Stride: 1), y);
        long afterFirst = backend.WorkspaceBytes;
        for (int i = 0; i < 20; i++)
        {
            backend.Conv2dForward(x, weight, null, new Convolution(Stride: 1), y);
        }
        // Which worker rents which block varies with scheduling, so the total may settle a little
        // above the first call's; growing with every call would be 20 times as much.
        Assert.True(afterFirst > 0);
        Assert.InRange(backend.WorkspaceBytes, afterFirst, 3 * afterFirst);
    }
}
