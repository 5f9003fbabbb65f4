using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.ModelParallel;

/// <summary>One place where activations cross between the two devices, and how many floats per image go each way.</summary>
/// <param name="After">the layer whose output crosses (or the input)</param>
/// <param name="What">what crosses</param>
/// <param name="ForwardFloats">floats per image, both directions together, in the forward pass</param>
/// <param name="BackwardFloats">floats per image in the backward pass (the gradients going back)</param>
public sealed record Crossing(string After, string What, long ForwardFloats, long BackwardFloats);

/// <summary>
/// The paper's two-GPU network (Figure 2), as a teaching mode: a single-device network split
/// across two devices the way Krizhevsky split AlexNet across two GTX 580s. Each device holds half
/// the kernels of every layer: conv2, conv4 and conv5 (groups = 2) are exactly the two devices'
/// halves and need nothing from the other; conv1 (whose input, the image, both devices receive),
/// conv3 and the dense layers read all of the previous layer's maps, so there the halves cross.
/// <para>
/// The split network computes what the single-device one computes — the same logits and gradients
/// up to float rounding — so two differences from the paper's are made explicit: our LRN windows
/// span the middle of the channels, so each device borrows the other's Size/2 border maps at norm1
/// and norm2 (the paper's GPUs normalized within their own half); and dropout, which draws one
/// mask over the whole layer, runs on the gathered activations on both devices. See
/// <see cref="Crossings"/> for what moves where.
/// </para>
/// </summary>
public sealed partial class TwoDeviceNetwork : IDisposable
{
    private readonly List<Stage> _stages = [];
    private readonly ChannelHalves _halves = new();
    private readonly Shape _inputShape;
    private readonly Tensor?[] _inputs = new Tensor?[2];
    private Tensor? _logits;

