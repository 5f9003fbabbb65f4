using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Tensors;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// Disposing after a kernel has poisoned the CUDA context: every block is still freed and the
/// device still released, and the error thrown is the first one, never a later consequence of it.
/// </summary>
public unsafe class DisposeTests
{
    [Fact]
    public void A_failing_teardown_frees_everything_and_throws_its_first_error()
    {
        var device = new PoisonedDevice(new EmulatedDevice(CudaTools.RequireEmulator()));
        var backend = new CudaBackend(device);
        _ = backend.Allocate(new Shape(10));
        _ = backend.Allocate(new Shape(20));
        backend.Allocate(new Shape(30)).Dispose();  // cached
        device.Poisoned = true;

        var error = Assert.Throws<CudaException>(backend.Dispose);

        Assert.Equal("cuEventSynchronize", error.Call);
        Assert.Equal(3, device.FreesTried);
        Assert.True(device.Disposed);
    }

    [Fact]
    public void After_an_error_the_caller_has_seen_teardown_errors_do_not_replace_it()
    {
        var device = new PoisonedDevice(new EmulatedDevice(CudaTools.RequireEmulator()));
        var original = Assert.Throws<CudaException>(() =>
        {
            using var backend = new CudaBackend(device);
            using var tensor = backend.Allocate(new Shape(10));
            device.Poisoned = true;
            backend.Download(tensor, new float[10]);  // the kernel error surfaces here ...
        });                                            // ... and the disposals after it stay quiet

        Assert.Equal("cuEventSynchronize", original.Call);
        Assert.Same(original, device.Failure);
        Assert.Equal(1, device.FreesTried);
        Assert.True(device.Disposed);
    }

    /// <summary>A device whose context a kernel has poisoned, once <see cref="Poisoned"/> is set: every wait and free fails, as on a GPU.</summary>
    private sealed class PoisonedDevice(EmulatedDevice inner) : ForwardingDevice(inner)
    {
        private Exception? _failure;

        public bool Poisoned { get; set; }
        public int FreesTried { get; private set; }
        public bool Disposed { get; private set; }
        public override Exception? Failure => _failure;

        public override void Free(DevicePointer pointer)
        {
            FreesTried++;
            if (Poisoned)
            {
                throw Illegal("cuMemFree_v2");
            }
            Inner.Free(pointer);
        }

        public override void Synchronize()
        {
            if (Poisoned)
            {
                var error = Illegal("cuEventSynchronize");
                _failure ??= error;
                throw error;
            }
            Inner.Synchronize();
        }

        public override void Dispose()
        {
            Disposed = true;
            Inner.Dispose();
            if (Poisoned)
            {
                throw Illegal("cuDevicePrimaryCtxRelease_v2");
            }
        }

        private static CudaException Illegal(string call) =>
            new(call, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered", 700);
    }
}
