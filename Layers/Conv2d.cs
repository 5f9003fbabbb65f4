using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// A 2-D convolution (cross-correlation, as every deep-learning library computes it) with square
/// kernels: y[n, o] = bias[o] + Σ over the input channels of o's group and the K×K window of
/// weight[o, c, i, j] · x[n, c, oh·S − P + i, ow·S − P + j]. With groups = 2 the channels split into
/// two halves that never see each other — the paper's two GPUs.
/// <para>Shapes: x [N, C, H, W] → y [N, O, OH, OW], OH = (H − K + 2P)/S + 1; weight [O, C/groups, K, K]; bias [O].</para>
/// </summary>
public sealed class Conv2d : Layer
{
    private Tensor? _input;   // the backward pass needs x for dWeight

    /// <summary>Creates the layer and allocates its parameters (zero until initialized).</summary>
    /// <param name="backend">where it computes</param>
    /// <param name="name">e.g. <c>conv1</c>; parameters are <c>conv1.weight</c> and <c>conv1.bias</c></param>
    /// <param name="inChannels">C</param>
    /// <param name="outChannels">O</param>
    /// <param name="kernelSize">K</param>
    /// <param name="convolution">stride, padding and groups</param>
    /// <param name="weightInitializer">how weights start; PyTorch's default when null</param>
    /// <param name="biasInitializer">how biases start; PyTorch's default when null</param>
    public Conv2d(IBackend backend, string name, int inChannels, int outChannels, int kernelSize, Convolution convolution,
        Initializer? weightInitializer = null, Initializer? biasInitializer = null)
        : base(backend, name)
    {
        convolution.Validate();
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1)
        {
            throw new ArgumentException($"{name}: channels and kernel size must be at least 1 (got {inChannels} -> {outChannels}, kernel {kernelSize}).");
        }
        if (inChannels % convolution.Groups != 0 || outChannels % convolution.Groups != 0)
        {
            throw new ArgumentException($"{name}: {convolution.Groups} groups must divide both the {inChannels} input and the {outChannels} output channels.");
        }
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Convolution = convolution;
        int area = kernelSize * kernelSize;
        int fanIn = inChannels / convolution.Groups * area;
        int fanOut = outChannels / convolution.Groups * area;
        Weight = new Parameter(backend, name + ".weight", ParameterKind.Weight,
            new Shape(outChannels, inChannels / convolution.Groups, kernelSize, kernelSize),
            weightInitializer ?? Initializer.PyTorchDefault, fanIn, fanOut);
        Bias = new Parameter(backend, name + ".bias", ParameterKind.Bias, new Shape(outChannels),
            biasInitializer ?? Initializer.PyTorchDefault, fanIn, fanOut);
    }

    /// <summary>C, the input channels.</summary>
    public int InChannels { get; }

    /// <summary>O, the output channels (the number of filters).</summary>
    public int OutChannels { get; }

    /// <summary>K, the kernel's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>Stride, padding and groups.</summary>
    public Convolution Convolution { get; }

    /// <summary>[O, C/groups, K, K]</summary>
    public Parameter Weight { get; }

    /// <summary>[O]</summary>
    public Parameter Bias { get; }

    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    public override string Description =>
        $"Conv2d {InChannels}->{OutChannels} {KernelSize}x{KernelSize}"
        + (Convolution.Stride != 1 ? $" /{Convolution.Stride}" : "")
        + (Convolution.Padding != 0 ? $" pad {Convolution.Padding}" : "")
        + (Convolution.Groups != 1 ? $" groups {Convolution.Groups}" : "");

    public override Shape OutputShape(Shape input)
    {
        if (input.Rank != 4 || input.C != InChannels)
        {
            throw new ArgumentException($"{Name}: expects images [N, {InChannels}, H, W] but got {input}.");
        }
        int height = Size(input.H), width = Size(input.W);
        return new Shape(input.N, OutChannels, height, width);
    }

    public override long MultiplyAccumulates(Shape input)
    {
        var output = OutputShape(input);
        return (long)output.ItemLength * (InChannels / Convolution.Groups) * KernelSize * KernelSize;
    }

    public override string? SizeArithmetic(Shape input)
    {
        var output = OutputShape(input);
        return OutputSizeRule.Format(input.H, input.W, KernelSize, Convolution.Padding, Convolution.Stride, output.H, output.W);
    }

    public override SlidingWindow? Window => new(KernelSize, Convolution.Stride);

    // y = conv(x, weight) + bias
    public override Tensor Forward(Tensor input)
    {
        var output = OutputTensor(CheckInput(input));
        _input = input;
        Backend.Conv2dForward(input, Weight.Value, Bias.Value, Convolution, output);
        return output;
    }

    /// <summary>
    /// This layer's forward and then <paramref name="relu"/>'s, as one op (<see cref="IBackend.Conv2dReluForward"/>):
    /// y = max(0, conv(x, weight) + bias), written once into the ReLU's output. The convolution's own output
    /// before the ReLU is never stored, so afterwards this layer's <see cref="Layer.Output"/> is the ReLU's.
    /// <see cref="Sequential.Forward"/> calls this when a ReLU follows; each layer's Backward is unchanged.
    /// </summary>
    public Tensor ForwardThroughRelu(Tensor input, ReLU relu)
    {
        ArgumentNullException.ThrowIfNull(relu);
        var output = relu.OutputForFusedForward(CheckInput(input));
        _input = input;
        SetOutput(output);
        Backend.Conv2dReluForward(input, Weight.Value, Bias.Value, Convolution, output);
        return output;
    }

    // dWeight += Σ_n dy ⋆ x, dBias += Σ dy, dx = dy convolved back through the weights
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        CheckOutputGradient(outputGradient);
        var input = _input!;
        Backend.Conv2dBackwardFilter(input, outputGradient, Convolution, Weight.Gradient);
        Backend.Conv2dBackwardBias(outputGradient, Bias.Gradient);
        if (!computeInputGradient)
        {
            return null;
        }
        var inputGradient = InputGradientTensor(input.Shape);
        Backend.Conv2dBackwardData(outputGradient, Weight.Value, Convolution, inputGradient);
        return inputGradient;
    }

    private int Size(int inputSize)
    {
        try
        {
            return Convolution.OutputSize(inputSize, KernelSize);
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException($"{Name}: {error.Message}", error);
        }
    }
}
