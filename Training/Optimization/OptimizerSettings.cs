// OptimizerSettings: which optimizer a run uses and its constants, as checkpoints store them; Optimizer.cs applies them.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Training.Run;

namespace AlexNet.Training.Optimization;

/// <summary>
/// Which optimizer and its constants. <c>sgd</c> is the paper's momentum SGD with weight decay
/// (section 5); <c>adam</c> is Keras' Adam, which the tutorial used (β1 0.9, β2 0.999, ε 1e-7).
/// Weight decay applies to weights and biases (the paper decays every "w"), never to batch norm's
/// γ and β. A checkpoint stores the kind under <c>name</c>, as <c>sgd</c> or <c>adam</c>.
/// </summary>
public sealed record OptimizerSettings(
    [property: JsonPropertyName("name"), JsonRequired, JsonConverter(typeof(OptimizerSettings.KindJson))] OptimizerKind Kind,
    double LearningRate, double Momentum, double WeightDecay, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-7)
{
    /// <summary>Checks the values, naming the first that is out of range.</summary>
    public OptimizerSettings Validated()
    {
        Check(LearningRate > 0, "--lr", LearningRate, "a positive number such as 0.01");
        Check(Momentum is >= 0 and < 1, "--momentum", Momentum, "a number in [0, 1), such as 0.9");
        Check(WeightDecay >= 0, "--weight-decay", WeightDecay, "a non-negative number such as 0.0005");
        return this;
    }

    /// <summary>A one-line description: <c>sgd lr 0.01 momentum 0.9 weight decay 0.0005</c>.</summary>
    public override string ToString() => Kind == OptimizerKind.Adam
        ? string.Create(CultureInfo.InvariantCulture, $"adam lr {LearningRate:G4} (β1 {Beta1}, β2 {Beta2}, ε {Epsilon:G2}), weight decay {WeightDecay:G4}")
        : string.Create(CultureInfo.InvariantCulture, $"sgd lr {LearningRate:G4}, momentum {Momentum:G4}, weight decay {WeightDecay:G4}");

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
