using System.Diagnostics;
using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// What a parameter does, so a trainer can treat kinds differently: the paper applies weight decay to
/// every parameter, Caffe's AlexNet recipes to weights only, and nobody decays batch norm's scale
/// and shift.
/// </summary>
public enum ParameterKind
{
    /// <summary>Convolution kernels and dense weight matrices.</summary>
    Weight,

    /// <summary>Biases added after a convolution or a dense layer.</summary>
    Bias,

    /// <summary>Batch norm's γ, which multiplies the normalized value.</summary>
    Scale,

    /// <summary>Batch norm's β, which is added to the normalized value.</summary>
    Shift,
}

/// <summary>
/// A trainable tensor and its gradient, owned by one layer and named after it (<c>conv1.weight</c>).
/// The gradient accumulates across backward passes until <see cref="ZeroGradient"/> (the rule of
/// <see cref="IBackend"/>), so several batches can be summed before an update.
/// </summary>
[DebuggerDisplay("{Name,nq} {Shape} {Kind}")]
public sealed class Parameter : IDisposable
{
    /// <summary>
    /// Allocates the value and a zero gradient on <paramref name="backend"/>. The value is zero until
    /// <see cref="Initialize"/> or a checkpoint fills it.
    /// </summary>
    /// <param name="backend">where the tensors live</param>
    /// <param name="name">unique within a model, e.g. <c>conv1.weight</c>; also picks the random stream</param>
    /// <param name="kind">what the parameter does</param>
    /// <param name="shape">the value's shape</param>
    /// <param name="initializer">how <see cref="Initialize"/> draws the starting values</param>
    /// <param name="fanIn">inputs feeding one output unit (C/groups·KH·KW for a convolution, I for a dense layer)</param>
    /// <param name="fanOut">outputs one input unit feeds (O/groups·KH·KW, or O), as Keras' Glorot counts them</param>
    public Parameter(IBackend backend, string name, ParameterKind kind, Shape shape, Initializer initializer, int fanIn, int fanOut)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(initializer);
        Backend = backend;
        Name = name;
        Kind = kind;
        Initializer = initializer;
        FanIn = fanIn;
        FanOut = fanOut;
        Value = backend.Allocate(shape, name);
        Gradient = backend.Allocate(shape, "d" + name);
    }

    /// <summary>The backend holding <see cref="Value"/> and <see cref="Gradient"/>.</summary>
    public IBackend Backend { get; }

    /// <summary>The layer's name and the parameter's role: <c>conv1.weight</c>, <c>bn6.gamma</c>.</summary>
    public string Name { get; }

    /// <summary>What the parameter does.</summary>
    public ParameterKind Kind { get; }

    /// <summary>The value's (and the gradient's) shape.</summary>
    public Shape Shape => Value.Shape;

    /// <summary>The number of scalars.</summary>
    public int Length => Value.Length;

    /// <summary>How <see cref="Initialize"/> draws the starting values.</summary>
    public Initializer Initializer { get; }

    /// <summary>Inputs feeding one output unit.</summary>
    public int FanIn { get; }

    /// <summary>Outputs one input unit feeds.</summary>
    public int FanOut { get; }

    /// <summary>The trainable values.</summary>
    public Tensor Value { get; }

    /// <summary>dLoss/dValue, accumulated by backward passes.</summary>
    public Tensor Gradient { get; }

    /// <summary>
    /// Draws the starting values on the host from (<paramref name="seed"/>, this parameter's name) and
    /// uploads them: the same seed gives the same weights on every backend and in any layer order.
    /// </summary>
    public void Initialize(ulong seed)
    {
        var values = new float[Length];
        Initializer.Fill(values, FanIn, FanOut, seed, HostRandom.StreamOf(Name));
        Backend.Upload(values, Value);
    }

    /// <summary>Sets the gradient to zero, before a new batch accumulates into it.</summary>
    public void ZeroGradient() => Backend.Fill(0f, Gradient);

    public void Dispose()
    {
        Value.Dispose();
        Gradient.Dispose();
    }

    public override string ToString() => $"{Name} {Shape} {Kind}";
}
