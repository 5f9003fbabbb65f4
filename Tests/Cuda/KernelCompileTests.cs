using System.Text.RegularExpressions;
using AlexNet.Backends.Cuda;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// Every kernel compiles with NVRTC, without a GPU: the proof CI gives that the CUDA C is valid
/// and defines each entry point the backend launches.
/// </summary>
public partial class KernelCompileTests
{
    // H100/H200 are compute capability 9.0; NVRTC picks the newest architecture it has at or below that.
    private const int HopperArchitecture = 90;

    [Fact]
    public void Every_kernel_file_compiles_to_PTX_that_defines_each_entry_point()
    {
        CudaTools.RequireNvrtc();
        var nvrtc = KernelCompiler.Info();
        int architecture = KernelCompiler.ChooseArchitecture(HopperArchitecture, nvrtc);

        var ptx = KernelCompiler.CompileAll(architecture);

        foreach (var file in KernelCatalog.Files)
        {
            Assert.Contains($".target sm_{architecture}", ptx[file.Name]);
            var entries = EntryPattern().Matches(ptx[file.Name]).Select(m => m.Groups[1].Value).ToHashSet();
            foreach (var kernel in file.Kernels)
            {
                Assert.True(entries.Contains(KernelCatalog.EntryName(kernel)),
                    $"{file.Name} compiled, but its PTX has no entry {KernelCatalog.EntryName(kernel)}; it has {string.Join(", ", entries)}.");
            }
        }
    }

    [Fact]
    public void The_catalog_lists_exactly_the_kernels_each_source_defines()
    {
        var embedded = KernelCatalog.AllSourcePaths().Where(p => p.EndsWith(".cu", StringComparison.Ordinal) && !p.Contains('/')).ToHashSet();
        Assert.Equal(embedded.Order(), KernelCatalog.Files.Select(f => f.Name).Order());
        foreach (var file in KernelCatalog.Files)
        {
            var defined = KernelPattern().Matches(KernelCatalog.Read(file.Name)).Select(m => m.Groups[1].Value).Order();
            Assert.Equal(defined, file.Kernels.Select(KernelCatalog.EntryName).Order());
        }
        Assert.Equal(Enum.GetValues<Kernel>().Length, KernelCatalog.Files.Sum(f => f.Kernels.Length));
    }

    [Fact]
    public void A_compile_error_surfaces_with_NVRTCs_full_log()
    {
        CudaTools.RequireNvrtc();
        const string broken = """
            #include "common.cuh"
            extern "C" __global__ void broken(float* y) { y[0] = undefined_value; }
            """;

        var error = Assert.Throws<KernelCompileException>(() => KernelCompiler.Compile("broken.cu", broken, 75));

        Assert.Contains("broken.cu", error.Message);
        Assert.Contains("undefined_value", error.Log);
        Assert.Contains("--fmad=false", error.Message);
        Assert.Contains(error.Log, error.Message);
    }

    [Theory]
    [InlineData(90, 90)]    // Hopper, supported as is
    [InlineData(120, 90)]   // a GPU newer than this NVRTC knows: newest PTX it can make, JIT-compiled forward by the driver
    [InlineData(86, 86)]
    [InlineData(87, 86)]    // no compute_87 in the list: the newest below it
    public void The_architecture_is_the_devices_own_or_the_newest_NVRTC_supports_below_it(int device, int expected)
    {
        var nvrtc = new NvrtcInfo(new Version(11, 8), [75, 80, 86, 89, 90]);
        Assert.Equal(expected, KernelCompiler.ChooseArchitecture(device, nvrtc));
    }

    [Fact]
    public void A_device_older_than_NVRTC_supports_is_refused_in_one_line()
    {
        var nvrtc = new NvrtcInfo(new Version(13, 0), [75, 80, 90, 100, 120]);
        var error = Assert.Throws<CudaUnavailableException>(() => KernelCompiler.ChooseArchitecture(61, nvrtc));
        Assert.Contains("6.1", error.Message);
        Assert.Contains("7.5", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [GeneratedRegex(@"\.entry\s+(\w+)\s*\(")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+void\s+(\w+)\s*\(")]
    private static partial Regex KernelPattern();
}
