using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// Max pooling over square windows of each channel. The paper's windows overlap (3×3 moved by 2,
/// section 3.4: 0.4% lower top-1 error than non-overlapping 2×2 windows).
/// <para>Shapes: x [N, C, H, W] → y [N, C, OH, OW], OH = (H − K + 2P)/S + 1.</para>
/// </summary>
public sealed class MaxPool2d : Layer
{
    private Tensor? _input;   // the backward pass finds each window's winner again in x

    /// <summary>Creates the layer.</summary>
    /// <param name="backend">where it computes</param>
    /// <param name="name">e.g. <c>pool1</c></param>
    /// <param name="pooling">window, stride and padding</param>
    public MaxPool2d(IBackend backend, string name, Pooling pooling)
        : base(backend, name)
    {
        pooling.Validate();
        Pooling = pooling;
    }

    /// <summary>Window, stride and padding.</summary>
    public Pooling Pooling { get; }

    public override string Description =>
        $"MaxPool2d {Pooling.Kernel}x{Pooling.Kernel} /{Pooling.Stride}" + (Pooling.Padding != 0 ? $" pad {Pooling.Padding}" : "");

    public override Shape OutputShape(Shape input)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"{Name}: expects images [N, C, H, W] but got {input}.");
        }
        try
        {
            return new Shape(input.N, input.C, Pooling.OutputSize(input.H), Pooling.OutputSize(input.W));
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException($"{Name}: {error.Message}", error);
        }
    }

    public override string? SizeArithmetic(Shape input)
    {
        var output = OutputShape(input);
        return OutputSizeRule.Format(input.H, input.W, Pooling.Kernel, Pooling.Padding, Pooling.Stride, output.H, output.W);
    }

    public override SlidingWindow? Window => new(Pooling.Kernel, Pooling.Stride);

    // y = the largest x of each window
    public override Tensor Forward(Tensor input)
    {
        var output = OutputTensor(CheckInput(input));
        _input = input;
        Backend.MaxPool2dForward(input, Pooling, output);
        return output;
    }

    // dx = dy routed to each window's (first) maximum, summed where windows overlap
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        CheckOutputGradient(outputGradient);
        if (!computeInputGradient)
        {
            return null;
        }
        var input = _input!;
        var inputGradient = InputGradientTensor(input.Shape);
        Backend.MaxPool2dBackward(input, outputGradient, Pooling, inputGradient);
        return inputGradient;
    }

    /// <summary>
    /// The backward of <paramref name="relu"/> and this layer in one pass (<see cref="Sequential"/> calls it
    /// when a ReLU feeds this pool): dy routed to each window's maximum, and kept only where that maximum
    /// is &gt; 0 — the two backwards without writing and re-reading the gradient between them.
    /// </summary>
    /// <param name="outputGradient">dy, the gradient of this layer's output</param>
    /// <param name="relu">the layer whose output was this layer's input</param>
    /// <returns>the gradient of the ReLU's input</returns>
    public Tensor BackwardThroughRelu(Tensor outputGradient, ReLU relu)
    {
        ArgumentNullException.ThrowIfNull(relu);
        CheckOutputGradient(outputGradient);
        var input = _input!;
        if (!ReferenceEquals(relu.Output, input))
        {
            throw new InvalidOperationException($"{Name}: its last input was not the output of {relu.Name}, so their backwards cannot be fused.");
        }
        var inputGradient = InputGradientTensor(input.Shape);
        Backend.MaxPool2dReluBackward(input, outputGradient, Pooling, inputGradient);
        return inputGradient;
    }
}
