// The options that add to the paper's augmentation, shared by train and bench --loader; Data/AugmentationSettings.cs holds what they mean.

using System.CommandLine;
using AlexNet.Training.Data;

namespace AlexNet.Training.Cli;

/// <summary><c>--stored-short-side</c>, <c>--crop</c>, <c>--crop-scale</c>, <c>--crop-aspect</c> and <c>--jitter</c>, and the <see cref="AugmentationSettings"/> they give.</summary>
public sealed class AugmentationOptions
{
    /// <summary>The crop kinds <c>--crop</c> accepts.</summary>
    public static readonly string[] CropKinds = ["fixed", "random-resized"];

    public Option<int?> StoredShortSide { get; } = new Option<int?>("--stored-short-side")
    {
        Description = "Store whole images, their shorter side resized to N pixels with the aspect kept (e.g. 320), instead of the paper's 256x256 squares: "
            + "random-resized crops then see the whole photo. Evaluation resizes the shorter side to the model's stored size (256) and crops the centre, as on the square. Default: squares (320 in alexnet's small-data recipe).",
        HelpName = "N",
    }.AtLeast(1);

    public Option<string> Crop { get; } = new Option<string>("--crop")
    {
        Description = "fixed (the paper's: a crop of the input size at a random corner) or random-resized (Inception's: a box of random area share "
            + "--crop-scale and aspect --crop-aspect, resized bilinearly to the input). Default: fixed (random-resized in alexnet's small-data recipe).",
        HelpName = "fixed|random-resized",
    }.AcceptOnlyFromAmong(CropKinds);

    public Option<string> CropScale { get; } = new("--crop-scale")
    {
        Description = $"With --crop random-resized: the range of the image's area a crop covers, LOW,HIGH (default {AugmentationSettings.DefaultCropScale.Low},{AugmentationSettings.DefaultCropScale.High}, torchvision's; 0.25,1 in alexnet's small-data recipe).",
        HelpName = "LOW,HIGH",
    };

    public Option<string> CropAspect { get; } = new("--crop-aspect")
    {
        Description = "With --crop random-resized: the range of a crop's width/height, drawn log-uniformly, LOW,HIGH (default 3/4,4/3, torchvision's).",
        HelpName = "LOW,HIGH",
    };

    public Option<string> Jitter { get; } = new("--jitter")
    {
        Description = "Colour jitter before the PCA lighting, B,C,S,H: brightness, contrast and saturation factors from [1-x, 1+x], a hue shift from [-h, h] of the colour circle, "
            + "applied in a random order per image (torchvision's ColorJitter; e.g. 0.4,0.4,0.4,0.1; 0,0,0,0 changes nothing). Default: none (0.4,0.4,0.4,0.05 in alexnet's small-data recipe).",
        HelpName = "B,C,S,H",
    };

    /// <summary>The options, to add to a command.</summary>
    public IEnumerable<Option> All => [StoredShortSide, Crop, CropScale, CropAspect, Jitter];

    /// <summary>The settings the command line gives; <paramref name="defaults"/> where it gives none (a recipe's, or the paper's).</summary>
    public AugmentationSettings Parse(ParseResult parse, AugmentationSettings? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var settings = defaults ?? AugmentationSettings.Paper;
        string? crop = parse.GetValue(Crop);
        string? scale = parse.GetValue(CropScale), aspect = parse.GetValue(CropAspect);
        if (crop == "fixed" && (scale is not null || aspect is not null))
        {
            throw AppException.Usage("--crop-scale and --crop-aspect shape random-resized crops; they do not apply to --crop fixed.");
        }
        bool resized = crop == "random-resized" || (crop is null && (settings.ResizedCrops || scale is not null || aspect is not null));
        settings = settings with
        {
            StoredShortSide = parse.GetValue(StoredShortSide) ?? settings.StoredShortSide,
            CropScale = !resized ? null : scale is not null ? Interval.Parse(scale, "--crop-scale") : settings.CropScale ?? AugmentationSettings.DefaultCropScale,
            CropAspect = !resized ? null : aspect is not null ? Interval.Parse(aspect, "--crop-aspect") : settings.CropAspect ?? AugmentationSettings.DefaultCropAspect,
            Jitter = parse.GetValue(Jitter) is { } jitter ? JitterSettings.Parse(jitter) : settings.Jitter,
        };
        return settings.Validated();
    }
}
