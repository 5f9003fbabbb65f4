namespace AlexNet.Backends.Cuda;

/// <summary>
/// Finding which kernel failed. Kernels run asynchronously, so a kernel's fault (an illegal address,
/// say) surfaces at the next synchronization, with no name attached. <c>ALEXNET_CUDA_SYNC=1</c> —
/// or NVIDIA's <c>CUDA_LAUNCH_BLOCKING=1</c>, which users already know — makes the backend wait
/// after every launch, so the error names the kernel, its grid and its block. Slow; for debugging.
/// </summary>
internal static class LaunchDebugging
{
    /// <summary>The variable to name in advice.</summary>
    public const string Variable = "ALEXNET_CUDA_SYNC=1";

    /// <summary>Whether the environment asks for a wait after every launch.</summary>
    public static bool SynchronizeEachLaunch(Func<string, string?> environment) =>
        IsOn(environment("ALEXNET_CUDA_SYNC")) || IsOn(environment("CUDA_LAUNCH_BLOCKING"));

    private static bool IsOn(string? value) =>
        value?.Trim() is { Length: > 0 } text && text != "0" && !text.Equals("false", StringComparison.OrdinalIgnoreCase);
}
