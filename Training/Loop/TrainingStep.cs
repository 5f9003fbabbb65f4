// TrainingStep: one training step (zero, forward, loss, backward, update) for train and bench; InferenceStep.cs is forward only.

using AlexNet.Layers;
using AlexNet.Layers.ModelParallel;
using AlexNet.Tensors;
using AlexNet.Training.Distributed;
using AlexNet.Training.Optimization;

namespace AlexNet.Training.Loop;

/// <summary>The loss and top-1 count of one training step over <see cref="Count"/> images.</summary>
/// <param name="Loss">the batch's mean cross-entropy (against the soft targets when the batch has them); diverging (DivergenceWatch) when the step diverged (then nothing was updated)</param>
/// <param name="Correct">images whose most probable class was their label (a mixed image's dominant label), before the update</param>
/// <param name="Count">images in the batch</param>
/// <param name="Stop">data-parallel: some rank was asked to stop, so every rank stops after this step</param>
public readonly record struct StepResult(float Loss, int Correct, int Count, bool Stop = false);

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

    /// <summary>
    /// Data-parallel training (null: one process): the batch is this rank's shard, the ranks agree on
    /// the loss before backward, and the gradients are averaged between backward and the update.
    /// </summary>
    public DataParallel? Parallel { get; set; }

    /// <summary>
    /// The paper's two-device split (<c>--model-parallel 2</c>; null: one device): forward and backward
    /// run through it, the gradients come back to <see cref="Model"/> for its optimizer, and the halves take the new weights.
    /// </summary>
    public TwoDeviceNetwork? Split { get; set; }

    /// <summary>Trains on one batch.</summary>
    /// <param name="batch">loaded with its labels</param>
    /// <param name="learningRate">this epoch's rate</param>
    /// <param name="probe">told when each part has been issued, or null</param>
    /// <param name="stopRequested">this process was asked to stop (data-parallel: told to the other ranks)</param>
    public StepResult Run(DeviceBatch batch, double learningRate, IStepProbe? probe = null, bool stopRequested = false)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var backend = Model.Backend;
        Model.IsTraining = true;
        Model.ZeroGradients();
        Split?.ZeroGradients();
        probe?.After(StepPhase.ZeroGradients, -1);
        var logits = Split is null ? Model.Forward(batch.Images, AfterLayer(probe, StepPhase.LayerForward)) : Split.Forward(batch.Images);
        Span<float> loss = stackalloc float[1];
        // Read at once: a NaN, infinite or exploding loss (DivergenceWatch) stops the step before it touches the weights.
        // Soft targets (label smoothing, mixup, cutmix) when the batch has them, else the integer labels.
        backend.Download(_loss.Forward(logits, batch.TargetTensor ?? batch.LabelTensor), loss);
        var top1 = Reuse(batch.Count);
        // Data-parallel, the ranks first agree on the whole batch's loss: a non-finite one on any rank stops all.
        var agreed = Parallel is null ? new StepResult(loss[0], 0, batch.Count) : AgreeOnShard(Parallel, batch, loss[0], top1, stopRequested);
        if (DivergenceWatch.IsDiverging(agreed.Loss, (int)(logits.Length / batch.Count)))
        {
            return agreed;
        }
        if (Parallel is null)
        {
            backend.TopK(_loss.Probabilities!, 1, top1);
        }
        var dLogits = _loss.Backward();
        probe?.After(StepPhase.Loss, -1);
        if (Split is null)
        {
            Model.Backward(dLogits, AfterBackward(probe));
        }
        else
        {
            Split.Backward(dLogits);
            Split.GradientsToSource();
        }
        Parallel?.AverageGradients();
        Optimizer.Step(learningRate);
        Split?.WeightsFromSource();
        probe?.After(StepPhase.Update, -1);
        if (Parallel is not null)
        {
            return agreed;
        }
        backend.Download(top1, _top1Values);
        return new StepResult(loss[0], Scoring.CountCorrect(_top1Values, batch.Labels), batch.Count);
    }

    /// <summary>This shard's loss and top-1 hits summed with the other ranks' (one small all-reduce before backward).</summary>
    private StepResult AgreeOnShard(DataParallel parallel, DeviceBatch batch, float loss, Tensor top1, bool stopRequested)
    {
        int correct = 0;
        if (float.IsFinite(loss))
        {
            Model.Backend.TopK(_loss.Probabilities!, 1, top1);
            Model.Backend.Download(top1, _top1Values);
            correct = Scoring.CountCorrect(_top1Values, batch.Labels);
        }
        var totals = parallel.Agree(loss, batch.Count, correct, stopRequested);
        return new StepResult((float)totals.Loss, totals.Correct, totals.Count, totals.Stop);
    }

    private static Action<int>? AfterLayer(IStepProbe? probe, StepPhase phase) => probe is null ? null : layer => probe.After(phase, layer);

    /// <summary>After each layer's backward: the probe, and (data-parallel) the gradient buckets that layer completes.</summary>
    private Action<int>? AfterBackward(IStepProbe? probe) => Parallel is null
        ? AfterLayer(probe, StepPhase.LayerBackward)
        : layer =>
        {
            Parallel.LayerDone(layer);
            probe?.After(StepPhase.LayerBackward, layer);
        };

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
