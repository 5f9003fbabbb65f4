using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// A fully connected layer: y = x·Wᵀ + b. AlexNet's fc6, fc7 and fc8 hold 58.6 of its 61 million
/// parameters but only 8% of its multiply-accumulates.
/// <para>Shapes: x [N, I] → y [N, O]; weight [O, I]; bias [O].</para>
/// </summary>
public sealed class Dense : Layer
{
    private Tensor? _input;   // the backward pass needs x for dWeight

    /// <summary>Creates the layer and allocates its parameters (zero until initialized).</summary>
    /// <param name="backend">where it computes</param>
    /// <param name="name">e.g. <c>fc6</c>; parameters are <c>fc6.weight</c> and <c>fc6.bias</c></param>
    /// <param name="inFeatures">I</param>
    /// <param name="outFeatures">O</param>
    /// <param name="weightInitializer">how weights start; PyTorch's default when null</param>
    /// <param name="biasInitializer">how biases start; PyTorch's default when null</param>
    public Dense(IBackend backend, string name, int inFeatures, int outFeatures,
        Initializer? weightInitializer = null, Initializer? biasInitializer = null)
        : base(backend, name)
    {
        if (inFeatures < 1 || outFeatures < 1)
        {
            throw new ArgumentException($"{name}: feature counts must be at least 1 (got {inFeatures} -> {outFeatures}).");
        }
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter(backend, name + ".weight", ParameterKind.Weight, new Shape(outFeatures, inFeatures),
            weightInitializer ?? Initializer.PyTorchDefault, inFeatures, outFeatures);
        Bias = new Parameter(backend, name + ".bias", ParameterKind.Bias, new Shape(outFeatures),
            biasInitializer ?? Initializer.PyTorchDefault, inFeatures, outFeatures);
    }

    /// <summary>I, the input features.</summary>
    public int InFeatures { get; }

    /// <summary>O, the output features.</summary>
    public int OutFeatures { get; }

    /// <summary>[O, I]</summary>
    public Parameter Weight { get; }

    /// <summary>[O]</summary>
    public Parameter Bias { get; }

    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    public override string Description => $"Dense {InFeatures}->{OutFeatures}";

    public override Shape OutputShape(Shape input) => input.Rank == 2 && input.C == InFeatures
        ? new Shape(input.N, OutFeatures)
        : throw new ArgumentException($"{Name}: expects [N, {InFeatures}] but got {input}.");

    public override long MultiplyAccumulates(Shape input)
    {
        OutputShape(input);
        return (long)InFeatures * OutFeatures;
    }

    // y = x·Wᵀ + b
    public override Tensor Forward(Tensor input)
    {
        var output = OutputTensor(CheckInput(input));
        _input = input;
        Backend.DenseForward(input, Weight.Value, Bias.Value, output);
        return output;
    }

    /// <summary>
    /// This layer's forward and then <paramref name="relu"/>'s, as one op (<see cref="IBackend.DenseReluForward"/>):
    /// y = max(0, x·Wᵀ + b), written once into the ReLU's output; as <see cref="Conv2d.ForwardThroughRelu"/>.
    /// </summary>
    public Tensor ForwardThroughRelu(Tensor input, ReLU relu)
    {
        ArgumentNullException.ThrowIfNull(relu);
        var output = relu.OutputForFusedForward(CheckInput(input));
        _input = input;
        SetOutput(output);
        Backend.DenseReluForward(input, Weight.Value, Bias.Value, output);
        return output;
    }

    // dx = dy·W; dW += dyᵀ·x; db += Σ_n dy
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        CheckOutputGradient(outputGradient);
        var input = _input!;
        var inputGradient = computeInputGradient ? InputGradientTensor(input.Shape) : null;
        Backend.DenseBackward(input, Weight.Value, outputGradient, inputGradient, Weight.Gradient, Bias.Gradient);
        return inputGradient;
    }
}
