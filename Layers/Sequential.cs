using System.Diagnostics;
using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// A network that runs its layers one after another — every AlexNet variant is one. It exposes all
/// parameters and state (for optimizers and checkpoints), switches every layer between training and
/// inference mode, zeroes gradients, and initializes everything from one seed.
/// <para>
/// To watch a forward pass, set a breakpoint on the <c>layer.Forward</c> line of <see cref="Forward"/>:
/// each iteration shows the layer (its name and output shape) and its <c>output</c> tensor (shape,
/// statistics, first values).
/// </para>
/// </summary>
[DebuggerDisplay("{Name,nq}: {Layers.Count} layers, input [N, {InputShape.C}, {InputShape.H}, {InputShape.W}]")]
public sealed class Sequential : IDisposable
{
    private bool _isTraining = true;
    private int _frozenLayers;

    /// <summary>Creates the model; the layers' shapes are checked against each other here.</summary>
    /// <param name="name">e.g. <c>alexnet</c></param>
    /// <param name="inputShape">one image's shape, [C, H, W]</param>
    /// <param name="layers">in order; unique names, one backend</param>
    public Sequential(string name, Shape inputShape, IEnumerable<Layer> layers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(layers);
        Name = name;
        Layers = [.. layers];
        if (inputShape.Rank != 3)
        {
            throw new ArgumentException($"{name}: the input shape is one image's [C, H, W], but {inputShape} was given.", nameof(inputShape));
        }
        if (Layers.Count == 0)
        {
            throw new ArgumentException($"{name}: a model needs at least one layer.", nameof(layers));
        }
        InputShape = inputShape;
        Backend = Layers[0].Backend;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in Layers)
        {
            if (!names.Add(layer.Name))
            {
                throw new ArgumentException($"{name}: two layers are named '{layer.Name}'; names must be unique (they name the parameters in checkpoints).", nameof(layers));
            }
            if (!ReferenceEquals(layer.Backend, Backend))
            {
                throw new ArgumentException($"{name}: layer {layer.Name} computes on {layer.Backend.Name}, but {Layers[0].Name} on {Backend.Name}; all layers must share one backend.", nameof(layers));
            }
        }
        Parameters = [.. Layers.SelectMany(layer => layer.Parameters)];
        Buffers = [.. Layers.SelectMany(layer => layer.Buffers)];
        Counters = [.. Layers.SelectMany(layer => layer.Counters)];
        OutputShape(1);
    }

    /// <summary>The model's name, e.g. <c>alexnet</c>.</summary>
    public string Name { get; }

    /// <summary>One image's shape, [C, H, W]: [3, 227, 227] for the paper's network.</summary>
    public Shape InputShape { get; }

    /// <summary>The backend all layers compute on.</summary>
    public IBackend Backend { get; }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>Every trainable parameter, layer by layer.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Every non-trainable state tensor (batch norm's running statistics).</summary>
    public IReadOnlyList<StateTensor> Buffers { get; }

    /// <summary>Every integer of state (dropout's seeds and mask counts).</summary>
    public IReadOnlyList<StateCounter> Counters { get; }

    /// <summary>The number of trainable scalars.</summary>
    public long ParameterCount => Parameters.Sum(parameter => (long)parameter.Length);

    /// <summary>
    /// Training mode (the default: dropout drops, batch norm uses batch statistics) or inference mode
    /// (dropout passes through, batch norm uses its running statistics). Setting it sets every layer.
    /// </summary>
    public bool IsTraining
    {
        get => _isTraining;
        set
        {
            _isTraining = value;
            foreach (var layer in Layers)
            {
                layer.IsTraining = value;
            }
        }
    }

    /// <summary>The layer called <paramref name="name"/>.</summary>
    public Layer this[string name] => Layers.FirstOrDefault(layer => layer.Name == name)
        ?? throw new KeyNotFoundException($"{Name} has no layer '{name}'; its layers are {string.Join(", ", Layers.Select(layer => layer.Name))}.");

    /// <summary>The output shape for a batch of <paramref name="batchSize"/> images: [N, classes].</summary>
    public Shape OutputShape(int batchSize)
    {
        var shape = new Shape(batchSize, InputShape[0], InputShape[1], InputShape[2]);
        foreach (var layer in Layers)
        {
            shape = layer.OutputShape(shape);
        }
        return shape;
    }

    /// <summary>Runs every layer in order on a batch of images [N, C, H, W] and returns the last layer's output (the logits).</summary>
    /// <param name="images">[N, C, H, W]</param>
    /// <param name="afterLayer">called with each layer's index once its forward pass is issued (a profiler's clock), or null</param>
    public Tensor Forward(Tensor images, Action<int>? afterLayer = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var shape = images.Shape;
        if (shape.Rank != 4 || shape.C != InputShape[0] || shape.H != InputShape[1] || shape.W != InputShape[2])
        {
            throw new ArgumentException(
                $"{Name} expects images [N, {InputShape[0]}, {InputShape[1]}, {InputShape[2]}] but got {images.Describe()}.", nameof(images));
        }
        Tensor x = images;
        for (int i = 0; i < Layers.Count; i++)
        {
            Layer layer = Layers[i];
            if (FusesForward(i))
            {
                // Convolution or dense layer, then ReLU: both forwards in one op, y written once.
                var relu = (ReLU)Layers[i + 1];
                x = layer is Conv2d conv ? conv.ForwardThroughRelu(x, relu) : ((Dense)layer).ForwardThroughRelu(x, relu);
                afterLayer?.Invoke(i);
                afterLayer?.Invoke(++i);
                continue;
            }
            Tensor output = layer.Forward(x);
            afterLayer?.Invoke(i);
            x = output;
        }
        return x;
    }

    /// <summary>
    /// Whether <see cref="FuseForward"/> and the layers make <see cref="Forward"/> run layer
    /// <paramref name="index"/> together with the ReLU after it (a <see cref="Conv2d"/> or <see cref="Dense"/>).
    /// </summary>
    public bool FusesForward(int index) =>
        FuseForward && index + 1 < Layers.Count && Layers[index] is Conv2d or Dense && Layers[index + 1] is ReLU;

    /// <summary>
    /// Whether <see cref="Forward"/> fuses a <see cref="Conv2d"/> or <see cref="Dense"/> with the
    /// <see cref="ReLU"/> after it (<see cref="Conv2d.ForwardThroughRelu"/>): one pass over the output
    /// instead of two. On by default; off, every layer's own Forward runs, and the convolution's output
    /// before the ReLU stays visible in its <see cref="Layer.Output"/> (the explorer and <c>visualize</c>
    /// show it). The outputs are the same either way.
    /// </summary>
    public bool FuseForward { get; set; } = true;

    /// <summary>
    /// The number of leading layers that are frozen (fine-tuning's <c>--freeze features</c>): the backward
    /// pass stops above them, so they get no gradients and cost nothing. 0 (the default) trains every layer.
    /// </summary>
    public int FrozenLayers
    {
        get => _frozenLayers;
        set
        {
            if (value < 0 || value >= Layers.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name}: between 0 and {Layers.Count - 1} of its {Layers.Count} layers can be frozen.");
            }
            _frozenLayers = value;
        }
    }

    /// <summary>
    /// Backpropagates dLoss/dLogits through every layer in reverse (down to the first that is not
    /// frozen), adding to each parameter's gradient. The lowest layer reached skips its input's
    /// gradient, which nothing needs.
    /// </summary>
    /// <param name="outputGradient">dLoss/dLogits [N, K]</param>
    /// <param name="afterLayer">called with each layer's index once its backward pass is issued, or null</param>
    public void Backward(Tensor outputGradient, Action<int>? afterLayer = null)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Tensor? gradient = outputGradient;
        for (int i = Layers.Count - 1; i >= _frozenLayers; i--)
        {
            Layer layer = Layers[i];
            if (FuseBackward && layer is MaxPool2d pool && i - 1 > _frozenLayers && Layers[i - 1] is ReLU relu)
            {
                // ReLU then max-pool: both backwards in one pass over the gradient, so the ReLU's is done too.
                gradient = pool.BackwardThroughRelu(gradient!, relu);
                afterLayer?.Invoke(i);
                afterLayer?.Invoke(--i);
                continue;
            }
            Tensor? inputGradient = layer.Backward(gradient!, computeInputGradient: i > _frozenLayers);
            afterLayer?.Invoke(i);
            gradient = inputGradient;
        }
    }

    /// <summary>
    /// Whether <see cref="Backward"/> fuses layer pairs whose backwards one pass can do (a
    /// <see cref="ReLU"/> followed by a <see cref="MaxPool2d"/>: <see cref="MaxPool2d.BackwardThroughRelu"/>).
    /// On by default; off, every layer's own Backward runs, which is easier to step through. The
    /// gradients are the same either way.
    /// </summary>
    public bool FuseBackward { get; set; } = true;

    /// <summary>Zeroes every parameter gradient (before accumulating the next batch's).</summary>
    public void ZeroGradients()
    {
        foreach (var layer in Layers)
        {
            layer.ZeroGradients();
        }
    }

    /// <summary>
    /// Sets every parameter from its initializer with numbers drawn from <paramref name="seed"/> and its
    /// name, resets batch norm's running statistics, and restarts every dropout stream: the same seed
    /// gives the same model on every backend.
    /// </summary>
    public void Initialize(ulong seed)
    {
        foreach (var layer in Layers)
        {
            layer.Initialize(seed);
        }
    }

    public void Dispose()
    {
        foreach (var layer in Layers)
        {
            layer.Dispose();
        }
    }

    public override string ToString() => $"{Name} ({Layers.Count} layers, {ParameterCount:N0} parameters)";
}
