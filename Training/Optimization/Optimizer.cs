using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Tensors;

using AlexNet.Training.Run;

namespace AlexNet.Training.Optimization;

/// <summary>
/// Updates a model's parameters from their accumulated gradients, through the backend's fused
/// update ops. Its per-parameter state (SGD's velocity, Adam's and AdamW's moments) lives on the backend and is
/// saved in checkpoints under <c>optimizer.SLOT.PARAMETER</c>, so a resumed run continues exactly.
/// </summary>
public sealed class Optimizer : IDisposable
{
    private readonly IBackend _backend;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Tensor[][] _slots; // per parameter: [velocity] for SGD, [m, v] for Adam and AdamW
    private readonly float[] _rateScales;

    /// <summary>Creates the optimizer over <paramref name="parameters"/> (a frozen parameter is simply left out).</summary>
    /// <param name="settings">which optimizer and its constants</param>
    /// <param name="parameters">the parameters it updates</param>
    /// <param name="backend">where its state lives</param>
    /// <param name="rateScales">per parameter, the factor on the learning rate (fine-tuning's <c>--features-lr-scale</c>); null: 1 for all</param>
    public Optimizer(OptimizerSettings settings, IReadOnlyList<Parameter> parameters, IBackend backend, IReadOnlyList<float>? rateScales = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(backend);
        if (rateScales is not null && (rateScales.Count != parameters.Count || !rateScales.All(s => s > 0 && float.IsFinite(s))))
        {
            throw new ArgumentException($"{rateScales.Count} learning-rate scales for {parameters.Count} parameters; expected one positive scale for each.", nameof(rateScales));
        }
        Settings = settings.Validated();
        _backend = backend;
        _parameters = parameters;
        _rateScales = rateScales is null ? [.. parameters.Select(_ => 1f)] : [.. rateScales];
        SlotNames = settings.Kind is OptimizerKind.Adam or OptimizerKind.AdamW ? ["m", "v"] : ["velocity"];
        _slots = [.. parameters.Select(p => SlotNames.Select(slot => backend.Allocate(p.Shape, $"optimizer.{slot}.{p.Name}")).ToArray())];
    }

    public OptimizerSettings Settings { get; }

    /// <summary>The names of the per-parameter state tensors: <c>velocity</c>, or <c>m</c> and <c>v</c>.</summary>
    public IReadOnlyList<string> SlotNames { get; }

    /// <summary>Updates taken so far (Adam's and AdamW's t; saved in checkpoints).</summary>
    public int Steps { get; set; }

    /// <summary>Every state tensor with its checkpoint name.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> State =>
        _parameters.SelectMany((p, i) => SlotNames.Select((slot, s) => ($"optimizer.{slot}.{p.Name}", _slots[i][s])));

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/> to every parameter.</summary>
    public void Step(double learningRate)
    {
        Steps++;
        for (int i = 0; i < _parameters.Count; i++)
        {
            var parameter = _parameters[i];
            float lr = (float)(learningRate * _rateScales[i]);
            bool decayed = parameter.Kind == ParameterKind.Weight || (parameter.Kind == ParameterKind.Bias && Settings.DecayBiases);
            float decay = decayed ? (float)Settings.WeightDecay : 0f;
            if (Settings.Kind == OptimizerKind.AdamW)
            {
                // Decoupled: λ·w joins the step inside the op, the gradient stays the loss's own.
                _backend.AdamWUpdate(parameter.Gradient, lr, (float)Settings.Beta1, (float)Settings.Beta2, (float)Settings.Epsilon, decay, Steps,
                    _slots[i][0], _slots[i][1], parameter.Value);
            }
            else if (Settings.Kind == OptimizerKind.Adam)
            {
                // L2 regularization as Keras adds it, inside the op: the gradient of (decay/2)·w² is decay·w.
                _backend.AdamUpdate(parameter.Gradient, lr, (float)Settings.Beta1, (float)Settings.Beta2, (float)Settings.Epsilon, decay, Steps,
                    _slots[i][0], _slots[i][1], parameter.Value);
            }
            else
            {
                _backend.SgdMomentumUpdate(parameter.Gradient, lr, (float)Settings.Momentum, decay, _slots[i][0], parameter.Value);
            }
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _slots.SelectMany(s => s))
        {
            tensor.Dispose();
        }
    }
}
