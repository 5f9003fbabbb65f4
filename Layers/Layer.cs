using System.Diagnostics;
using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// One step of a network, with its forward pass and, next to it, its backward pass. A layer
/// <list type="bullet">
/// <item>computes only through its <see cref="Backend"/> (<see cref="IBackend"/>), so it runs on any backend;</item>
/// <item>owns its parameters (value and gradient), its non-trainable state and its output and
/// input-gradient tensors, which it allocates on its backend and reuses from step to step while the
/// shape stays the same (a smaller last batch reallocates them);</item>
/// <item>caches exactly what its backward pass needs from the last forward pass.</item>
/// </list>
/// The tensor a layer returns is overwritten by its next call: copy it if you need to keep it.
/// Shapes are validated up front, and a mismatch is reported with the layer's name and both shapes.
/// </summary>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
public abstract class Layer : IDisposable
{
    private Tensor? _output;          // what the last forward pass returned
    private Tensor? _ownedOutput;     // the output tensor this layer allocated (reused across steps)
    private Tensor? _inputGradient;

    /// <summary>Creates a layer that computes on <paramref name="backend"/>.</summary>
    /// <param name="backend">where the layer's tensors live and its work runs</param>
    /// <param name="name">unique within a model; names parameters and state (<c>conv1</c> → <c>conv1.weight</c>)</param>
    protected Layer(IBackend backend, string name)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Backend = backend;
        Name = name;
    }

    /// <summary>The backend every tensor of this layer lives on.</summary>
    public IBackend Backend { get; }

    /// <summary>The layer's name, e.g. <c>conv1</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// Training mode (the default) or inference mode. Only <see cref="Dropout"/> and
    /// <see cref="BatchNorm"/> behave differently; <see cref="Sequential.IsTraining"/> switches every layer.
    /// </summary>
    public bool IsTraining { get; set; } = true;

    /// <summary>What the layer is, with its settings, e.g. <c>Conv2d 3->96 11x11 /4</c>.</summary>
    public abstract string Description { get; }

    /// <summary>The trainable parameters, in a fixed order.</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Non-trainable tensors a checkpoint must save (batch norm's running statistics).</summary>
    public virtual IReadOnlyList<StateTensor> Buffers => [];

    /// <summary>Integers a checkpoint must save (dropout's seed and mask count).</summary>
    public virtual IReadOnlyList<StateCounter> Counters => [];

    /// <summary>The output of the last forward pass (overwritten by the next), or null before the first.</summary>
    public Tensor? Output => _output;

    /// <summary>
    /// The output shape for an input of shape <paramref name="input"/>, without computing anything;
    /// throws, naming the layer and the shapes, when the input does not fit.
    /// </summary>
    public abstract Shape OutputShape(Shape input);

    /// <summary>Multiply-accumulates of one forward pass for one image (convolutions and dense layers; 0 elsewhere).</summary>
    /// <param name="input">the input shape, batch included</param>
    public virtual long MultiplyAccumulates(Shape input) => 0;

    /// <summary>
    /// How the output size follows from the input, as the (W − F + 2P)/S + 1 rule reads for this
    /// layer, e.g. <c>(227 - 11 + 2*0)/4 + 1 = 55</c>; null where the size does not change.
    /// </summary>
    /// <param name="input">the input shape, batch included</param>
    public virtual string? SizeArithmetic(Shape input) => null;

    /// <summary>
    /// The square window this layer slides over its input (convolution and pooling), for the
    /// receptive-field arithmetic; null for layers that look at one position at a time.
    /// </summary>
    public virtual SlidingWindow? Window => null;

    /// <summary>Runs the layer on <paramref name="input"/> and returns its output (owned by the layer).</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>
    /// Backpropagates <paramref name="outputGradient"/> (dLoss/dOutput of the last forward pass): adds
    /// the parameter gradients to <see cref="Parameter.Gradient"/> and returns dLoss/dInput (owned by the
    /// layer), or null when <paramref name="computeInputGradient"/> is false — the first layer of a
    /// model needs no gradient for the images, and skipping it saves a whole convolution.
    /// </summary>
    public abstract Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true);

    /// <summary>
    /// Sets the starting state from <paramref name="seed"/>: each parameter from its initializer and
    /// name, and whatever else the layer resets (running statistics, dropout's stream).
    /// </summary>
    public virtual void Initialize(ulong seed)
    {
        foreach (var parameter in Parameters)
        {
            parameter.Initialize(seed);
        }
    }

    /// <summary>Zeroes every parameter gradient.</summary>
    public void ZeroGradients()
    {
        foreach (var parameter in Parameters)
        {
            parameter.ZeroGradient();
        }
    }

    /// <summary>Frees the layer's tensors.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{Name}: {Description}";

    /// <summary>Frees parameters, state and the reused output and gradient tensors.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        foreach (var parameter in Parameters)
        {
            parameter.Dispose();
        }
        foreach (var buffer in Buffers)
        {
            buffer.Value.Dispose();
        }
        _ownedOutput?.Dispose();
        _inputGradient?.Dispose();
    }

    /// <summary>
    /// Checks that <paramref name="input"/> lives on this layer's backend and fits the layer, and
    /// returns the output shape.
    /// </summary>
    protected Shape CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!ReferenceEquals(input.Device, Backend))
        {
            throw new ArgumentException($"{Name}: the input {input.Describe()} lives on another device than the layer ({Backend.Name}).", nameof(input));
        }
        return OutputShape(input.Shape);
    }

    /// <summary>
    /// Checks that <paramref name="outputGradient"/> matches the last forward pass's output and returns
    /// that output.
    /// </summary>
    protected Tensor CheckOutputGradient(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var output = _output ?? throw new InvalidOperationException($"{Name}: Backward was called before Forward.");
        if (outputGradient.Shape != output.Shape)
        {
            throw new ArgumentException($"{Name}: the output gradient {outputGradient.Describe()} must have the forward output's shape {output.Shape}.", nameof(outputGradient));
        }
        return output;
    }

    /// <summary>The output tensor for this step: the previous one when the shape is unchanged, else a new one.</summary>
    protected Tensor OutputTensor(Shape shape) => _output = Reuse(ref _ownedOutput, shape, Name + ".output");

    /// <summary>The input-gradient tensor for this step, reused like <see cref="OutputTensor"/>.</summary>
    protected Tensor InputGradientTensor(Shape shape) => Reuse(ref _inputGradient, shape, Name + ".dInput");

    /// <summary>
    /// Records <paramref name="output"/> as this step's output when a layer returns a tensor it did not
    /// allocate with <see cref="OutputTensor"/> (a view, or its input passed through).
    /// </summary>
    protected void SetOutput(Tensor output) => _output = output;

    /// <summary>A scratch tensor of this layer, reused like <see cref="OutputTensor"/>.</summary>
    protected Tensor Reuse(ref Tensor? tensor, Shape shape, string name)
    {
        if (tensor is null || tensor.Shape != shape)
        {
            tensor?.Dispose();
            tensor = Backend.Allocate(shape, name);
        }
        return tensor;
    }

    private string DebuggerDisplay => _output is null
        ? $"{Name}: {Description} (not run yet)"
        : $"{Name}: {Description} -> {_output.Shape}";
}
