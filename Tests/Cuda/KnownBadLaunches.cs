using AlexNet.Backends;
using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Tests.Backends;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// Mistakes a CUDA launch can make — a wrong grid, a wrong block size, swapped arguments, a wrong
/// GEMM stride — seeded into the emulated backend one at a time, to show the backend-equivalence
/// suite catches each of them. Each broken backend is a test backend that no theory lists
/// (<see cref="TestBackends"/>); the tests below run one unchanged property on it and expect it to fail.
/// </summary>
public class KnownBadLaunches
{
    /// <summary>One seeded mistake: the test backend name it is registered under, and how to break a launch or a GEMM.</summary>
    internal sealed record Fault(string Name, Func<Kernel, Dim3, Dim3, KernelArgument[], (Dim3, Dim3, KernelArgument[])>? Launch = null,
        Func<GemmCall, GemmCall>? Gemm = null)
    {
        public IBackend Create() => new CudaBackend(new FaultyDevice(new EmulatedDevice(EmulatorLibrary.ForBackend, mode: EmulatorMode.Deferred), this));
    }

    /// <summary>Every seeded mistake; <see cref="TestBackends"/> registers each as an unlisted test backend.</summary>
    internal static readonly Fault[] All =
    [
        // im2col's height and width arguments swapped: both ints, so only the values can tell.
        new("bad:im2col-swapped-height-width", Launch: (kernel, grid, block, a) =>
            kernel == Kernel.Im2colForward ? (grid, block, Swap(a, 3, 4)) : (grid, block, a)),
        // The per-channel bias reduction launched with half the blocks (one per channel is needed).
        new("bad:bias-gradient-half-grid", Launch: (kernel, grid, block, a) =>
            kernel == Kernel.BiasBackward ? (new Dim3((grid.X + 1) / 2), block, a) : (grid, block, a)),
        // The softmax reduction launched with 128 threads where block_sum expects 256.
        new("bad:softmax-half-block", Launch: (kernel, grid, block, a) =>
            kernel == Kernel.SoftmaxForward ? (grid, new Dim3(block.X / 2), a) : (grid, block, a)),
        // max-pool's backward with the input and the output gradient swapped: both pointers.
        new("bad:maxpool-backward-swapped-pointers", Launch: (kernel, grid, block, a) =>
            kernel == Kernel.MaxpoolBackward ? (grid, block, Swap(a, 0, 1)) : (grid, block, a)),
        // A strided-batched GEMM that writes every image's output to the first image's place.
        new("bad:gemm-output-stride-zero", Gemm: call => call.BatchCount > 1 ? call with { StrideC = 0 } : call),
    ];

    [Fact]
    public void Swapped_int_arguments_of_im2col_fail_the_exact_im2col_test() =>
        ExpectCaught("bad:im2col-swapped-height-width", name => new DataMovementTests().Im2Col_equals_the_reference_exactly(name), "Im2Col columns");

    [Fact]
    public void A_reduction_grid_with_too_few_blocks_fails_the_bias_gradient_property() =>
        ExpectCaught("bad:bias-gradient-half-grid", name => new ConvolutionProperties().Conv2dBackwardBias_accumulates_the_reference(name), "Conv2dBackwardBias dBias");

    [Fact]
    public void A_reduction_block_of_the_wrong_size_fails_the_softmax_property() =>
        ExpectCaught("bad:softmax-half-block", name => new SoftmaxProperties().Softmax_and_cross_entropy_match_the_reference(name), "Softmax");

    [Fact]
    public void Swapped_pointer_arguments_fail_the_max_pool_routing_test() =>
        ExpectCaught("bad:maxpool-backward-swapped-pointers", name => new DataMovementTests().MaxPool2dBackward_routes_each_gradient_to_the_first_maximum(name), "MaxPool2dBackward dx");

    [Fact]
    public void A_wrong_batch_stride_in_a_GEMM_fails_the_convolution_property() =>
        ExpectCaught("bad:gemm-output-stride-zero", name => new ConvolutionProperties().Conv2dForward_matches_the_reference(name), "Conv2dForward y");

    private static void ExpectCaught(string fault, Action<string> property, string expected)
    {
        CudaTools.RequireEmulator();
        var error = Assert.ThrowsAny<Exception>(() => property(fault));
        Assert.Contains(expected, error.Message);
    }

    private static KernelArgument[] Swap(KernelArgument[] arguments, int i, int j)
    {
        var swapped = (KernelArgument[])arguments.Clone();
        (swapped[i], swapped[j]) = (swapped[j], swapped[i]);
        return swapped;
    }

    /// <summary>An <see cref="ICudaDevice"/> that passes everything to another, except the launches and GEMMs its fault rewrites.</summary>
    private sealed class FaultyDevice(ICudaDevice inner, Fault fault) : ForwardingDevice(inner)
    {
        public override string Name => $"cuda-emulated ({fault.Name})";

        public override void Launch(Kernel kernel, Dim3 grid, Dim3 block, ReadOnlySpan<KernelArgument> arguments)
        {
            var (g, b, a) = fault.Launch is null ? (grid, block, arguments.ToArray()) : fault.Launch(kernel, grid, block, arguments.ToArray());
            Inner.Launch(kernel, g, b, a);
        }

        public override void Gemm(in GemmCall call) => Inner.Gemm(fault.Gemm is null ? call : fault.Gemm(call));
    }
}
