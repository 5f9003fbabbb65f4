using System.Globalization;

namespace AlexNet.Training.Data;

/// <summary>
/// How each class is divided into training, validation and test images: either counts per class
/// (<c>40/20/20</c>, Oxford 17's official protocol) or fractions of each class (<c>0.8/0.2/0</c>, the
/// Keras tutorial's 80/20). The default, <c>0.5/0.25/0.25</c>, is 40/20/20 on Oxford 17.
/// </summary>
public sealed record SplitSpec(double Train, double Validation, double Test, bool IsFraction)
{
    /// <summary>Half of each class for training, a quarter each for validation and test.</summary>
    public static SplitSpec Default { get; } = new(0.5, 0.25, 0.25, IsFraction: true);

    /// <summary>Parses <c>TRAIN/VAL/TEST</c>: three whole numbers (images per class) or three fractions with a decimal point.</summary>
    /// <exception cref="AppException">Not three numbers, negative values, fractions above 1 in total, or no training images.</exception>
    public static SplitSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/', ',');
        string expected = "expected TRAIN/VAL/TEST as images per class (e.g. 40/20/20) or as fractions of each class (e.g. 0.8/0.2/0)";
        if (parts.Length != 3)
        {
            throw AppException.Usage($"--split '{text}' has {parts.Length} part(s); {expected}.");
        }
        bool fraction = parts.Any(p => p.Contains('.', StringComparison.Ordinal));
        var values = new double[3];
        for (int i = 0; i < 3; i++)
        {
            if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || values[i] < 0 ||
                (!fraction && values[i] != Math.Floor(values[i])))
            {
                throw AppException.Usage($"--split '{text}': '{parts[i]}' is not a non-negative number; {expected}.");
            }
        }
        if (fraction && values.Sum() > 1 + 1e-9)
        {
            throw AppException.Usage($"--split '{text}': the fractions add up to {values.Sum().ToString(CultureInfo.InvariantCulture)}, more than 1.");
        }
        if (values[0] <= 0)
        {
            throw AppException.Usage($"--split '{text}' leaves no training images; {expected}.");
        }
        return new SplitSpec(values[0], values[1], values[2], fraction);
    }

    /// <summary>The train, validation and test counts for a class of <paramref name="classSize"/> images.</summary>
    /// <exception cref="AppException">Counts that need more images than the class has.</exception>
    public (int Train, int Validation, int Test) CountsFor(int classSize, string className)
    {
        if (IsFraction)
        {
            // Cumulative rounding: the three parts always add up to the class (when the fractions sum to 1).
            int trainEnd = (int)Math.Round(classSize * Train, MidpointRounding.AwayFromZero);
            int valEnd = (int)Math.Round(classSize * (Train + Validation), MidpointRounding.AwayFromZero);
            int testEnd = (int)Math.Round(classSize * (Train + Validation + Test), MidpointRounding.AwayFromZero);
            if (trainEnd == 0)
            {
                throw new AppException($"Class '{className}' has {classSize} image(s): too few for a training share of {Train.ToString(CultureInfo.InvariantCulture)}.");
            }
            return (trainEnd, valEnd - trainEnd, testEnd - valEnd);
        }
        int need = (int)(Train + Validation + Test);
        if (need > classSize)
        {
            throw new AppException($"Class '{className}' has {classSize} image(s), but --split {this} needs {need} per class; ask for fewer, or use fractions such as 0.5/0.25/0.25.");
        }
        return ((int)Train, (int)Validation, (int)Test);
    }

    /// <summary>Written as it is parsed: <c>40/20/20</c> or <c>0.5/0.25/0.25</c>.</summary>
    public override string ToString() => IsFraction
        ? string.Create(CultureInfo.InvariantCulture, $"{Train:0.0##}/{Validation:0.0##}/{Test:0.0##}")
        : string.Create(CultureInfo.InvariantCulture, $"{Train:0}/{Validation:0}/{Test:0}");
}
