// TrainingStep: one training step (zero, forward, loss, backward, update) for train and bench; InferenceStep.cs is forward only.

using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Training.Optimization;

namespace AlexNet.Training.Loop;

/// <summary>The loss and top-1 count of one training step over <see cref="Count"/> images.</summary>
/// <param name="Loss">the batch's mean cross-entropy; diverging (DivergenceWatch) when the step diverged (then nothing was updated)</param>
/// <param name="Correct">images whose most probable class was their label, before the update</param>
/// <param name="Count">images in the batch</param>
public readonly record struct StepResult(float Loss, int Correct, int Count);

/// <summary>The parts of a training step, in order, for an <see cref="IStepProbe"/>.</summary>
public enum StepPhase
{
    /// <summary>The gradients were zeroed.</summary>
    ZeroGradients,

    /// <summary>One layer's forward pass finished.</summary>
    LayerForward,

    /// <summary>The loss, its gradient dLogits and the top-1 classes were computed.</summary>
    Loss,

    /// <summary>One layer's backward pass finished.</summary>
    LayerBackward,

    /// <summary>The optimizer updated every parameter.</summary>
    Update,
}

/// <summary>Watches a training step part by part (<c>bench --layers</c> times each part with it).</summary>
public interface IStepProbe
{
    /// <summary>Called when <paramref name="phase"/> has been issued; <paramref name="layer"/> is the layer's index for the layer phases, else −1.</summary>
    void After(StepPhase phase, int layer);
}

/// <summary>
/// One training step, written once and used by <c>train</c> and <c>bench --train</c>: zero the
/// gradients, forward, softmax cross-entropy, backward, optimizer update. Besides the batch going up
/// (<see cref="DeviceBatch.Load(Data.Batch, bool)"/>), only the loss and each image's top-1 class come back from the
/// backend. A non-finite loss returns before the update, so the weights stay those of the last good step.
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly SoftmaxCrossEntropy _loss;
    private Tensor? _top1;
    private float[] _top1Values = [];

    /// <param name="model">the network, in any mode (the step switches it to training mode)</param>
    /// <param name="optimizer">over the model's parameters</param>
    public TrainingStep(Sequential model, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        Model = model;
        Optimizer = optimizer;
        _loss = new SoftmaxCrossEntropy(model.Backend);
    }

    public Sequential Model { get; }

    public Optimizer Optimizer { get; }

    /// <summary>Trains on one batch.</summary>
    /// <param name="batch">loaded with its labels</param>
    /// <param name="learningRate">this epoch's rate</param>
    /// <param name="probe">told when each part has been issued, or null</param>
    public StepResult Run(DeviceBatch batch, double learningRate, IStepProbe? probe = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var backend = Model.Backend;
        Model.IsTraining = true;
        Model.ZeroGradients();
        probe?.After(StepPhase.ZeroGradients, -1);
        var logits = Model.Forward(batch.Images, AfterLayer(probe, StepPhase.LayerForward));
        Span<float> loss = stackalloc float[1];
        // Read at once: a NaN, infinite or exploding loss (DivergenceWatch) stops the step before it touches the weights.
        backend.Download(_loss.Forward(logits, batch.LabelTensor), loss);
        if (DivergenceWatch.IsDiverging(loss[0], (int)(logits.Length / batch.Count)))
        {
            return new StepResult(loss[0], 0, batch.Count);
        }
        var top1 = Reuse(batch.Count);
        backend.TopK(_loss.Probabilities!, 1, top1);
        var dLogits = _loss.Backward();
        probe?.After(StepPhase.Loss, -1);
        Model.Backward(dLogits, AfterLayer(probe, StepPhase.LayerBackward));
        // Here, between backward and update, a data-parallel run would average each gradient over its workers (all-reduce).
        Optimizer.Step(learningRate);
        probe?.After(StepPhase.Update, -1);
        backend.Download(top1, _top1Values);
        return new StepResult(loss[0], Scoring.CountCorrect(_top1Values, batch.Labels), batch.Count);
    }

    private static Action<int>? AfterLayer(IStepProbe? probe, StepPhase phase) => probe is null ? null : layer => probe.After(phase, layer);

    private Tensor Reuse(int count)
    {
        if (_top1 is null || _top1.Shape.N != count)
        {
            _top1?.Dispose();
            _top1 = null;
            _top1 = Model.Backend.Allocate(new Shape(count, 1), "top1");
            _top1Values = new float[count];
        }
        return _top1;
    }

    public void Dispose()
    {
        _top1?.Dispose();
        _loss.Dispose();
    }
}
