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
        var target = KernelCompiler.ChooseTarget(HopperArchitecture, nvrtc) with { Cubin = false };

        var images = KernelCompiler.CompileAll(target);

        foreach (var file in KernelCatalog.Files)
        {
            string ptx = KernelCompiler.PtxText(images[file.Name]);
            Assert.Equal(0, images[file.Name][^1]);
            Assert.Contains($".target sm_{target.Architecture}", ptx);
            var entries = EntryPattern().Matches(ptx).Select(m => m.Groups[1].Value).ToHashSet();
            foreach (var kernel in file.Kernels)
            {
                Assert.True(entries.Contains(KernelCatalog.EntryName(kernel)),
                    $"{file.Name} compiled, but its PTX has no entry {KernelCatalog.EntryName(kernel)}; it has {string.Join(", ", entries)}.");
            }
        }
    }

    [Fact]
    public void Every_kernel_file_compiles_to_a_CUBIN_for_the_devices_own_architecture()
    {
        CudaTools.RequireNvrtc();
        var nvrtc = KernelCompiler.Info();
        Assert.SkipUnless(nvrtc.Architectures.Contains(80), $"NVRTC {nvrtc.Version} does not compile for sm_80");
        var target = KernelCompiler.ChooseTarget(80, nvrtc);
        Assert.Equal(new KernelTarget(80, Cubin: true), target);

        var images = KernelCompiler.CompileAll(target);

        foreach (var file in KernelCatalog.Files)
        {
            // An ELF file: 0x7F 'E' 'L' 'F'.
            Assert.Equal("\u007fELF"u8.ToArray(), images[file.Name][..4]);
            foreach (var kernel in file.Kernels)
            {
                Assert.True(images[file.Name].AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(KernelCatalog.EntryName(kernel) + "\0")) >= 0,
                    $"the CUBIN of {file.Name} names no {KernelCatalog.EntryName(kernel)}");
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

        var error = Assert.Throws<KernelCompileException>(() => KernelCompiler.Compile("broken.cu", broken, new KernelTarget(75, Cubin: false)));

        Assert.Contains("broken.cu", error.Message);
        Assert.Contains("undefined_value", error.Log);
        Assert.Contains("--fmad=false", error.Message);
        Assert.Contains(error.Log, error.Message);
    }

    [Theory]
    [InlineData(90, "CUBIN for sm_90")]     // Hopper, supported as is: machine code
    [InlineData(120, "PTX for compute_90")] // a GPU newer than this NVRTC knows: newest PTX it can make, JIT-compiled forward by the driver
    [InlineData(86, "CUBIN for sm_86")]
    [InlineData(87, "PTX for compute_86")]  // no sm_87 in the list: PTX for the newest below it
    public void The_target_is_a_CUBIN_for_the_devices_own_architecture_else_PTX_for_the_newest_below_it(int device, string expected)
    {
        var nvrtc = new NvrtcInfo(new Version(11, 8), [75, 80, 86, 89, 90]);
        Assert.Equal(expected, KernelCompiler.ChooseTarget(device, nvrtc).ToString());
    }

    [Fact]
    public void An_NVRTC_that_cannot_list_its_architectures_or_make_CUBIN_gives_PTX()
    {
        Assert.Equal(new KernelTarget(80, Cubin: false), KernelCompiler.ChooseTarget(80, new NvrtcInfo(new Version(11, 1), [])));
        Assert.Equal(new KernelTarget(80, Cubin: false), KernelCompiler.ChooseTarget(80, new NvrtcInfo(new Version(11, 0), [52, 80])));
        Assert.Equal("--gpu-architecture=sm_80", KernelCompiler.Options(new KernelTarget(80, Cubin: true))[0]);
    }

    [Fact]
    public void A_device_older_than_NVRTC_supports_is_refused_in_one_line()
    {
        var nvrtc = new NvrtcInfo(new Version(13, 0), [75, 80, 90, 100, 120]);
        var error = Assert.Throws<CudaUnavailableException>(() => KernelCompiler.ChooseTarget(61, nvrtc));
        Assert.Contains("6.1", error.Message);
        Assert.Contains("7.5", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [GeneratedRegex(@"\.entry\s+(\w+)\s*\(")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+void\s+(\w+)\s*\(")]
    private static partial Regex KernelPattern();
}
