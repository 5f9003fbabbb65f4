using System.Text;

namespace AlexNet.Backends.Cuda;

/// <summary>
/// Every kernel the backend launches. The entry point in the .cu file is the name in snake_case
/// (<see cref="Kernel.ReluForward"/> is <c>relu_forward</c>); <see cref="KernelCatalog"/> says
/// which file holds it.
/// </summary>
internal enum Kernel
{
    Scale,
    Axpy,
    ReluForward,
    ReluBackward,
    BiasForward,
    BiasReluForward,
    BiasBackward,
    DenseBiasBackward,
    Im2colForward,
    Im2colBackward,
    MaxpoolForward,
    MaxpoolBackward,
    LrnForward,
    LrnBackward,
    DropoutForward,
    DropoutBackward,
    SoftmaxForward,
    SoftmaxCrossEntropyForward,
    SoftmaxCrossEntropyLoss,
    SoftmaxCrossEntropyBackward,
    SoftTargetCrossEntropyForward,
    SoftTargetCrossEntropyBackward,
    TopkForward,
    BatchnormStatistics,
    BatchnormForward,
    BatchnormInferenceForward,
    BatchnormBackwardReduce,
    BatchnormBackward,
    SgdMomentumUpdate,
    AdamUpdate,
    AdamwUpdate,
}

/// <summary>One kernel source file and the entry points it defines.</summary>
internal sealed record KernelFile(string Name, Kernel[] Kernels);

/// <summary>
/// The CUDA C sources embedded in this assembly (<c>Cuda/Kernels/</c>): which file defines which
/// kernel, the shared headers, and the sources' text. NVRTC compiles each file on its own; the
/// emulator includes them all in one translation unit.
/// </summary>
internal static class KernelCatalog
{
    private const string ResourcePrefix = "AlexNet.Kernels/";

    /// <summary>The kernel files, each with the entry points it must define.</summary>
    public static readonly IReadOnlyList<KernelFile> Files =
    [
        new("elementwise.cu", [Kernel.Scale, Kernel.Axpy]),
        new("relu.cu", [Kernel.ReluForward, Kernel.ReluBackward]),
        new("bias.cu", [Kernel.BiasForward, Kernel.BiasReluForward, Kernel.BiasBackward, Kernel.DenseBiasBackward]),
        new("im2col.cu", [Kernel.Im2colForward, Kernel.Im2colBackward]),
        new("pooling.cu", [Kernel.MaxpoolForward, Kernel.MaxpoolBackward]),
        new("lrn.cu", [Kernel.LrnForward, Kernel.LrnBackward]),
        new("dropout.cu", [Kernel.DropoutForward, Kernel.DropoutBackward]),
        new("softmax.cu", [Kernel.SoftmaxForward, Kernel.SoftmaxCrossEntropyForward, Kernel.SoftmaxCrossEntropyLoss,
            Kernel.SoftmaxCrossEntropyBackward, Kernel.SoftTargetCrossEntropyForward, Kernel.SoftTargetCrossEntropyBackward, Kernel.TopkForward]),
        new("batchnorm.cu", [Kernel.BatchnormStatistics, Kernel.BatchnormForward, Kernel.BatchnormInferenceForward,
            Kernel.BatchnormBackwardReduce, Kernel.BatchnormBackward]),
        new("optimizers.cu", [Kernel.SgdMomentumUpdate, Kernel.AdamUpdate, Kernel.AdamwUpdate]),
    ];

    /// <summary>Headers the kernel files include, given to NVRTC by name.</summary>
    public static readonly IReadOnlyList<string> Headers = ["common.cuh", "philox.cuh"];

    /// <summary>
    /// The kernels that combine values across a block with <c>block_sum</c> / <c>block_max</c>
    /// (common.cuh): they call <c>__syncthreads</c>, must be launched with exactly
    /// <see cref="CudaBackend.ReductionThreads"/> threads per block, and the emulator runs their
    /// threads concurrently (it runs every other kernel's threads one after another).
    /// </summary>
    public static readonly IReadOnlySet<Kernel> Synchronizing = new HashSet<Kernel>
    {
        Kernel.BiasBackward,
        Kernel.SoftmaxForward,
        Kernel.SoftmaxCrossEntropyForward,
        Kernel.SoftmaxCrossEntropyLoss,
        Kernel.SoftTargetCrossEntropyForward,
        Kernel.SoftTargetCrossEntropyBackward,
        Kernel.BatchnormStatistics,
        Kernel.BatchnormBackwardReduce,
    };

    /// <summary>The emulator's own sources (<c>Kernels/emulation/</c>), compiled by g++ only.</summary>
    public static readonly IReadOnlyList<string> EmulationSources = ["emulation/cuda_emulation.h", "emulation/launcher.cpp"];

    private static readonly string[] Names = Enum.GetValues<Kernel>().Select(ToSnakeCase).ToArray();

    /// <summary>The <c>extern "C"</c> entry point of a kernel, e.g. <c>relu_forward</c>.</summary>
    public static string EntryName(Kernel kernel) => Names[(int)kernel];

    /// <summary>The text of an embedded source, by its path under <c>Cuda/Kernels/</c> (e.g. <c>relu.cu</c>).</summary>
    public static string Read(string path)
    {
        using var stream = typeof(KernelCatalog).Assembly.GetManifestResourceStream(ResourcePrefix + path)
            ?? throw new InvalidOperationException($"The kernel source {path} is not embedded in {typeof(KernelCatalog).Assembly.GetName().Name}; " +
                $"embedded are: {string.Join(", ", AllSourcePaths())}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Every embedded source path, kernels, headers and emulation files alike.</summary>
    public static IEnumerable<string> AllSourcePaths() =>
        typeof(KernelCatalog).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(name => name[ResourcePrefix.Length..])
            .Order(StringComparer.Ordinal);

    private static string ToSnakeCase(Kernel kernel)
    {
        var text = new StringBuilder();
        foreach (char c in kernel.ToString())
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
