using System.Globalization;
using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// Inverted dropout (the paper's section 4.2, scaled at training time as every library does today):
/// in training mode each element is zeroed with probability p and the survivors are multiplied by
/// 1/(1 − p), so the expected value is unchanged and inference mode is simply the identity. The
/// paper's "multiply the outputs by 0.5 at test time" gives the same expectation.
/// <para>
/// The mask is never stored: <see cref="IBackend.DropoutForward"/> draws it from Philox as a pure
/// function of (seed, offset, element), and the backward pass redraws it with the same offset. The
/// layer counts the masks it has drawn (<see cref="Offset"/>); the seed and that count are its
/// <see cref="Counters"/>, so a checkpointed run resumes with exactly the masks it would have drawn.
/// </para>
/// <para>Shapes: any → the same.</para>
/// </summary>
public sealed class Dropout : Layer
{
    private ulong _lastOffset;        // the offset the last training-mode forward pass drew its mask with
    private bool _lastForwardDropped; // false when the last forward pass ran in inference mode

    /// <summary>Creates the layer.</summary>
    /// <param name="backend">where it computes</param>
    /// <param name="name">e.g. <c>drop6</c></param>
    /// <param name="probability">p, the probability of dropping an element: 0.5 in the paper</param>
    /// <param name="seed">the model's seed; the layer derives its own from it and its name, as <see cref="Initialize"/> does</param>
    public Dropout(IBackend backend, string name, float probability, ulong seed = 0)
        : base(backend, name)
    {
        if (!(probability >= 0f && probability < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, $"{name}: the dropout probability must be in [0, 1).");
        }
        Probability = probability;
        Seed = new StateCounter(name + ".seed", DeriveSeed(seed, name));
        Offset = new StateCounter(name + ".offset");
    }

    /// <summary>p, the probability of dropping an element.</summary>
    public float Probability { get; }

    /// <summary>The key of this layer's masks.</summary>
    public StateCounter Seed { get; }

    /// <summary>How many masks this layer has drawn: the offset the next training-mode forward pass uses.</summary>
    public StateCounter Offset { get; }

    /// <summary>
    /// In data-parallel training, this rank's place among the equal shards of every batch (0 alone):
    /// its N rows are rows ShardIndex·N … of the whole batch, and they draw those rows of the mask,
    /// so the ranks together drop exactly what one process with the whole batch would.
    /// </summary>
    public int ShardIndex
    {
        get;
        set => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name}: the shard index must be ≥ 0.");
    }

    public override IReadOnlyList<StateCounter> Counters => [Seed, Offset];

    public override string Description => string.Create(CultureInfo.InvariantCulture, $"Dropout p={Probability:G4}");

    public override Shape OutputShape(Shape input) => input;

    /// <summary>Derives the layer's seed from <paramref name="seed"/> and restarts its mask count.</summary>
    public override void Initialize(ulong seed)
    {
        Seed.Value = DeriveSeed(seed, Name);
        Offset.Value = 0;
    }

    // Training: y = x·mask/(1 − p) with a fresh mask. Inference, or p = 0: y = x (the input itself is
    // returned, no mask drawn, so a run without dropout has no randomness here at all).
    public override Tensor Forward(Tensor input)
    {
        var shape = CheckInput(input);
        _lastForwardDropped = IsTraining && Probability > 0;
        if (!_lastForwardDropped)
        {
            SetOutput(input);
            return input;
        }
        var output = OutputTensor(shape);
        _lastOffset = Offset.Value++;
        Backend.DropoutForward(input, Probability, Seed.Value, _lastOffset, FirstElement(input), output);
        return output;
    }

    // dx = dy·mask/(1 − p) with the forward pass's mask; the identity after a forward that drew none
    public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true)
    {
        var output = CheckOutputGradient(outputGradient);
        if (!computeInputGradient)
        {
            return null;
        }
        if (!_lastForwardDropped)
        {
            return outputGradient;
        }
        var inputGradient = InputGradientTensor(output.Shape);
        Backend.DropoutBackward(outputGradient, Probability, Seed.Value, _lastOffset, FirstElement(outputGradient), inputGradient);
        return inputGradient;
    }

    private long FirstElement(Tensor shard) => (long)ShardIndex * shard.Length;

    private static ulong DeriveSeed(ulong seed, string name) => HostRandom.DeriveSeed(seed, HostRandom.StreamOf(name));
}
