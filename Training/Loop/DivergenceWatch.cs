using System.Globalization;

namespace AlexNet.Training.Loop;

/// <summary>
/// Tells a diverging run from a noisy one before its loss turns into NaN. A network that guesses
/// uniformly has a cross-entropy of ln(classes); a batch loss a hundred times that means the logits
/// have blown up (the correct class gets a probability below e^-100·ln C), which training at a sane
/// rate never reaches, even from the worst start. Over a whole epoch the bar is one order of magnitude:
/// an epoch whose mean training loss is ten times that of guessing has weights no lower rate can rescue,
/// so it must not be saved over the last good checkpoint.
/// </summary>
public static class DivergenceWatch
{
    /// <summary>How many times the loss of guessing a batch loss may reach before the run counts as diverging.</summary>
    public const double ChanceMultiple = 100;

    /// <summary>How many times the loss of guessing an epoch's mean training loss may reach.</summary>
    public const double EpochChanceMultiple = 10;

    /// <summary>True when an epoch's mean training loss is above <see cref="EpochChanceMultiple"/> times the loss of guessing.</summary>
    public static bool IsEpochDiverging(double meanLoss, int classes) => !double.IsFinite(meanLoss) || meanLoss > EpochChanceMultiple * Math.Log(classes);

    /// <summary>The highest batch loss a healthy run of <paramref name="classes"/> classes is allowed.</summary>
    public static double Threshold(int classes) => ChanceMultiple * Math.Log(classes);

    /// <summary>True when <paramref name="loss"/> is NaN, infinite, or above <see cref="Threshold"/>.</summary>
    public static bool IsDiverging(double loss, int classes) => !double.IsFinite(loss) || loss > Threshold(classes);

    /// <summary>What the loss did <paramref name="where"/>, for the message: "became NaN at epoch 1, step 3; stopping.", or "reached 512 at …, over 100 times the loss of guessing (ln 4 = 1.39): …".</summary>
    public static string Describe(double loss, int classes, string where) => double.IsFinite(loss)
        ? string.Create(CultureInfo.InvariantCulture, $"reached {loss:G4} {where}, over {ChanceMultiple:0} times the loss of guessing (ln {classes} = {Math.Log(classes):0.00}): the training is diverging, so it stops before the loss turns into NaN.")
        : string.Create(CultureInfo.InvariantCulture, $"became {loss} {where}; stopping.");
}
