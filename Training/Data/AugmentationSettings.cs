using System.Globalization;

namespace AlexNet.Training.Data;

/// <summary>
/// The augmentations a run adds to the paper's (random crop, mirror, PCA lighting), each off by
/// default so a run without these options is the paper's, bit for bit:
/// <list type="bullet">
/// <item><see cref="StoredShortSide"/>: keep whole images with their shorter side at this many
/// pixels instead of the paper's squares (<c>--stored-short-side</c>);</item>
/// <item><see cref="CropScale"/> and <see cref="CropAspect"/>: random-resized crops (Inception's,
/// torchvision's <c>RandomResizedCrop</c>) instead of the paper's fixed-size ones (<c>--crop random-resized</c>);</item>
/// <item><see cref="Jitter"/>: colour jitter before the PCA lighting (<c>--jitter</c>).</item>
/// </list>
/// Stored in the checkpoint (absent in older ones: the paper's).
/// </summary>
public sealed record AugmentationSettings(int? StoredShortSide = null, Interval? CropScale = null, Interval? CropAspect = null, JitterSettings? Jitter = null)
{
    /// <summary>torchvision's default share of the image's area a random-resized crop covers.</summary>
    public static Interval DefaultCropScale { get; } = new(0.08, 1);

    /// <summary>torchvision's default aspect range (width / height) of a random-resized crop.</summary>
    public static Interval DefaultCropAspect { get; } = new(3.0 / 4, 4.0 / 3);

    /// <summary>None of the additions: the paper's augmentation.</summary>
    public static AugmentationSettings Paper { get; } = new();

    /// <summary>Whether crops are random-resized (else the paper's crops of the input size).</summary>
    public bool ResizedCrops => CropScale is not null;

    public bool IsPaper => StoredShortSide is null && CropScale is null && CropAspect is null && Jitter is null;

    /// <summary>How images are stored: whole with their shorter side at <see cref="StoredShortSide"/>, else the paper's squares of <paramref name="squareSize"/>.</summary>
    public StoredForm Form(int squareSize) => StoredShortSide is int side ? StoredForm.ShortSideOf(side) : StoredForm.Square(squareSize);

    /// <summary>Checks the values, naming the option of the first that is out of range.</summary>
    public AugmentationSettings Validated()
    {
        if (StoredShortSide is < 1)
        {
            throw AppException.Usage($"--stored-short-side {StoredShortSide} is not a size; expected a positive number of pixels such as 320.");
        }
        if (CropScale is { } scale && !(scale.Low > 0 && scale.Low <= scale.High && scale.High <= 1))
        {
            throw AppException.Usage($"--crop-scale {scale} is not a range of area shares; expected 0 < LOW ≤ HIGH ≤ 1, such as 0.08,1.");
        }
        if (CropAspect is { } aspect && !(aspect.Low > 0 && aspect.Low <= aspect.High && double.IsFinite(aspect.High)))
        {
            throw AppException.Usage($"--crop-aspect {aspect} is not a range of aspects; expected 0 < LOW ≤ HIGH, such as 0.75,1.333.");
        }
        if ((CropScale is null) != (CropAspect is null))
        {
            throw new ArgumentException("Random-resized crops need both a scale and an aspect range.");
        }
        Jitter?.Validated();
        return this;
    }

    /// <summary>A one-line description for the run's log: <c>short side 320, random-resized crops (scale 0.08-1, aspect 0.75-1.333), jitter 0.4,0.4,0.4,0.1</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (StoredShortSide is int side)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"stored short side {side}"));
        }
        parts.Add(ResizedCrops ? $"random-resized crops (scale {CropScale}, aspect {CropAspect})" : "the paper's crops");
        if (Jitter is not null)
        {
            parts.Add($"jitter {Jitter}");
        }
        return string.Join(", ", parts);
    }
}

/// <summary>A closed range of numbers, written <c>LOW,HIGH</c> on the command line.</summary>
public sealed record Interval(double Low, double High)
{
    /// <summary>Reads <c>LOW,HIGH</c>, e.g. <c>0.08,1</c> or <c>3/4,4/3</c> (a fraction is allowed).</summary>
    public static Interval Parse(string text, string option)
    {
        var parts = text.Split(',');
        if (parts.Length != 2 || Number(parts[0]) is not double low || Number(parts[1]) is not double high)
        {
            throw AppException.Usage($"{option} '{text}' is not two numbers LOW,HIGH (e.g. 0.08,1 or 3/4,4/3).");
        }
        return new Interval(low, high);
    }

    /// <summary>A number, or a fraction such as <c>3/4</c>; null for anything else.</summary>
    public static double? Number(string text)
    {
        var parts = text.Trim().Split('/');
        double Parse(string part) => double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : double.NaN;
        double result = parts.Length switch { 1 => Parse(parts[0]), 2 => Parse(parts[0]) / Parse(parts[1]), _ => double.NaN };
        return double.IsFinite(result) ? result : null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Low:0.###}-{High:0.###}");
}

/// <summary>
/// Colour jitter's strengths (torchvision's <c>ColorJitter</c>): brightness, contrast and saturation
/// factors drawn from [max(0, 1 − x), 1 + x], a hue shift from [−h, h] of a full turn (h ≤ 0.5).
/// </summary>
public sealed record JitterSettings(double Brightness, double Contrast, double Saturation, double Hue)
{
    /// <summary>Reads <c>B,C,S,H</c>, e.g. <c>0.4,0.4,0.4,0.1</c>.</summary>
    public static JitterSettings Parse(string text)
    {
        var parts = text.Split(',').Select(Interval.Number).ToArray();
        if (parts.Length != 4 || parts.Any(p => p is null))
        {
            throw AppException.Usage($"--jitter '{text}' is not four numbers B,C,S,H (brightness, contrast, saturation, hue; e.g. 0.4,0.4,0.4,0.1).");
        }
        return new JitterSettings(parts[0]!.Value, parts[1]!.Value, parts[2]!.Value, parts[3]!.Value).Validated();
    }

    public JitterSettings Validated()
    {
        if (Brightness < 0 || Contrast < 0 || Saturation < 0 || Hue is < 0 or > 0.5)
        {
            throw AppException.Usage($"--jitter {this} is out of range; expected brightness, contrast and saturation ≥ 0 and a hue in [0, 0.5] (a share of the colour circle).");
        }
        return this;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Brightness:0.###},{Contrast:0.###},{Saturation:0.###},{Hue:0.###}");
}
