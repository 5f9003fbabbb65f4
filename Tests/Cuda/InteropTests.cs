using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// The interop's behaviour that can be shown without a GPU: where libraries are looked for, how
/// errors read, and how a machine without a usable GPU is turned away.
/// </summary>
public class InteropTests
{
    [Fact]
    public void Explicit_folders_come_first_then_CUDA_PATH_then_the_loader_path_then_the_usual_places()
    {
        var environment = new Dictionary<string, string>
        {
            ["ALEXNET_CUDA_LIBRARY_PATH"] = "/opt/mine:/opt/also",
            ["CUDA_PATH"] = "/opt/cuda-13.0",
            ["LD_LIBRARY_PATH"] = "/opt/ld::/opt/cuda-13.0/lib64",
        };

        var folders = NativeLibraries.SearchFolders(name => environment.GetValueOrDefault(name), LibraryPlatform.For(windows: false, arm64: false))
            .Select(f => f.Path).ToList();

        Assert.Equal(["/opt/mine", "/opt/also", "/opt/cuda-13.0/lib64", "/opt/cuda-13.0/targets/x86_64-linux/lib", "/opt/ld"], folders.Take(5));
        Assert.Contains("/usr/local/cuda/lib64", folders);
        Assert.Equal(folders.Count, folders.Distinct().Count());
    }

