using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// Turns each image's feature maps into one vector, in C, H, W order (as PyTorch flattens NCHW;
/// Keras flattens NHWC, so weights do not transfer row for row). No values move: the output is a
/// reshaped view of the input, and the gradient a view of the output gradient.
/// <para>Shapes: x [N, C, H, W] → y [N, C·H·W].</para>
/// </summary>
public sealed class Flatten(IBackend backend, string name) : Layer(backend, name)
{
    private Tensor? _input;
    private Tensor? _view;           // of _input, kept while the input tensor is the same
    private Tensor? _gradient;
    private Tensor? _gradientView;   // of _gradient

    public override string Description => "Flatten";

    public override Shape OutputShape(Shape input) => input.Rank >= 2
        ? new Shape(input.N, input.ItemLength)
        : throw new ArgumentException($"{Name}: expects a batch [N, ...] of at least two dimensions but got {input}.");

    public override string? SizeArithmetic(Shape input)
    {
        var output = OutputShape(input);
        return input.Rank > 2 ? string.Join("*", input.ToArray().Skip(1)) + $" = {output.C}" : null;
    }

    // y = x viewed as [N, C·H·W]
    public override Tensor Forward(Tensor input)
    {
        var shape = CheckInput(input);
        if (!ReferenceEquals(input, _input) || _view is null)
        {
            _input = input;
            _view = input.Reshape(shape, Name + ".output");
        }
        SetOutput(_view);
        return _view;
    }

    // dx = dy viewed as [N, C, H, W]
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        CheckOutputGradient(outputGradient);
        if (!computeInputGradient)
        {
            return null;
        }
        if (!ReferenceEquals(outputGradient, _gradient) || _gradientView is null || _gradientView.Shape != _input!.Shape)
        {
            _gradient = outputGradient;
            _gradientView = outputGradient.Reshape(_input!.Shape, Name + ".dInput");
        }
        return _gradientView;
    }
}
