using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// The emulation header and launcher on their own: they build cleanly, __syncthreads is a real
/// barrier over the block's threads, __shared__ memory is shared within a block, atomicAdd is
/// atomic, and what the emulator cannot honour fails loudly.
/// </summary>
public class EmulatorTests
{
    private const string TestKernels = """
        #include "common.cuh"

        // Each block reverses its slice through shared memory: right only if every thread has
        // stored its value before any thread reads its mirror image.
        extern "C" __global__ void reverse_each_block(const float* x, float* y)
        {
            __shared__ float tile[REDUCTION_THREADS];
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            tile[threadIdx.x] = x[i];
            __syncthreads();
            y[i] = tile[blockDim.x - 1 - threadIdx.x];
        }

        // Half of the threads return at once; the others must still get past __syncthreads.
        extern "C" __global__ void sum_of_first_half(const float* x, float* total)
        {
            __shared__ float partial[REDUCTION_THREADS];
            if (threadIdx.x >= blockDim.x / 2) {
                return;
            }
            partial[threadIdx.x] = x[threadIdx.x];
            __syncthreads();
            if (threadIdx.x == 0) {
                float sum = 0.0f;
                for (unsigned int t = 0; t < blockDim.x / 2; t++) {
                    sum += partial[t];
                }
                *total = sum;
            }
        }

        extern "C" __global__ void count_threads(int* counter)
        {
            atomicAdd(counter, 1);
        }

        extern "C" __global__ void synchronizes_undeclared(float* y)
        {
            __syncthreads();
            y[threadIdx.x] = 1.0f;
        }
        """;

    [Fact]
    public void The_backends_kernels_build_without_a_single_compiler_warning()
    {
        var library = CudaTools.RequireEmulator();
        Assert.True(File.Exists(library.Path));
        Assert.Equal("", library.BuildLog);
    }

    [Fact]
    public void Syncthreads_is_a_barrier_and_shared_memory_is_shared_by_the_block()
    {
        var library = Build(TestKernels);
        const int blocks = 3, threads = 256;
        float[] x = Enumerable.Range(0, blocks * threads).Select(i => (float)i).ToArray();
        var y = new float[x.Length];

        Launch(library, "reverse_each_block", blocks, threads, x, y);

        for (int i = 0; i < x.Length; i++)
        {
            int block = i / threads, t = i % threads;
            Assert.Equal(x[(block * threads) + (threads - 1 - t)], y[i]);
        }
    }

    [Fact]
    public void Threads_that_return_early_do_not_hold_up_the_barrier()
    {
        var library = Build(TestKernels);
        float[] x = Enumerable.Range(1, 256).Select(i => (float)i).ToArray();
        var total = new float[1];

        Launch(library, "sum_of_first_half", 1, 256, x, total);

        Assert.Equal(128 * 129 / 2, total[0]);
    }

    [Fact]
    public unsafe void AtomicAdd_counts_every_thread_of_every_block()
    {
        var library = Build(TestKernels);
        int counter = 0;
        int* pointer = &counter;
        void** arguments = stackalloc void*[] { &pointer };

        library.Launch("count_threads", new Dim3(5), new Dim3(200), arguments);

        Assert.Equal(1000, counter);
    }

    [Fact]
    public void A_kernel_declared_barrier_free_that_synchronizes_fails_its_launch_naming_it()
    {
        var library = Build(TestKernels);
        var y = new float[32];

        var error = Assert.Throws<CudaException>(() => Launch(library, "synchronizes_undeclared", 1, 32, y));

        Assert.Contains("synchronizes_undeclared called __syncthreads", error.Message);
        Assert.Contains("KernelCatalog", error.Message);
    }

    [Fact]
    public void Launches_the_hardware_would_refuse_are_refused()
    {
        var library = Build(TestKernels);
        var y = new float[32];

        Assert.Contains("1 to 1024", Assert.Throws<CudaException>(() => Launch(library, "count_threads", 1, 2048, y)).Message);
        Assert.Contains("no kernel named missing", Assert.Throws<CudaException>(() => Launch(library, "missing", 1, 32, y)).Message);
        Assert.Null(library.Signature("missing"));
        Assert.Equal("pp", library.Signature("reverse_each_block"));
    }

    [Theory]
    [InlineData("__shfl_down_sync(0xffffffffu, value, 1)", "cannot run __shfl_down_sync")]
    [InlineData("__ballot_sync(0xffffffffu, value > 0.0f)", "cannot run __ballot_sync")]
    [InlineData("threadIdx.x % warpSize", "the_cuda_emulator_has_no_warps")]
    public void Warp_level_code_is_rejected_at_compile_time_with_the_reason(string expression, string expected)
    {
        string source = $$"""
            extern "C" __global__ void uses_warps(float* y)
            {
                float value = y[threadIdx.x];
                y[threadIdx.x] = (float)({{expression}});
            }
            """;

        var error = Assert.Throws<KernelCompileException>(() => Build(source, ("uses_warps", false)));

        Assert.Contains(expected, error.Log);
    }

    private static EmulatorLibrary Build(string source, params (string Name, bool Synchronizes)[] kernels)
    {
        CudaTools.RequireEmulator();
        if (kernels.Length == 0)
        {
            kernels = [("reverse_each_block", true), ("sum_of_first_half", true), ("count_threads", true), ("synchronizes_undeclared", false)];
        }
        var files = new Dictionary<string, string> { ["test.cu"] = source };
        foreach (var path in KernelCatalog.Headers.Concat(KernelCatalog.EmulationSources))
        {
            files[path] = KernelCatalog.Read(path);
        }
        var sources = new EmulatorSources(files, ["test.cu"], kernels.Select(k => new EmulatedKernel(k.Name, k.Synchronizes)).ToList());
        return EmulatorLibrary.Build(sources, EmulatorBuildOptions.FromEnvironment());
    }

    private static unsafe void Launch(EmulatorLibrary library, string kernel, int blocks, int threads, params float[][] buffers)
    {
        var handles = buffers.Select(b => System.Runtime.InteropServices.GCHandle.Alloc(b, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            var pointers = handles.Select(h => h.AddrOfPinnedObject()).ToArray();
            fixed (nint* values = pointers)
            {
                void** arguments = stackalloc void*[pointers.Length];
                for (int i = 0; i < pointers.Length; i++)
                {
                    arguments[i] = &values[i];
                }
                library.Launch(kernel, new Dim3((uint)blocks), new Dim3((uint)threads), arguments);
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Free();
            }
        }
    }
}
