using System.Numerics.Tensors;

namespace AlexNet.Tensors;

/// <summary>
/// Summary numbers of a tensor's values: what the debugger shows to tell at a glance whether
/// activations explode, vanish or turn into NaN.
/// </summary>
public readonly record struct TensorStatistics(float Min, float Max, float Mean, float Std, int NaNs, int Infinities)
{
    /// <summary>Computes the statistics of <paramref name="values"/>; NaN and infinite values are counted and left out of the rest.</summary>
    public static TensorStatistics Of(ReadOnlySpan<float> values)
    {
        int nans = 0, infinities = 0;
        foreach (float v in values)
        {
            if (float.IsNaN(v))
            {
                nans++;
            }
            else if (float.IsInfinity(v))
            {
                infinities++;
            }
        }
        if (nans + infinities > 0)
        {
            var finite = new List<float>(values.Length);
            foreach (float v in values)
            {
                if (float.IsFinite(v))
                {
                    finite.Add(v);
                }
            }
            return Finite(finite.ToArray(), nans, infinities);
        }
        return Finite(values, 0, 0);
    }

    private static TensorStatistics Finite(ReadOnlySpan<float> values, int nans, int infinities)
    {
        if (values.IsEmpty)
        {
            return new TensorStatistics(float.NaN, float.NaN, float.NaN, float.NaN, nans, infinities);
        }
        // Sum in double: a float sum over millions of activations loses the mean's low digits.
        double sum = 0, sumOfSquares = 0;
        foreach (float v in values)
        {
            sum += v;
            sumOfSquares += (double)v * v;
        }
        double mean = sum / values.Length;
        double variance = Math.Max(0, (sumOfSquares / values.Length) - (mean * mean));
        return new TensorStatistics(TensorPrimitives.Min(values), TensorPrimitives.Max(values), (float)mean, (float)Math.Sqrt(variance), nans, infinities);
    }

    /// <summary>Written as <c>min -0.12 max 3.4 mean 0.51 std 0.88</c>, plus NaN/∞ counts when there are any.</summary>
    public override string ToString()
    {
        string text = FormattableString.Invariant($"min {Min:G4} max {Max:G4} mean {Mean:G4} std {Std:G4}");
        if (NaNs > 0)
        {
            text += FormattableString.Invariant($" NaN×{NaNs}");
        }
        if (Infinities > 0)
        {
            text += FormattableString.Invariant($" ∞×{Infinities}");
        }
        return text;
    }
}
