using AlexNet.Backends;
using AlexNet.Backends.Cuda;

namespace AlexNet.Tests.Cuda;

/// <summary>The factory's CUDA entries: <c>cuda</c> for a GPU, <c>cuda-emulated</c> for the emulator.</summary>
public class CudaFactoryTests
{
    [Fact]
    public void Cuda_emulated_is_the_CUDA_backend_on_the_emulated_device()
    {
        CudaTools.RequireEmulator();
        using var backend = BackendFactory.Create("cuda-emulated");
        var cuda = Assert.IsType<CudaBackend>(backend);
        Assert.Equal("cuda-emulated", cuda.Name);
        Assert.Contains("g++", cuda.Description);
    }

    [Fact]
    public void Cuda_without_a_usable_GPU_fails_in_one_line_suggesting_the_CPU()
    {
        Assert.SkipWhen(CudaTools.GpuUnavailableReason() is null, "A usable GPU is present, so the factory creates the backend instead of failing.");

        var error = Assert.Throws<CudaUnavailableException>(() => BackendFactory.Create("cuda"));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("--backend cpu", error.Message);
    }

    [Fact]
    public void Cuda_on_a_GPU_names_the_device()
    {
        CudaTools.RequireGpu();

        using var backend = BackendFactory.Create("cuda");

        var cuda = Assert.IsType<CudaBackend>(backend);
        Assert.StartsWith("cuda:0 (", cuda.Name, StringComparison.Ordinal);
        Assert.Contains("driver CUDA", cuda.Description);
        // The versions the GPU check records in Docs/cuda.md.
        TestContext.Current.SendDiagnosticMessage($"{cuda.Description}; {AlexNet.Backends.Cuda.Interop.NativeLibraries.Describe().ReplaceLineEndings("; ")}");
    }
}
