// ModelBenchmark: the app's TrainingStep and InferenceStep on a fixed random batch, timed by bench (and per layer by a probe).

using System.Diagnostics;
using System.Globalization;
using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Training.Loop;
using AlexNet.Training.Optimization;
using AlexNet.Training.Run;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// One model at one batch size, ready to be timed the way libtorch-bench times its models:
/// <list type="bullet">
/// <item><see cref="Infer"/>: the <see cref="InferenceStep"/>'s forward pass, inference mode;</item>
/// <item><see cref="Train"/>: the app's <see cref="TrainingStep"/> — zero the gradients, forward,
/// softmax cross-entropy, backward, the optimizer's update (SGD momentum 0.9 at lr 0.01, or Adam or AdamW at 0.001) — with the loss and
/// each image's top-1 class read back to the host, as in <c>train</c>.</item>
/// </list>
/// Inputs are random (seeded) images and labels, uploaded once; their values do not change the work
/// done. <see cref="Profile"/> runs the same steps with a clock read after each layer and each part,
/// which is where the per-layer breakdown comes from.
/// </summary>
public sealed class ModelBenchmark : IDisposable
{
    private readonly int _classes;
    private readonly double _learningRate;   // the optimizer's default: SGD's 0.01 sends Adam's steps on one repeated batch to a diverging loss

    private readonly Optimizer _optimizer;
    private readonly DeviceBatch _batch;
    private readonly TrainingStep _training;
    private readonly InferenceStep _inference;

    /// <summary>
    /// Builds <paramref name="variant"/> for <paramref name="classes"/> classes on <paramref name="backend"/> with a batch of random images,
    /// trained with <paramref name="optimizer"/>: SGD with momentum and no weight decay, Adam without
    /// decay, or AdamW with its default decay (all one pass over each parameter).
    /// </summary>
    public ModelBenchmark(IBackend backend, ModelVariant variant, int classes, int batchSize, ulong seed, OptimizerKind optimizer = OptimizerKind.Sgd)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Backend = backend;
        BatchSize = batchSize;
        _classes = classes;
        Model = variant.Build(backend, classes, seed);
        try
        {
            _learningRate = Recipes.OptimizerDefaults(optimizer).LearningRate;
            var settings = optimizer == OptimizerKind.AdamW
                ? OptimizerSettings.Create(optimizer, _learningRate, 0.9, Recipes.AdamWWeightDecay)
                : new OptimizerSettings(optimizer, _learningRate, Momentum: 0.9, WeightDecay: 0);
            _optimizer = new Optimizer(settings, Model.Parameters, backend);
            _training = new TrainingStep(Model, _optimizer);
            _inference = new InferenceStep(Model);
            var random = new Random((int)(seed % int.MaxValue));
            var pixels = new float[batchSize * variant.InputShape.Length];
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (2 * random.NextSingle()) - 1;
            }
            var labels = new int[batchSize];
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = random.Next(classes);
            }
            _batch = new DeviceBatch(backend, variant.InputShape);
            _batch.Load(pixels, labels, labels: true);
        }
        catch
        {
            Dispose();
            throw;
        }
        MultiplyAccumulatesPerImage = ModelSummary.Of(Model).MultiplyAccumulates;
    }

    /// <summary>The backend the model runs on.</summary>
    public IBackend Backend { get; }

    /// <summary>The model being measured.</summary>
    public Sequential Model { get; }

    /// <summary>Images per step.</summary>
    public int BatchSize { get; }

    /// <summary>The update the training step takes.</summary>
    public OptimizerSettings Optimizer => _optimizer.Settings;

    /// <summary>Multiply-accumulates of one image's forward pass (convolutions and dense layers).</summary>
    public long MultiplyAccumulatesPerImage { get; }

    /// <summary>
    /// Floating-point operations of one step, as libtorch-bench counts them: 2 per multiply-accumulate
    /// for the forward pass, three times that for a training step (forward, input gradient, weight gradient).
    /// </summary>
    public double FlopsPerStep(bool training) => (training ? 3 : 1) * 2.0 * MultiplyAccumulatesPerImage * BatchSize;

    /// <summary>Why a training step cannot run at this batch size, or null when it can.</summary>
    public string? TrainingUnsupportedReason => BatchSize == 1 && Model.Layers.Any(layer => layer is BatchNorm)
        ? "batch norm in training mode needs a batch of more than one image"
        : null;

    /// <summary>One inference pass: the model in inference mode, forward only.</summary>
    public void Infer()
    {
        _inference.Forward(_batch);
        Backend.Synchronize();
    }

    /// <summary>One training step; returns the loss (read back to the host, which also waits for the step to finish).</summary>
    public float Train() => Checked(_training.Run(_batch, _learningRate).Loss);

    /// <summary>
    /// Runs one inference pass or training step, waiting for the backend after each layer and each
    /// part of the step, and returns where the time went.
    /// </summary>
    public StepProfile Profile(bool training)
    {
        var clock = new ProfileClock(Backend, Model.Layers.Count);
        if (training)
        {
            Checked(_training.Run(_batch, _learningRate, clock).Loss);
        }
        else
        {
            _inference.Forward(_batch, clock);
        }
        return clock.Result();
    }

    // A diverging loss stops the step before its backward and update (DivergenceWatch): timing it would report a step that did half the work.
    private float Checked(float loss) => !DivergenceWatch.IsDiverging(loss, _classes)
        ? loss
        : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"The benchmark's training step diverged (loss {loss}) with {_optimizer.Settings}: its backward and update did not run, so there is nothing to time."));

    public void Dispose()
    {
        _batch?.Dispose();
        _training?.Dispose();
        _inference?.Dispose();
        _optimizer?.Dispose();
        Model.Dispose();
    }

    /// <summary>Waits for the backend after each part of a step and books the time since the last part to it.</summary>
    private sealed class ProfileClock(IBackend backend, int layers) : IStepProbe
    {
        private readonly double[] _forward = new double[layers];
        private readonly double[] _backward = new double[layers];
        private double _loss;
        private double _update;
        private long _start = Stopwatch.GetTimestamp();

        public void After(StepPhase phase, int layer)
        {
            backend.Synchronize();
            double milliseconds = Stopwatch.GetElapsedTime(_start).TotalMilliseconds;
            switch (phase)
            {
                case StepPhase.LayerForward:
                    _forward[layer] = milliseconds;
                    break;
                case StepPhase.LayerBackward:
                    _backward[layer] = milliseconds;
                    break;
                case StepPhase.Loss:
                    _loss = milliseconds;
                    break;
                default:
                    // Zeroing the gradients and the optimizer's update are both the parameters' bookkeeping.
                    _update += milliseconds;
                    break;
            }
            _start = Stopwatch.GetTimestamp();
        }

        public StepProfile Result() => new(_forward, _backward, _loss, _update);
    }
}

/// <summary>Milliseconds of one profiled step: per layer forward and backward, the loss, and the parameter update (zeroing the gradients included).</summary>
public sealed record StepProfile(double[] Forward, double[] Backward, double Loss, double Update)
{
    /// <summary>The whole step.</summary>
    public double Total => Forward.Sum() + Backward.Sum() + Loss + Update;
}
