using System.Reflection;
using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Tensors;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// The mistakes asynchrony allows, shown without a GPU on the deferred emulator (whose stream runs
/// its work only at the next synchronization, on another thread): reading results without
/// synchronizing, changing a host buffer before its copy ran, freeing memory queued work still
/// uses; and the backend's own code making none of them. The whole CUDA suite runs in this mode.
/// </summary>
public unsafe class AsynchronyTests
{
    [Fact]
    public void A_download_read_before_synchronizing_is_NaN_and_right_after()
    {
        using var device = Deferred();
        Assert.True(device.TryAllocate(16, out var memory));
        device.Fill(memory, BitConverter.SingleToUInt32Bits(3f), 4);
        var values = new float[4];

        fixed (float* host = values)
        {
            device.CopyToHost(memory, host, 4);
            Assert.All(values, v => Assert.True(float.IsNaN(v)));
            device.Synchronize();
        }

        Assert.Equal([3f, 3f, 3f, 3f], values);
    }

    [Fact]
    public void A_backend_that_forgot_to_synchronize_would_read_NaN()
    {
        using var backend = new CudaBackend(new NoSynchronize(Deferred()));
        using var tensor = backend.Allocate(new Shape(8));
        backend.Fill(2f, tensor);

        var values = new float[8];
        backend.Download(tensor, values);

        Assert.All(values, v => Assert.True(float.IsNaN(v), "a download without its synchronization must not see the values"));
    }

    [Fact]
    public void A_host_buffer_changed_before_its_upload_ran_fails_the_upload()
    {
        using var device = Deferred();
        Assert.True(device.TryAllocate(16, out var memory));
        var values = new float[] { 1, 2, 3, 4 };

        fixed (float* host = values)
        {
            device.CopyToDevice(host, memory, 4);
            values[2] = 30;  // reused for the next batch before the copy ran
            var error = Assert.Throws<InvalidOperationException>(device.Synchronize);
            Assert.Contains("host buffer changed between queuing the copy and its running", error.Message);
        }
        Assert.NotNull(device.Failure);
    }

    [Fact]
    public void Freeing_memory_that_queued_work_still_uses_fails_naming_the_work()
    {
        using var device = Deferred();
        Assert.True(device.TryAllocate(1024, out var memory));
        device.Fill(memory, 0, 256);

        var error = Assert.Throws<InvalidOperationException>(() => device.Free(memory));
        Assert.Contains("still used by queued work (cuMemsetD32Async)", error.Message);

        device.Synchronize();
        device.Free(memory);
    }

    [Fact]
    public void Upload_and_download_through_the_backend_survive_the_deferred_stream()
    {
        using var backend = CudaTools.EmulatedBackend();
        using var tensor = backend.Allocate(new Shape(5));
        var values = new float[] { -1, 2, -3, 4, -5 };

        backend.Upload(values, tensor);
        values.AsSpan().Clear();  // the caller reuses its buffer at once: Upload has waited for the copy
        backend.ReluForward(tensor, tensor);
        var result = new float[5];
        backend.Download(tensor, result);

        Assert.Equal([0f, 2f, 0f, 4f, 0f], result);
    }

    [Fact]
    public void Emptying_the_cache_on_an_allocation_failure_waits_for_the_work_that_used_the_blocks()
    {
        // The cached block's fill is still queued when the large allocation fails and the cache is emptied.
        using var backend = CudaTools.EmulatedBackend(memoryLimit: 1 << 20);
        backend.Allocate(new Shape(200_000)).Dispose();

        using var large = backend.Allocate(new Shape(250_000));

        Assert.Equal(1_000_000, backend.BytesInUse);
    }

    [Fact]
    public void A_faulting_kernel_surfaces_at_the_synchronization_or_with_ALEXNET_CUDA_SYNC_at_its_launch()
    {
        using var deferred = Deferred();
        Assert.True(deferred.TryAllocate(40, out var small));
        // ReLU of 20 floats into room for 10 (it writes 0 over the NaN guard bytes after them).
        deferred.Launch(Kernel.ReluForward, new Dim3(1), new Dim3(256), [small, 20, small]);
        var late = Assert.Throws<CudaException>(deferred.Synchronize);
        Assert.Contains("relu_forward wrote past the end", late.Message);
        Assert.Same(late, deferred.Failure);

        using var synchronizing = new EmulatedDevice(CudaTools.RequireEmulator(), mode: EmulatorMode.Deferred, synchronizeEachLaunch: true);
        Assert.True(synchronizing.TryAllocate(40, out var other));
        var atLaunch = Assert.Throws<CudaException>(() => synchronizing.Launch(Kernel.ReluForward, new Dim3(1), new Dim3(256), [other, 20, other]));
        Assert.Contains("relu_forward wrote past the end", atLaunch.Message);
    }

    [Theory]
    [InlineData("ALEXNET_CUDA_SYNC", "1", true)]
    [InlineData("CUDA_LAUNCH_BLOCKING", "1", true)]
    [InlineData("ALEXNET_CUDA_SYNC", "0", false)]
    [InlineData("CUDA_LAUNCH_BLOCKING", "false", false)]
    [InlineData("OTHER", "1", false)]
    public void ALEXNET_CUDA_SYNC_or_CUDA_LAUNCH_BLOCKING_turns_on_waiting_after_each_launch(string variable, string value, bool expected) =>
        Assert.Equal(expected, LaunchDebugging.SynchronizeEachLaunch(name => name == variable ? value : null));

    [Fact]
    public void Kernel_arguments_of_any_other_C_sharp_type_are_compile_errors()
    {
        var conversions = typeof(KernelArgument).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == "op_Implicit")
            .ToDictionary(m => m.GetParameters()[0].ParameterType, m => m.GetCustomAttribute<ObsoleteAttribute>());

        Type[] supported = [typeof(DevicePointer), typeof(int), typeof(float), typeof(ulong)];
        Type[] refused = [typeof(long), typeof(uint), typeof(double), typeof(short), typeof(ushort), typeof(byte), typeof(sbyte),
            typeof(char), typeof(bool), typeof(nint), typeof(nuint), typeof(decimal), typeof(Half)];
        Assert.All(supported, t => Assert.Null(conversions[t]));
        // Every built-in type C# would otherwise convert implicitly to int, float or ulong has its own conversion, an error to use.
        Assert.All(refused, t => Assert.True(conversions.TryGetValue(t, out var obsolete) && obsolete is { IsError: true },
            $"a {t.Name} kernel argument must be a compile error"));
        Assert.Equal(supported.Length + refused.Length, conversions.Count);
    }

    private static EmulatedDevice Deferred() => new(CudaTools.RequireEmulator(), mode: EmulatorMode.Deferred);

    /// <summary>A device whose Synchronize waits for nothing: a backend forgetting to wait, made visible.</summary>
    private sealed class NoSynchronize(ICudaDevice inner) : ForwardingDevice(inner)
    {
        public override void Synchronize()
        {
        }

        // Teardown waits for real, so the test ends cleanly (a free without it would be refused).
        public override void Free(DevicePointer pointer)
        {
            Inner.Synchronize();
            Inner.Free(pointer);
        }

        public override void Dispose()
        {
            Inner.Synchronize();
            Inner.Dispose();
        }
    }
}