    /// <summary>Splits <paramref name="source"/> (its architecture and current weights) over two devices.</summary>
    /// <exception cref="NotSupportedException">a layer has no two-device form here (batch norm of whole activations, groups other than 1 or 2, odd channel counts)</exception>
    public TwoDeviceNetwork(Sequential source, IBackend device0, IBackend device1)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        Devices = [device0, device1];
        _inputShape = source.InputShape;
        bool split = false; // false: each device holds the whole activation; true: each holds its half of the channels
        var shape = new Shape(1, source.InputShape[0], source.InputShape[1], source.InputShape[2]);
        var crossings = new List<Crossing>();
        string previous = "input";
        foreach (var layer in source.Layers)
        {
            bool needsWhole = layer is Dense or Dropout or Flatten || (layer is Conv2d { Convolution.Groups: 1 });
            if (split && needsWhole)
            {
                long floats = shape.Length; // each device receives the other's half
                _stages.Add(new Gather(this, shape));
                crossings.Add(new Crossing(previous, $"{shape.C} {(shape.Rank == 4 ? "maps" : "features")} gathered: each device sends its half to the other", floats, floats));
                split = false;
            }
            Stage stage = layer switch
            {
                Conv2d conv => SplitConvolution(conv, split),
                Dense dense => SplitDense(dense),
                LocalResponseNormalization lrn when split => new HaloLrn(this, lrn, shape),
                BatchNorm norm when split => SplitBatchNorm(norm),
                ReLU or MaxPool2d or LocalResponseNormalization or Dropout or Flatten => new OnEach(this, layer),
                _ => throw new NotSupportedException($"{layer.Name} ({layer.Description}) has no two-device form in this teaching mode."),
            };
            _stages.Add(stage);
            if (stage is HaloLrn halo)
            {
                crossings.Add(new Crossing(layer.Name, $"{halo.Halo} border maps each way, for the LRN windows that span the middle", 2L * halo.Halo * (shape.Length / shape.C), 2L * halo.Halo * (shape.Length / shape.C)));
            }
            split |= layer is Conv2d or Dense;
            shape = layer.OutputShape(shape);
            previous = layer.Name;
        }
        if (split)
        {
            _stages.Add(new Gather(this, shape));
            crossings.Add(new Crossing(previous, $"the {shape.C} logits, gathered for the loss", shape.Length, shape.Length));
        }
        Crossings = crossings;
    }

    /// <summary>The single-device network this one was split from.</summary>
    public Sequential Source { get; }

    /// <summary>The two devices.</summary>
    public IReadOnlyList<IBackend> Devices { get; }

    /// <summary>Where activations cross, with floats per image; the layer doc draws them.</summary>
    public IReadOnlyList<Crossing> Crossings { get; }

    /// <summary>Floats that crossed between the devices so far (forward and backward passes).</summary>
    public long FloatsMoved => _halves.FloatsMoved;

    /// <summary>Every layer of both devices, device 0's first at each stage.</summary>
    public IEnumerable<Layer> Layers => _stages.SelectMany(s => s.Layers);

    /// <summary>Training or inference mode, on both devices.</summary>
    public bool IsTraining
    {
        set
        {
            foreach (var layer in Layers)
            {
                layer.IsTraining = value;
            }
        }
    }

    /// <summary>Runs a batch of images [N, C, H, W] (host values, sent to both devices); returns the logits [N, classes] on device 0.</summary>
    public Tensor Forward(ReadOnlySpan<float> images, int count)
    {
        var shape = new Shape(count, _inputShape[0], _inputShape[1], _inputShape[2]);
        var values = images.ToArray();
        // The host gives each device the batch, as in the paper; nothing crosses between the devices.
        Tensor?[] x = [ChannelHalves.Write(Devices[0], ref _inputs[0], shape, values, "images"), ChannelHalves.Write(Devices[1], ref _inputs[1], shape, values, "images")];
        foreach (var stage in _stages)
        {
            x = stage.Forward(x!);
        }
        _logits = x[0];
        return _logits!;
    }

    /// <summary>Runs a batch already on device 0 (read back and given to both devices); returns the logits on device 0.</summary>
    public Tensor Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Forward(ChannelHalves.Read(images), images.Shape[0]);
    }

    /// <summary>Backpropagates dLoss/dLogits (on device 0), adding to every half's parameter gradients.</summary>
    public void Backward(Tensor logitsGradient)
    {
        ArgumentNullException.ThrowIfNull(logitsGradient);
        Tensor?[] dy = [logitsGradient, null];
        for (int i = _stages.Count - 1; i >= 0; i--)
        {
            dy = _stages[i].Backward(dy, computeInputGradient: i > 0);
        }
    }

    /// <summary>Zeroes every gradient on both devices.</summary>
    public void ZeroGradients()
    {
        foreach (var layer in Layers)
        {
            layer.ZeroGradients();
        }
    }

    /// <summary>
    /// Training through the split with the single-device model as the record: writes the halves'
    /// gradients into <see cref="Source"/>'s parameters (where its optimizer updates them), and
    /// the batch norms' running statistics into its buffers and the dropout layers' mask counts into
    /// its counters (which checkpoints save, and validation on the single device uses).
    /// </summary>
    public void GradientsToSource()
    {
        foreach (var parameter in Source.Parameters)
        {
            Source.Backend.Upload(Assemble(parameter.Name, gradient: true), parameter.Gradient);
        }
        foreach (var halves in _stages.OfType<Halves>())
        {
            halves.BuffersToSource();
        }
        foreach (var (dropout, copy) in Source.Layers.OfType<Dropout>().Zip(_stages.OfType<OnEach>().SelectMany(s => s.Layers.Take(1)).OfType<Dropout>()))
        {
            dropout.Offset.Value = copy.Offset.Value;
        }
    }

    /// <summary>Copies <see cref="Source"/>'s current weights into the halves (after its optimizer's update).</summary>
    public void WeightsFromSource()
    {
        foreach (var halves in _stages.OfType<Halves>())
        {
            halves.Load();
        }
    }

    /// <summary>
    /// The values (or gradients) of the single-device parameter <paramref name="name"/>, put together
    /// from the two halves: what the single-device network holds, to compare or to save.
    /// </summary>
    public float[] Assemble(string name, bool gradient)
    {
        var parts = _stages.OfType<Halves>().Select(h => h.Assemble(name, gradient)).FirstOrDefault(p => p is not null);
        return parts ?? throw new KeyNotFoundException($"No layer of the two-device network holds {name}.");
    }

    public void Dispose()
    {
        foreach (var stage in _stages)
        {
            stage.Dispose();
        }
        _inputs[0]?.Dispose();
        _inputs[1]?.Dispose();
    }

    private Halves SplitConvolution(Conv2d conv, bool inputSplit)
    {
        int groups = conv.Convolution.Groups;
        if (groups is not (1 or 2) || conv.OutChannels % 2 != 0 || (groups == 2 && !inputSplit))
        {
            throw new NotSupportedException($"{conv.Name}: the two-device split takes convolutions with groups 1 (reading every map) or 2 (one group per device, after a split layer) and an even number of kernels.");
        }
        int outHalf = conv.OutChannels / 2, inPerDevice = groups == 2 ? conv.InChannels / 2 : conv.InChannels;
        var convolution = conv.Convolution with { Groups = 1 };
        return new Halves(this, conv, [.. Enumerable.Range(0, 2).Select(d =>
            (Layer)new Conv2d(Devices[d], conv.Name, inPerDevice, outHalf, conv.KernelSize, convolution, Initializer.Zeros, Initializer.Zeros, bias: conv.Bias is not null))],
            [outHalf, outHalf]);
    }

    // Batch norm is per channel: each device normalizes its own half of the maps, and nothing crosses.
    private Halves SplitBatchNorm(BatchNorm norm)
    {
        int half = norm.Channels / 2;   // the convolution before it has an even number of kernels
        return new Halves(this, norm, [.. Enumerable.Range(0, 2).Select(d =>
            (Layer)new BatchNorm(Devices[d], norm.Name, half, norm.Momentum, norm.Epsilon))], [half, half]);
    }

    private Halves SplitDense(Dense dense)
    {
        int first = (dense.OutFeatures + 1) / 2;
        int[] outputs = [first, dense.OutFeatures - first];
        return new Halves(this, dense, [.. Enumerable.Range(0, 2).Select(d =>
            (Layer)new Dense(Devices[d], dense.Name, dense.InFeatures, outputs[d], Initializer.Zeros, Initializer.Zeros))], outputs);
    }

    /// <summary>A step of the network on both devices: what each holds goes in, what each holds comes out.</summary>
    private abstract class Stage(TwoDeviceNetwork network) : IDisposable
    {
        protected TwoDeviceNetwork Network { get; } = network;

        public abstract IEnumerable<Layer> Layers { get; }

        public abstract Tensor?[] Forward(Tensor?[] x);

        public abstract Tensor?[] Backward(Tensor?[] dy, bool computeInputGradient);

        public virtual void Dispose()
        {
        }
    }

    /// <summary>The same layer on each device, on what that device holds (its half, or the whole).</summary>
    private sealed class OnEach : Stage
    {
        private readonly Layer[] _layers;

        public OnEach(TwoDeviceNetwork network, Layer layer)
            : base(network)
        {
            _layers = [.. network.Devices.Select(device => Copy(layer, device))];
        }

        public override IEnumerable<Layer> Layers => _layers;

        public override Tensor?[] Forward(Tensor?[] x) => [_layers[0].Forward(x[0]!), _layers[1].Forward(x[1]!)];

        public override Tensor?[] Backward(Tensor?[] dy, bool computeInputGradient) =>
            [_layers[0].Backward(dy[0]!, computeInputGradient), _layers[1].Backward(dy[1]!, computeInputGradient)];

        public override void Dispose()
        {
            foreach (var layer in _layers)
            {
                layer.Dispose();
            }
        }

        private static Layer Copy(Layer layer, IBackend device)
        {
            switch (layer)
            {
                case ReLU:
                    return new ReLU(device, layer.Name);
                case MaxPool2d pool:
                    return new MaxPool2d(device, layer.Name, pool.Pooling);
                case LocalResponseNormalization lrn:
                    return new LocalResponseNormalization(device, layer.Name, lrn.Settings);
                case Flatten:
                    return new Flatten(device, layer.Name);
                case Dropout dropout:
                    // The same key and count on both devices: the mask the single-device layer would draw.
                    var copy = new Dropout(device, layer.Name, dropout.Probability);
                    copy.Seed.Value = dropout.Seed.Value;
                    copy.Offset.Value = dropout.Offset.Value;
                    return copy;
                default:
                    throw new NotSupportedException($"{layer.Name} cannot be copied to a second device.");
            }
        }
    }
}
