using System.Globalization;
using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// Local response normalization across channels (the paper's section 3.3): each activation is
/// divided by (k + α·Σ a²)^β over the n neighbouring channels at the same position — "lateral
/// inhibition", so strongly responding maps damp their neighbours. The constants use the paper's
/// convention; see <see cref="LocalResponseNorm"/> for the conversion from Caffe's and PyTorch's alpha/n.
/// <para>Shapes: x [N, C, H, W] → y of the same shape.</para>
/// </summary>
public sealed class LocalResponseNormalization : Layer
{
    private Tensor? _input;   // the backward pass needs both x and y

    /// <summary>Creates the layer.</summary>
    /// <param name="backend">where it computes</param>
    /// <param name="name">e.g. <c>norm1</c></param>
    /// <param name="settings">window n, α (paper convention), β, k; the paper's are <see cref="LocalResponseNorm.Paper"/></param>
    public LocalResponseNormalization(IBackend backend, string name, LocalResponseNorm settings)
        : base(backend, name)
    {
        settings.Validate();
        Settings = settings;
    }

    /// <summary>Window size, α (paper convention), β and k.</summary>
    public LocalResponseNorm Settings { get; }

    public override string Description => string.Create(CultureInfo.InvariantCulture,
        $"LRN n={Settings.Size} alpha={Settings.Alpha:G4} beta={Settings.Beta:G4} k={Settings.K:G4}");

    public override Shape OutputShape(Shape input) => input.Rank == 4
        ? input
        : throw new ArgumentException($"{Name}: expects images [N, C, H, W] but got {input}.");

    // y[c] = x[c] / (k + α·Σ_{j near c} x[j]²)^β
    public override Tensor Forward(Tensor input)
    {
        var output = OutputTensor(CheckInput(input));
        _input = input;
        Backend.LrnForward(input, Settings, output);
        return output;
    }

    // dx[c] = dy[c]·s[c]^−β − 2αβ·x[c]·Σ_{j: c near j} dy[j]·y[j]/s[j]
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        var output = CheckOutputGradient(outputGradient);
        if (!computeInputGradient)
        {
            return null;
        }
        var input = _input!;
        var inputGradient = InputGradientTensor(input.Shape);
        Backend.LrnBackward(input, output, outputGradient, Settings, inputGradient);
        return inputGradient;
    }
}
