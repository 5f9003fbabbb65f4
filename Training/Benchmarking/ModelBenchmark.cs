using System.Diagnostics;
using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Training.Optimization;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// One model at one batch size, ready to be timed the way libtorch-bench times its models:
/// <list type="bullet">
/// <item><see cref="Infer"/>: inference mode, forward only;</item>
/// <item><see cref="Train"/>: one training step — zero the gradients, forward, softmax cross-entropy,
/// backward, SGD-momentum update (lr 0.01, momentum 0.9), and the loss read back to the host.</item>
/// </list>
/// Inputs are random (seeded) images and labels; their values do not change the work done.
/// <see cref="Profile"/> runs the same step layer by layer with a clock around each layer, which is
/// where the per-layer breakdown comes from.
/// </summary>
public sealed class ModelBenchmark : IDisposable
{
    private const double LearningRate = 0.01;

    private readonly SoftmaxCrossEntropy _loss;
    private readonly Optimizer _optimizer;
    private readonly Tensor _images;
    private readonly Tensor _labels;

    /// <summary>Builds <paramref name="variant"/> for <paramref name="classes"/> classes on <paramref name="backend"/> with a batch of random images.</summary>
    public ModelBenchmark(IBackend backend, ModelVariant variant, int classes, int batchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Backend = backend;
        BatchSize = batchSize;
        Model = variant.Build(backend, classes, seed);
        try
        {
            _loss = new SoftmaxCrossEntropy(backend);
            _optimizer = new Optimizer(new OptimizerSettings("sgd", LearningRate, Momentum: 0.9, WeightDecay: 0), Model.Parameters, backend);
            var random = new Random((int)(seed % int.MaxValue));
            var shape = new Shape(batchSize, variant.InputShape[0], variant.InputShape[1], variant.InputShape[2]);
            var pixels = new float[shape.Length];
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (2 * random.NextSingle()) - 1;
            }
            _images = backend.Allocate(shape, "images");
            backend.Upload(pixels, _images);
            var labels = new float[batchSize];
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = random.Next(classes);
            }
            _labels = backend.Allocate(new Shape(batchSize), "labels");
            backend.Upload(labels, _labels);
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
        Model.IsTraining = false;
        Model.Forward(_images);
        Backend.Synchronize();
    }

    /// <summary>One training step; returns the loss (read back to the host, which also waits for the step to finish).</summary>
    public float Train()
    {
        Model.IsTraining = true;
        Model.ZeroGradients();
        var logits = Model.Forward(_images);
        var loss = _loss.Forward(logits, _labels);
        Model.Backward(_loss.Backward());
        _optimizer.Step(LearningRate);
        Span<float> value = stackalloc float[1];
        Backend.Download(loss, value);
        return value[0];
    }

    /// <summary>
    /// Runs one inference pass or training step layer by layer, waiting for the backend after each
    /// layer, and returns where the time went.
    /// </summary>
    public StepProfile Profile(bool training)
    {
        var layers = Model.Layers;
        var forward = new double[layers.Count];
        var backward = new double[layers.Count];
        Model.IsTraining = training;
        long start = Stopwatch.GetTimestamp();
        if (training)
        {
            Model.ZeroGradients();
        }
        Backend.Synchronize();
        double update = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        Tensor x = _images;
        for (int i = 0; i < layers.Count; i++)
        {
            start = Stopwatch.GetTimestamp();
            x = layers[i].Forward(x);
            Backend.Synchronize();
            forward[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        if (!training)
        {
            return new StepProfile(forward, backward, 0, 0);
        }

        start = Stopwatch.GetTimestamp();
        _loss.Forward(x, _labels);
        Tensor? gradient = _loss.Backward();
        Backend.Synchronize();
        double loss = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        for (int i = layers.Count - 1; i >= 0; i--)
        {
            start = Stopwatch.GetTimestamp();
            // As Sequential.Backward: the first layer computes no gradient for the images.
            gradient = layers[i].Backward(gradient!, computeInputGradient: i > 0);
            Backend.Synchronize();
            backward[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        start = Stopwatch.GetTimestamp();
        _optimizer.Step(LearningRate);
        Backend.Synchronize();
        update += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return new StepProfile(forward, backward, loss, update);
    }

    public void Dispose()
    {
        _images?.Dispose();
        _labels?.Dispose();
        _optimizer?.Dispose();
        _loss?.Dispose();
        Model.Dispose();
    }
}

/// <summary>Milliseconds of one profiled step: per layer forward and backward, the loss, and the parameter update (zeroing the gradients included).</summary>
public sealed record StepProfile(double[] Forward, double[] Backward, double Loss, double Update)
{
    /// <summary>The whole step.</summary>
    public double Total => Forward.Sum() + Backward.Sum() + Loss + Update;
}
