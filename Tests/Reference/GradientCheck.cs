using System.Globalization;
using Xunit.Sdk;

namespace AlexNet.Tests.Reference;

/// <summary>
/// Checks a backward pass against central differences of its forward pass, as Caffe's
/// GradientChecker does: for a scalar loss L(x), the analytic ∂L/∂x[i] must equal
/// (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h within threshold · max(1, |analytic|, |numeric|) — a relative
/// threshold with a floor of 1, so tiny gradients are compared absolutely. Everything is double,
/// so h can be small (1e-5: truncation error ~h² ≈ 1e-10, rounding ~1e-16/h ≈ 1e-11) and the
/// threshold tight (1e-6). Inputs must keep a distance of more than h from kinks (ReLU's 0,
/// max-pool ties), which the callers' generators ensure.
/// </summary>
public static class GradientCheck
{
    public const double Step = 1e-5;

    public const double Threshold = 1e-6;

    /// <summary>
    /// Compares <paramref name="analytic"/> with central differences of <paramref name="loss"/> in
    /// <paramref name="x"/>, at every coordinate or at <paramref name="maxCoordinates"/> random ones.
    /// <paramref name="loss"/> reads <paramref name="x"/>, which is perturbed in place and restored.
    /// </summary>
    public static void Verify(string what, double[] x, Func<double> loss, double[] analytic, Random random, int maxCoordinates = 40)
    {
        if (analytic.Length != x.Length)
        {
            throw new XunitException($"{what}: the gradient has {analytic.Length} values for {x.Length} inputs.");
        }
        IEnumerable<int> coordinates = x.Length <= maxCoordinates
            ? Enumerable.Range(0, x.Length)
            : Enumerable.Range(0, maxCoordinates).Select(_ => random.Next(x.Length));
        foreach (int i in coordinates)
        {
            double saved = x[i];
            x[i] = saved + Step;
            double plus = loss();
            x[i] = saved - Step;
            double minus = loss();
            x[i] = saved;
            double numeric = (plus - minus) / (2 * Step);
            double scale = Math.Max(1, Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])));
            if (!(Math.Abs(numeric - analytic[i]) <= Threshold * scale))
            {
                throw new XunitException(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: at index {i} the backward gives {analytic[i]:G10} but central differences give {numeric:G10} " +
                    $"(difference {Math.Abs(numeric - analytic[i]):G3}, allowed {Threshold * scale:G3})."));
            }
        }
    }

    /// <summary>Σ a[i]·b[i]: the loss L = ⟨forward(x), dy⟩ whose gradient is the backward of dy.</summary>
    public static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary><paramref name="length"/> doubles uniform in [low, high).</summary>
    public static double[] Uniform(Random random, int length, double low = -1, double high = 1) =>
        Enumerable.Range(0, length).Select(_ => low + ((high - low) * random.NextDouble())).ToArray();

    /// <summary>
    /// Distinct values at least 0.01 apart (a shuffled ramp plus small jitter): no max-pool window
    /// has a tie, and no perturbation of size h changes a winner.
    /// </summary>
    public static double[] Distinct(Random random, int length)
    {
        var values = Enumerable.Range(0, length).Select(i => (i * 0.02) + (0.005 * random.NextDouble()) - (0.01 * length)).ToArray();
        random.Shuffle(values);
        return values;
    }

    /// <summary>Values in ±[0.05, 1]: at least 0.05 away from ReLU's kink at 0.</summary>
    public static double[] AwayFromZero(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (0.05 + (0.95 * random.NextDouble())) * (random.Next(2) == 0 ? -1 : 1)).ToArray();
}
