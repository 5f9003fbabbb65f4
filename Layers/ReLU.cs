using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// The rectified linear unit, y = max(0, x), elementwise — the paper's non-linearity after every
/// convolution and hidden dense layer (section 3.1: six times faster to train than tanh).
/// <para>Shapes: any → the same. Computed out of place, so the previous layer's output stays
/// visible in the debugger.</para>
/// </summary>
public sealed class ReLU(IBackend backend, string name) : Layer(backend, name)
{
    public override string Description => "ReLU";

    public override Shape OutputShape(Shape input) => input;

    // y = max(0, x)
    public override Tensor Forward(Tensor input)
    {
        var output = OutputTensor(CheckInput(input));
        Backend.ReluForward(input, output);
        return output;
    }

    /// <summary>
    /// The output tensor of this step when the layer before computes the ReLU for it (a fused forward,
    /// <see cref="Conv2d.ForwardThroughRelu"/>): recorded as this layer's output, so Backward works as usual.
    /// </summary>
    internal Tensor OutputForFusedForward(Shape shape) => OutputTensor(OutputShape(shape));

    // dx = dy where y > 0, else 0 (the backward pass needs only the output)
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        var output = CheckOutputGradient(outputGradient);
        if (!computeInputGradient)
        {
            return null;
        }
        var inputGradient = InputGradientTensor(output.Shape);
        Backend.ReluBackward(output, outputGradient, inputGradient);
        return inputGradient;
    }
}
