// OptimizerSettings: which optimizer a run uses and its constants, as checkpoints store them; Optimizer.cs applies them.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Training.Run;

namespace AlexNet.Training.Optimization;

/// <summary>
/// Which optimizer and its constants. <c>sgd</c> is the paper's momentum SGD with weight decay
/// (section 5); <c>adam</c> is Keras' Adam, which the tutorial used (β1 0.9, β2 0.999, ε 1e-7), its
/// weight decay an L2 term added to the gradient; <c>adamw</c> is AdamW, whose weight decay is the
/// decoupled λ of <see cref="Backends.IBackend.AdamWUpdate"/>, with torch.optim.AdamW's β1 0.9,
/// β2 0.999, ε 1e-8 (<see cref="Create"/>). Weight decay applies to weights and, unless
/// <see cref="DecayBiases"/> is false, biases (the paper decays every "w"), never to batch norm's
/// γ and β. A checkpoint stores the kind under <c>name</c>, as <c>sgd</c>, <c>adam</c> or <c>adamw</c>;
/// one written before <see cref="DecayBiases"/> existed reads as true, as those runs decayed biases.
/// </summary>
public sealed record OptimizerSettings(
    [property: JsonPropertyName("name"), JsonRequired, JsonConverter(typeof(OptimizerSettings.KindJson))] OptimizerKind Kind,
    double LearningRate, double Momentum, double WeightDecay, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-7, bool DecayBiases = true)
{
    /// <summary>torch.optim.AdamW's ε (its β1 0.9 and β2 0.999 are the record's defaults, Kingma &amp; Ba's).</summary>
    public const double AdamWEpsilon = 1e-8;

    /// <summary>
    /// The settings of <paramref name="kind"/>: AdamW takes PyTorch's ε of 1e-8 and by default leaves
    /// biases undecayed (the usual practice with decoupled decay); SGD and Adam keep their ε and decay
    /// biases, as every run before AdamW did.
    /// </summary>
    public static OptimizerSettings Create(OptimizerKind kind, double learningRate, double momentum, double weightDecay, bool? decayBiases = null) =>
        kind == OptimizerKind.AdamW
            ? new(kind, learningRate, momentum, weightDecay, Epsilon: AdamWEpsilon, DecayBiases: decayBiases ?? false)
            : new(kind, learningRate, momentum, weightDecay, DecayBiases: decayBiases ?? true);

    /// <summary>Checks the values, naming the first that is out of range.</summary>
    public OptimizerSettings Validated()
    {
        Check(LearningRate > 0, "--lr", LearningRate, "a positive number such as 0.01");
        Check(Momentum is >= 0 and < 1, "--momentum", Momentum, "a number in [0, 1), such as 0.9");
        Check(WeightDecay >= 0, "--weight-decay", WeightDecay, "a non-negative number such as 0.0005");
        return this;
    }

    /// <summary>A one-line description: <c>sgd lr 0.01 momentum 0.9 weight decay 0.0005</c>.</summary>
    public override string ToString() => Kind switch
    {
        OptimizerKind.Adam => string.Create(CultureInfo.InvariantCulture, $"adam lr {LearningRate:G4} (β1 {Beta1}, β2 {Beta2}, ε {Epsilon:G2}), weight decay {WeightDecay:G4}{BiasNote}"),
        OptimizerKind.AdamW => string.Create(CultureInfo.InvariantCulture, $"adamw lr {LearningRate:G4} (β1 {Beta1}, β2 {Beta2}, ε {Epsilon:G2}), decoupled weight decay {WeightDecay:G4}{BiasNote}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"sgd lr {LearningRate:G4}, momentum {Momentum:G4}, weight decay {WeightDecay:G4}{BiasNote}"),
    };

    /// <summary>Says where the decay differs from what the optimizer's name suggests (biases decayed for sgd and adam, not for adamw).</summary>
    private string BiasNote => WeightDecay == 0 || DecayBiases == (Kind != OptimizerKind.AdamW) ? ""
        : DecayBiases ? " (biases decayed too)" : " (biases not decayed)";

    private static void Check(bool ok, string option, double value, string expected)
    {
        if (!ok || !double.IsFinite(value))
        {
            throw AppException.Usage($"{option} {value.ToString(CultureInfo.InvariantCulture)} is out of range; expected {expected}.");
        }
    }

    /// <summary>Reads and writes the kind by its name; an unknown name says which names are known.</summary>
    private sealed class KindJson : JsonConverter<OptimizerKind>
    {
        public override OptimizerKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            return RunNames.Optimizers.TryParse(name, out var kind)
                ? kind
                : throw new JsonException($"optimizer '{name}' is not one of {string.Join(", ", RunNames.Optimizers.Names)}");
        }

        public override void Write(Utf8JsonWriter writer, OptimizerKind value, JsonSerializerOptions options) =>
            writer.WriteStringValue(RunNames.Optimizers[value]);
    }
}