    [Fact]
    public void Each_folder_is_searched_newest_version_first_and_bare_names_go_to_the_system_loader_last()
    {
        string[] present = ["/a/libnvrtc.so.11.2", "/b/libnvrtc.so.12", "/b/libnvrtc.so.13"];

        var candidates = NativeLibraries.Candidates(NativeLibraries.RtcSpec, LibraryPlatform.Current, ["/a", "/b", "/c"], present.Contains).ToList();

        Assert.Equal(["/a/libnvrtc.so.11.2", "/b/libnvrtc.so.13", "/b/libnvrtc.so.12", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"], candidates);
    }

    [Fact]
    public void Libraries_newer_than_the_drivers_CUDA_are_passed_over()
    {
        string[] present = ["/usr/local/cuda/lib64/libcublas.so.13", "/usr/lib/x86_64-linux-gnu/libcublas.so.12", "/opt/old/libcublas.so.11"];

        var candidates = NativeLibraries.Candidates(NativeLibraries.BlasSpec, LibraryPlatform.Current, ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "/opt/old"], present.Contains, maxMajor: 12).ToList();

        Assert.Equal(["/usr/lib/x86_64-linux-gnu/libcublas.so.12", "/opt/old/libcublas.so.11", "libcublas.so.12", "libcublas.so.11"], candidates);
        Assert.Equal((11, 13, 0), (NativeLibraries.MajorOf("/x/libnvrtc.so.11.2"), NativeLibraries.MajorOf("libcublas.so.13"), NativeLibraries.MajorOf("/usr/lib/libcuda.so.1")));
    }

    [Fact]
    public void NVRTC_loads_after_its_builtins_from_the_same_folder()
    {
        CudaTools.RequireNvrtc();

        var loaded = NativeLibraries.Load(NativeLibraries.RtcSpec);

        if (loaded.Path.Contains('/'))
        {
            Assert.NotNull(loaded.CompanionPath);
            Assert.Equal(Path.GetDirectoryName(loaded.Path), Path.GetDirectoryName(loaded.CompanionPath));
            Assert.StartsWith("libnvrtc-builtins.so.", Path.GetFileName(loaded.CompanionPath), StringComparison.Ordinal);
        }
        Assert.Contains(loaded.Path, NativeLibraries.Describe());
    }

    [Fact]
    public void The_companion_is_the_newest_builtins_of_the_same_major_version()
    {
        string folder = Directory.CreateTempSubdirectory("alexnet-libs-").FullName;
        try
        {
            foreach (var name in new[] { "libnvrtc.so.12", "libnvrtc-builtins.so.12.4", "libnvrtc-builtins.so.12.10", "libnvrtc-builtins.so.13.0" })
            {
                File.WriteAllText(Path.Combine(folder, name), "");
            }

            string? companion = NativeLibraries.FindCompanion(NativeLibraries.RtcSpec, Path.Combine(folder, "libnvrtc.so.12"));

            Assert.Equal(Path.Combine(folder, "libnvrtc-builtins.so.12.10"), companion);
            Assert.Null(NativeLibraries.FindCompanion(NativeLibraries.DriverSpec, Path.Combine(folder, "libcuda.so.1")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_failed_call_is_reported_with_its_name_the_error_name_and_its_text()
    {
        Assert.Equal("cuMemAlloc_v2", Driver.CallName("Driver.cuMemAlloc_v2(out ulong pointer, (nuint)bytes)"));
        Assert.Equal("cublasSgemm_v2", Driver.CallName("Cublas.cublasSgemm_v2(_handle, a, b)"));
        Assert.Equal("cuModuleLoadData failed: CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed) update the driver",
            CudaException.Format("cuModuleLoadData", "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed", "update the driver"));

        var error = Assert.Throws<CudaException>(() => Cublas.Check(CublasStatus.InvalidValue, "Cublas.cublasSgemm_v2(handle)"));
        Assert.Equal("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (an unsupported value or parameter was passed to the function)", error.Message);
        Assert.Equal(7, error.Code);
    }

    [Fact]
    public void A_real_NVRTC_error_carries_NVRTCs_own_name_for_it()
    {
        CudaTools.RequireNvrtc();

        var error = Assert.Throws<CudaException>(() => Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(0, out _)));

        Assert.Equal("nvrtcGetPTXSize", error.Call);
        Assert.Equal("NVRTC_ERROR_INVALID_PROGRAM", error.ErrorName);
        Assert.StartsWith("nvrtcGetPTXSize failed: NVRTC_ERROR_INVALID_PROGRAM (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_usable_GPU_the_driver_check_fails_in_one_line_suggesting_the_CPU()
    {
        int driverVersion;
        try
        {
            driverVersion = CudaAvailability.InitializeDriver();
        }
        catch (CudaUnavailableException error)
        {
            Assert.DoesNotContain('\n', error.Message);
            Assert.StartsWith("CUDA backend unavailable: ", error.Message, StringComparison.Ordinal);
            Assert.Contains("--backend cpu", error.Message);
            return;
        }
        Assert.Skip($"A usable GPU is present (driver CUDA {CudaAvailability.VersionText(driverVersion)}), so there is no failure to check.");
    }

    [Theory]
    [InlineData(100, "found no CUDA device")]           // CUDA_ERROR_NO_DEVICE
    [InlineData(34, "toolkit's stub")]                  // CUDA_ERROR_STUB_LIBRARY
    [InlineData(34, "lib64/stubs folder out of")]
    [InlineData(46, "busy or unavailable")]             // CUDA_ERROR_DEVICE_UNAVAILABLE
    [InlineData(46, "exclusive-process")]
    [InlineData(803, "too old or does not match")]      // CUDA_ERROR_SYSTEM_DRIVER_MISMATCH
    [InlineData(3, "did not initialize")]               // CUDA_ERROR_NOT_INITIALIZED
    public void Each_way_cuInit_fails_is_explained(int result, string expected)
    {
        string reason = CudaAvailability.ExplainInitFailure((CuResult)result, ("CUDA_ERROR_X", "driver text"));
        Assert.Contains(expected, reason);
        Assert.Contains("CUDA_ERROR_X", reason);
    }

    [Fact]
    public void Out_of_memory_says_what_was_asked_what_is_free_and_what_to_do()
    {
        var error = new CudaOutOfMemoryException("cuMemAlloc_v2", "CUDA_ERROR_OUT_OF_MEMORY", "out of memory", 2,
            requestedBytes: 562L << 20, freeBytes: 120L << 20, totalBytes: 80L << 30);

        Assert.Equal("cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory) Asked for 562 MiB with 120 MiB of 80 GiB free on the GPU; " +
            "try a smaller batch size (--batch-size).", error.Message);
    }
}
