// train's --label-smoothing, --mixup, --cutmix and --mix-prob; Data/SoftTargetSettings.cs holds what they mean.

using System.CommandLine;
using System.Globalization;
using AlexNet.Training.Data;

namespace AlexNet.Training.Cli;

/// <summary><c>--label-smoothing</c>, <c>--mixup</c>, <c>--cutmix</c> and <c>--mix-prob</c>, and the <see cref="SoftTargetSettings"/> they give.</summary>
public sealed class SoftTargetOptions
{
    public Option<double?> LabelSmoothing { get; } = new("--label-smoothing")
    {
        Description = "Train towards (1-ε)·onehot + ε/K instead of the one-hot label (Szegedy et al. 2016; e.g. 0.1). Validation and test keep the hard labels. Default 0.",
        HelpName = "ε",
    };

    public Option<double?> Mixup { get; } = new("--mixup")
    {
        Description = "Mixup (Zhang et al. 2018): blend each image of a batch and its target with a partner's, weight λ ~ Beta(α, α) per batch (e.g. 0.2). "
            + "Train top-1 then counts each image's dominant label. Default 0 (off).",
        HelpName = "α",
    };

    public Option<double?> Cutmix { get; } = new("--cutmix")
    {
        Description = "CutMix (Yun et al. 2019): paste a box covering 1-λ of the crop from a partner image, λ ~ Beta(α, α) per batch, the targets weighted by the areas kept (e.g. 1). "
            + "With --mixup too, each mixed batch takes one of the two, half the time each. Default 0 (off).",
        HelpName = "α",
    };

    public Option<double?> MixProbability { get; } = new("--mix-prob")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"With --mixup or --cutmix: the share of training batches mixed; the others keep their own images and (smoothed) labels. Default {SoftTargetSettings.None.MixProbability}."),
        HelpName = "P",
    };

    /// <summary>The options, to add to a command.</summary>
    public IEnumerable<Option> All => [LabelSmoothing, Mixup, Cutmix, MixProbability];

    /// <summary>The settings the command line gives; <paramref name="defaults"/> where it gives none (a recipe's, or hard labels).</summary>
    public SoftTargetSettings Parse(ParseResult parse, SoftTargetSettings? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var settings = defaults ?? SoftTargetSettings.None;
        settings = settings with
        {
            LabelSmoothing = parse.GetValue(LabelSmoothing) ?? settings.LabelSmoothing,
            MixupAlpha = parse.GetValue(Mixup) ?? settings.MixupAlpha,
            CutmixAlpha = parse.GetValue(Cutmix) ?? settings.CutmixAlpha,
            MixProbability = parse.GetValue(MixProbability) ?? settings.MixProbability,
        };
        if (parse.GetValue(MixProbability) is not null && settings.MixupAlpha <= 0 && settings.CutmixAlpha <= 0)
        {
            throw AppException.Usage("--mix-prob says how many batches mixup or cutmix mixes; give --mixup α or --cutmix α too.");
        }
        return settings.Validated();
    }
}
