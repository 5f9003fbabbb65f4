// BetaSampler: λ ~ Beta(α, α) for mixup and cutmix, from two Gamma draws (Marsaglia–Tsang).

namespace AlexNet.Training.Data;

/// <summary>
/// Gamma and Beta random numbers from a <see cref="RandomStream.Sequence"/>, so that a batch's λ is
/// a pure function of (seed, epoch, batch). Beta(a, b) is X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
/// </summary>
public static class BetaSampler
{
    /// <summary>A Beta(<paramref name="a"/>, <paramref name="b"/>) number in [0, 1]; a, b &gt; 0.</summary>
    public static double Beta(double a, double b, RandomStream.Sequence random)
    {
        double x = Gamma(a, random);
        double y = Gamma(b, random);
        // Both can underflow to 0 for tiny shapes; the limit then puts all weight on one side, chosen fairly.
        return x + y > 0 ? x / (x + y) : random.NextUniform() <= 0.5 ? 0 : 1;
    }

    /// <summary>
    /// A Gamma(<paramref name="shape"/>, 1) number (mean = variance = shape), by Marsaglia and Tsang
    /// (2000), "A simple method for generating gamma variables": for shape ≥ 1, with d = shape − 1/3 and
    /// c = 1/√(9d), draw x ~ N(0, 1) and v = (1 + c·x)³ until v &gt; 0 and
    /// log u &lt; x²/2 + d − d·v + d·log v for a uniform u; the result is d·v (about 1.03 tries on
    /// average). A shape below 1 draws Gamma(shape + 1) and multiplies by u^(1/shape).
    /// </summary>
    public static double Gamma(double shape, RandomStream.Sequence random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(shape > 0) || !double.IsFinite(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "A Gamma distribution's shape must be a positive number.");
        }
        if (shape < 1)
        {
            double boost = Math.Pow(random.NextUniform(), 1 / shape);
            return Gamma(shape + 1, random) * boost;
        }
        double d = shape - (1.0 / 3.0);
        double c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x = random.NextNormal();
            double v = 1 + (c * x);
            if (v <= 0)
            {
                continue;
            }
            v = v * v * v;
            double u = random.NextUniform();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
