using System.Globalization;
using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// Batch normalization (Ioffe &amp; Szegedy 2015; not in AlexNet — the Keras tutorial uses it where
/// the paper has LRN): y = γ·(x − μ)/√(σ² + ε) + β per channel. One class for both forms:
/// images [N, C, H, W] are normalized per channel over N, H and W (BatchNorm2d), vectors [N, C] per
/// feature over N (BatchNorm1d).
/// <para>
/// Training mode normalizes with the batch's own mean and (biased) variance and moves the running
/// statistics towards them; inference mode normalizes with the running statistics, so one image's
/// output does not depend on the rest of its batch. The running mean and variance are the layer's
/// <see cref="Buffers"/>: not trained, but saved in checkpoints.
/// </para>
/// <para>Shapes: x [N, C, H, W] or [N, C] → y of the same shape; γ, β, running mean and variance [C].</para>
/// </summary>
public sealed class BatchNorm : Layer
{
    private Tensor? _input;            // the backward pass needs x, the batch mean and 1/√(σ² + ε)
    private Tensor? _savedMean;
    private Tensor? _savedInverseStd;
    private bool _lastForwardTrained;  // whether those came from a training-mode forward pass

    /// <summary>Creates the layer: γ = 1, β = 0, running mean 0 and running variance 1.</summary>
    /// <param name="backend">where it computes</param>
    /// <param name="name">e.g. <c>bn1</c></param>
    /// <param name="channels">C</param>
    /// <param name="momentum">weight of a batch's statistics in the running ones, PyTorch's convention (Keras' momentum 0.99 is 0.01 here)</param>
    /// <param name="epsilon">added to the variance (PyTorch 1e-5, Keras 1e-3)</param>
    public BatchNorm(IBackend backend, string name, int channels, float momentum = 0.1f, float epsilon = 1e-5f)
        : base(backend, name)
    {
        if (channels < 1 || !(momentum >= 0f && momentum <= 1f) || !(epsilon > 0f))
        {
            throw new ArgumentException($"{name}: needs channels ≥ 1, momentum in [0, 1] and epsilon > 0 (got {channels}, {momentum}, {epsilon}).");
        }
        Channels = channels;
        Momentum = momentum;
        Epsilon = epsilon;
        var shape = new Shape(channels);
        Gamma = new Parameter(backend, name + ".gamma", ParameterKind.Scale, shape, Initializer.Ones, 1, 1);
        Beta = new Parameter(backend, name + ".beta", ParameterKind.Shift, shape, Initializer.Zeros, 1, 1);
        RunningMean = new StateTensor(name + ".running_mean", backend.Allocate(shape, name + ".running_mean"));
        RunningVariance = new StateTensor(name + ".running_var", backend.Allocate(shape, name + ".running_var"));
        Backend.Fill(1f, Gamma.Value);
        ResetRunningStatistics();
    }

    /// <summary>C, the channels (or features) normalized separately.</summary>
    public int Channels { get; }

    /// <summary>Weight of a batch's statistics in the running ones.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>γ [C], the scale.</summary>
    public Parameter Gamma { get; }

    /// <summary>β [C], the shift.</summary>
    public Parameter Beta { get; }

    /// <summary>[C], the mean inference mode normalizes with.</summary>
    public StateTensor RunningMean { get; }

    /// <summary>[C], the (unbiased) variance inference mode normalizes with.</summary>
    public StateTensor RunningVariance { get; }

    public override IReadOnlyList<Parameter> Parameters => [Gamma, Beta];

    public override IReadOnlyList<StateTensor> Buffers => [RunningMean, RunningVariance];

    public override string Description => string.Create(CultureInfo.InvariantCulture,
        $"BatchNorm eps={Epsilon:G4} momentum={Momentum:G4}");

    public override Shape OutputShape(Shape input) => (input.Rank == 2 || input.Rank == 4) && input.C == Channels
        ? input
        : throw new ArgumentException($"{Name}: expects [N, {Channels}] or [N, {Channels}, H, W] but got {input}.");

    /// <summary>γ = 1, β = 0, running mean 0, running variance 1 (no randomness involved).</summary>
    public override void Initialize(ulong seed)
    {
        base.Initialize(seed);
        ResetRunningStatistics();
    }

    // Training: y = γ·(x − μ_batch)·invStd + β, running ← (1 − m)·running + m·batch.
    // Inference: y = γ·(x − running mean)/√(running var + ε) + β.
    public override Tensor Forward(Tensor input)
    {
        var output = OutputTensor(CheckInput(input));
        _input = input;
        _lastForwardTrained = IsTraining;
        if (IsTraining)
        {
            var shape = new Shape(Channels);
            var mean = Reuse(ref _savedMean, shape, Name + ".saved_mean");
            var inverseStd = Reuse(ref _savedInverseStd, shape, Name + ".saved_inverse_std");
            Backend.BatchNormForwardTraining(input, Gamma.Value, Beta.Value, Momentum, Epsilon,
                RunningMean.Value, RunningVariance.Value, output, mean, inverseStd);
        }
        else
        {
            Backend.BatchNormForwardInference(input, Gamma.Value, Beta.Value, RunningMean.Value, RunningVariance.Value, Epsilon, output);
        }
        return output;
    }

    // dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)); dγ += Σ dy·x̂; dβ += Σ dy
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        CheckOutputGradient(outputGradient);
        if (!_lastForwardTrained)
        {
            throw new InvalidOperationException(
                $"{Name}: backward after an inference-mode forward pass is not supported (the backend's batch-norm backward is the training-mode one); switch the model to training mode before training.");
        }
        var input = _input!;
        // The backend always writes dx; when the caller does not need it, it still lands in our buffer.
        var inputGradient = InputGradientTensor(input.Shape);
        Backend.BatchNormBackward(input, outputGradient, Gamma.Value, _savedMean!, _savedInverseStd!, inputGradient, Gamma.Gradient, Beta.Gradient);
        return computeInputGradient ? inputGradient : null;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _savedMean?.Dispose();
            _savedInverseStd?.Dispose();
        }
    }

    private void ResetRunningStatistics()
    {
        Backend.Fill(0f, RunningMean.Value);
        Backend.Fill(1f, RunningVariance.Value);
    }
}
