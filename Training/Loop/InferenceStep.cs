// InferenceStep: one inference-mode forward pass and its softmax, for evaluate, predict, visualize, validation and bench.

using AlexNet.Layers;
using AlexNet.Tensors;

namespace AlexNet.Training.Loop;

/// <summary>
/// One forward pass in inference mode (dropout passes its input on, batch norm uses its running
/// statistics), used by <c>evaluate</c>, <c>predict</c>, <c>visualize</c>, the validation of every
/// training epoch and <c>bench --inference</c>. The training-mode counterpart is <see cref="TrainingStep"/>.
/// </summary>
public sealed class InferenceStep(Sequential model) : IDisposable
{
    private Tensor? _probabilities;

    /// <summary>The model being run.</summary>
    public Sequential Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>The logits [N, K] of <paramref name="batch"/>, left on the backend (each layer's output stays readable too).</summary>
    /// <param name="batch">loaded with or without its labels</param>
    /// <param name="probe">told when each layer's forward pass has been issued (<c>bench --layers</c>), or null</param>
    public Tensor Forward(DeviceBatch batch, IStepProbe? probe = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Model.IsTraining = false;
        return Model.Forward(batch.Images, probe is null ? null : layer => probe.After(StepPhase.LayerForward, layer));
    }

    /// <summary>softmax(logits) of <paramref name="batch"/>, downloaded: N rows of K probabilities, the one copy back to the host.</summary>
    public float[] Probabilities(DeviceBatch batch)
    {
        var logits = Forward(batch);
        if (_probabilities is null || _probabilities.Shape != logits.Shape)
        {
            _probabilities?.Dispose();
            _probabilities = null;
            _probabilities = Model.Backend.Allocate(logits.Shape, "probabilities");
        }
        Model.Backend.Softmax(logits, _probabilities);
        return _probabilities.ToArray();
    }

    public void Dispose() => _probabilities?.Dispose();
}
