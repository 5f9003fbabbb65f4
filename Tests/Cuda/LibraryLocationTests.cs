using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// Where the CUDA backend finds cuBLAS and NVRTC on the installs users have — pip's nvidia wheels
/// in a virtual environment, conda, the user's site-packages, aarch64 machines, Windows — shown on
/// fake folders; and which NVRTC it chooses when several are installed.
/// </summary>
public sealed class LibraryLocationTests : IDisposable
{
    private static readonly LibraryPlatform Linux = LibraryPlatform.For(windows: false, arm64: false);
    private readonly string _root = Directory.CreateTempSubdirectory("alexnet-cuda-layout-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // The system folders follow the fake ones in the search; where CI has installed NVRTC there, it is found too.
    private bool InFakeFolders(string path) => path.StartsWith(_root, StringComparison.Ordinal);

    [Fact]
    public void Pips_nvidia_wheels_are_found_in_the_virtual_environment_conda_and_the_users_site_packages()
    {
        string venv = Touch("venv/lib/python3.12/site-packages/nvidia/cublas/lib/libcublas.so.12", "venv/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        string conda = Touch("conda/lib/libnvrtc.so.11.2", "conda/lib/python3.10/site-packages/nvidia/cu13/lib/libcublas.so.13");
        string home = Touch("home/.local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.13");
        var environment = Environment(("VIRTUAL_ENV", venv), ("CONDA_PREFIX", conda), ("HOME", home));

        var folders = NativeLibraries.SearchFolders(environment, Linux);
        var paths = folders.Select(f => f.Path).ToList();

        Assert.Equal(
        [
            $"{venv}/lib/python3.12/site-packages/nvidia/cublas/lib",
            $"{venv}/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib",
            $"{conda}/lib",
            $"{conda}/lib/python3.10/site-packages/nvidia/cu13/lib",
            $"{home}/.local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib",
        ], paths.Take(5));
        Assert.Contains("VIRTUAL_ENV", folders[0].Source);
        Assert.Contains("pip install --user", folders[4].Source);
        Assert.Equal(
            [$"{venv}/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12", $"{conda}/lib/libnvrtc.so.11.2",
             $"{home}/.local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.13"],
            NativeLibraries.Candidates(NativeLibraries.RtcSpec, Linux, paths, File.Exists).Where(InFakeFolders));
        Assert.Equal(
            [$"{venv}/lib/python3.12/site-packages/nvidia/cublas/lib/libcublas.so.12", $"{conda}/lib/python3.10/site-packages/nvidia/cu13/lib/libcublas.so.13"],
            NativeLibraries.Candidates(NativeLibraries.BlasSpec, Linux, paths, File.Exists).Where(InFakeFolders));
    }

    [Fact]
    public void Explicit_folders_come_before_Python_installs_which_come_before_the_system()
    {
        string venv = Touch("venv/lib/python3.12/site-packages/nvidia/cublas/lib/libcublas.so.12");
        var environment = Environment(("ALEXNET_CUDA_LIBRARY_PATH", "/opt/mine"), ("CUDA_HOME", "/opt/cuda-12.4"), ("LD_LIBRARY_PATH", "/opt/ld"), ("VIRTUAL_ENV", venv));

        var paths = NativeLibraries.SearchFolders(environment, Linux).Select(f => f.Path).ToList();

        Assert.Equal(["/opt/mine", "/opt/cuda-12.4/lib64", "/opt/cuda-12.4/targets/x86_64-linux/lib", "/opt/ld", $"{venv}/lib/python3.12/site-packages/nvidia/cublas/lib"], paths.Take(5));
        Assert.True(paths.IndexOf("/usr/local/cuda/lib64") > 4);
        Assert.Contains("/usr/lib/x86_64-linux-gnu", paths);
        Assert.DoesNotContain(paths, p => p.Contains("aarch64", StringComparison.Ordinal));
    }

    [Fact]
    public void An_aarch64_machine_is_searched_in_its_own_folders()
    {
        var arm = LibraryPlatform.For(windows: false, arm64: true);

        var paths = NativeLibraries.SearchFolders(Environment(("CUDA_PATH", "/opt/cuda")), arm).Select(f => f.Path).ToList();

        Assert.Equal(["/opt/cuda/lib64", "/opt/cuda/targets/sbsa-linux/lib"], paths.Take(2));
        Assert.Contains("/usr/local/cuda/targets/sbsa-linux/lib", paths);
        Assert.Contains("/usr/local/cuda/targets/aarch64-linux/lib", paths);
        Assert.Contains("/usr/lib/aarch64-linux-gnu", paths);
        Assert.DoesNotContain("/usr/lib/x86_64-linux-gnu", paths);
    }

    [Fact]
    public void Windows_names_and_folders_are_those_of_NVIDIAs_installer_and_the_wheels()
    {
        string programFiles = Touch("pf/NVIDIA GPU Computing Toolkit/CUDA/v12.4/bin/cublas64_12.dll", "pf/NVIDIA GPU Computing Toolkit/CUDA/v13.0/bin/cublas64_13.dll");
        string venv = Touch("venv/Lib/site-packages/nvidia/cuda_nvrtc/bin/nvrtc64_120_0.dll", "venv/Lib/site-packages/nvidia/cuda_nvrtc/bin/nvrtc-builtins64_124.dll");
        var windows = LibraryPlatform.For(windows: true, arm64: false, programFiles, systemRoot: "C:/Windows");

        var paths = NativeLibraries.SearchFolders(Environment(("PATH", "C:/tools;C:/more"), ("VIRTUAL_ENV", venv)), windows).Select(f => f.Path).ToList();

        Assert.Equal(["C:/tools", "C:/more", $"{venv}/Lib/site-packages/nvidia/cuda_nvrtc/bin",
            $"{programFiles}/NVIDIA GPU Computing Toolkit/CUDA/v13.0/bin", $"{programFiles}/NVIDIA GPU Computing Toolkit/CUDA/v12.4/bin", "C:/Windows/System32"], paths);
        Assert.Equal($"{programFiles}/NVIDIA GPU Computing Toolkit/CUDA/v13.0/bin/cublas64_13.dll",
            NativeLibraries.Candidates(NativeLibraries.BlasSpec, windows, paths, File.Exists).First());
        string nvrtc = NativeLibraries.Candidates(NativeLibraries.RtcSpec, windows, paths, File.Exists).First();
        Assert.Equal($"{venv}/Lib/site-packages/nvidia/cuda_nvrtc/bin/nvrtc64_120_0.dll", nvrtc);
        Assert.Equal($"{venv}/Lib/site-packages/nvidia/cuda_nvrtc/bin/nvrtc-builtins64_124.dll", NativeLibraries.FindCompanion(NativeLibraries.RtcSpec, nvrtc));
        Assert.Equal(["nvcuda.dll"], NativeLibraries.DriverSpec.FileNames(windows));
        Assert.Equal((12, 13, 11, 13, 0), (NativeLibraries.MajorOf(nvrtc), NativeLibraries.MajorOf("nvrtc64_130_0.dll"),
            NativeLibraries.MajorOf("nvrtc64_112_0.dll"), NativeLibraries.MajorOf("cublas64_13.dll"), NativeLibraries.MajorOf("nvcuda.dll")));
        Assert.Equal("cublasLt64_12.dll", NativeLibraries.BlasSpec.CompanionPattern("cublas64_12.dll"));
    }

    [Fact]
    public void When_the_newest_NVRTC_has_dropped_the_GPU_an_older_one_is_chosen()
    {
        // NVRTC 13 compiles for compute capability 7.5 and newer; a V100 is 7.0.
        var verdicts = NvrtcChoice.Choose([Nvrtc("/wheels/libnvrtc.so.13", 13, 0, 75, 80, 90, 100, 120), Nvrtc("/usr/local/cuda-12.4/lib64/libnvrtc.so.12", 12, 4, 50, 70, 75, 80, 90)],
            deviceArchitecture: 70, driverVersion: 13000);

        Assert.Equal(2, verdicts.Count);
        Assert.False(verdicts[0].Usable);
        Assert.Contains("7.5 and newer, not for this GPU's 7.0", verdicts[0].Reason);
        Assert.Equal(new KernelTarget(70, Cubin: true), verdicts[1].Target);
    }

    [Fact]
    public void An_NVRTC_newer_in_minor_version_than_the_driver_is_used_for_CUBIN_but_not_for_PTX()
    {
        // PyTorch's NVRTC 12.8 on a 12.4 driver: machine code for an H100 loads; PTX for a GPU it does not know would not.
        var wheel = Nvrtc("/venv/nvidia/cuda_nvrtc/lib/libnvrtc.so.12", 12, 8, 75, 80, 90, 100, 120);

        var hopper = NvrtcChoice.Judge(wheel, deviceArchitecture: 90, driverVersion: 12040);
        var unknown = NvrtcChoice.Judge(wheel, deviceArchitecture: 121, driverVersion: 12040);
        var newerMajor = NvrtcChoice.Judge(Nvrtc("/x/libnvrtc.so.13", 13, 0, 75, 90), deviceArchitecture: 90, driverVersion: 12040);

        Assert.Equal(new KernelTarget(90, Cubin: true), hopper.Target);
        Assert.Contains("CUBIN", hopper.Reason);
        Assert.False(unknown.Usable);
        Assert.Contains("PTX is newer than the driver's CUDA 12.4", unknown.Reason);
        Assert.False(newerMajor.Usable);
        Assert.Contains("newer major version", newerMajor.Reason);
    }

    [Fact]
    public void A_file_that_is_not_a_loadable_NVRTC_is_passed_over_saying_so()
    {
        string folder = Touch("broken/libnvrtc.so.12");

        var candidate = Assert.Single(NvrtcChoice.Probe([Path.Combine(folder, "broken/libnvrtc.so.12")]));
        var verdict = NvrtcChoice.Judge(candidate, 90, 12040);

        Assert.False(verdict.Usable);
        Assert.Contains("did not load", verdict.Reason);
    }

    private static NvrtcCandidate Nvrtc(string path, int major, int minor, params int[] architectures) =>
        new(path, new NvrtcInfo(new Version(major, minor), architectures), null);

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    // Creates empty files under the temporary root; returns the path of the first one's top folder.
    private string Touch(params string[] files)
    {
        foreach (var file in files)
        {
            string path = Path.Combine(_root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "");
        }
        return Path.Combine(_root, files[0].Split('/')[0]);
    }
}
