// SoftTargetSettings: label smoothing, mixup and cutmix as a run sets them (train --label-smoothing, --mixup, --cutmix, --mix-prob).

using System.Globalization;
using System.Text.Json.Serialization;

namespace AlexNet.Training.Data;

/// <summary>
/// How training targets are softened: label smoothing (Szegedy et al. 2016) replaces each one-hot
/// label with <c>(1 − ε)·onehot + ε/K</c>; mixup (Zhang et al. 2018) blends two images and their
/// targets with a weight λ ~ Beta(α, α); cutmix (Yun et al. 2019) pastes a box of one image into
/// another, covering 1 − λ of it, and weighs the targets by the areas actually kept. Batches are
/// mixed with probability <see cref="MixProbability"/>; when both mixup and cutmix are on, each mixed
/// batch takes one of them, each half of the time (timm's rule). All zero (<see cref="None"/>, the
/// default) trains on the integer labels exactly as before these options existed.
/// </summary>
/// <param name="LabelSmoothing">ε, 0 ≤ ε &lt; 1</param>
/// <param name="MixupAlpha">mixup's α (0: off)</param>
/// <param name="CutmixAlpha">cutmix's α (0: off)</param>
/// <param name="MixProbability">the share of batches mixed when mixup or cutmix is on, 0 … 1</param>
public sealed record SoftTargetSettings(double LabelSmoothing = 0, double MixupAlpha = 0, double CutmixAlpha = 0, double MixProbability = 1)
{
    /// <summary>Hard labels: no smoothing, no mixing.</summary>
    public static SoftTargetSettings None { get; } = new();

    /// <summary>Whether batches may be mixed (mixup or cutmix on).</summary>
    [JsonIgnore] // derived; the checkpoint keeps the four numbers only
    public bool Mixes => (MixupAlpha > 0 || CutmixAlpha > 0) && MixProbability > 0;

    /// <summary>Whether training uses target distributions instead of integer labels.</summary>
    [JsonIgnore]
    public bool Enabled => LabelSmoothing > 0 || Mixes;

    /// <summary>Checks the values, naming the option of the first that is out of range.</summary>
    public SoftTargetSettings Validated()
    {
        Check(LabelSmoothing is >= 0 and < 1, "--label-smoothing", LabelSmoothing, "a number in [0, 1), such as 0.1");
        Check(MixupAlpha >= 0, "--mixup", MixupAlpha, "an α ≥ 0, such as 0.2 (0: off)");
        Check(CutmixAlpha >= 0, "--cutmix", CutmixAlpha, "an α ≥ 0, such as 1 (0: off)");
        Check(MixProbability is >= 0 and <= 1, "--mix-prob", MixProbability, "a probability in [0, 1]");
        return this;
    }

    /// <summary>The setting in words, for the run's opening lines: <c>label smoothing 0.1, mixup α 0.2 (…)</c>.</summary>
    public override string ToString()
    {
        if (!Enabled)
        {
            return "hard labels";
        }
        var parts = new List<string>();
        if (LabelSmoothing > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"label smoothing {LabelSmoothing:G4}"));
        }
        if (MixupAlpha > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"mixup α {MixupAlpha:G4}"));
        }
        if (CutmixAlpha > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"cutmix α {CutmixAlpha:G4}"));
        }
        if (Mixes)
        {
            string which = MixupAlpha > 0 && CutmixAlpha > 0 ? ", one of the two per batch" : "";
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{100 * MixProbability:0.#}% of the batches mixed{which}"));
        }
        // Said with the setting, since the epoch line's train columns change meaning with it.
        string train = Mixes ? "train loss against these targets, train top-1 against each image's dominant label" : "train loss against these targets";
        return $"{string.Join(", ", parts)} ({train})";
    }

    private static void Check(bool ok, string option, double value, string expected)
    {
        if (!ok || !double.IsFinite(value))
        {
            throw AppException.Usage($"{option} {value.ToString(CultureInfo.InvariantCulture)} is out of range; expected {expected}.");
        }
    }
}
