using System.Globalization;

namespace AlexNet.Tests.Docs;

/// <summary>
/// A number as a page writes it (<c>0.8165</c>, <c>-3</c>, <c>−0.25</c>): its value and how precise it
/// claims to be. The rule every checked number on a page follows: it is the exact value rounded to
/// the decimals it shows, and, unless it is exact, it shows at least three significant digits — so
/// changing any digit, or rounding it more coarsely, makes it wrong.
/// </summary>
public readonly record struct DecimalLiteral(string Text, double Value, int Decimals, int SignificantDigits)
{
    /// <summary>Fewest significant digits an inexact number may show.</summary>
    public const int MinimumSignificantDigits = 3;

    /// <summary>Reads a plain decimal (no exponent); '−' (U+2212) counts as a minus sign.</summary>
    public static bool TryParse(string text, out DecimalLiteral literal)
    {
        literal = default;
        string plain = text.Trim().Replace('−', '-');
        string digits = plain.TrimStart('-', '+');
        if (digits.Length == 0 || digits.Count(c => c == '.') > 1 || !digits.All(c => char.IsAsciiDigit(c) || c == '.')
            || digits.StartsWith('.') || digits.EndsWith('.'))
        {
            return false;
        }
        int point = digits.IndexOf('.', StringComparison.Ordinal);
        int decimals = point < 0 ? 0 : digits.Length - point - 1;
        string significant = digits.Replace(".", "", StringComparison.Ordinal).TrimStart('0');
        literal = new DecimalLiteral(text.Trim(), double.Parse(plain, NumberStyles.Float, CultureInfo.InvariantCulture), decimals,
            significant.Length == 0 ? 1 : significant.Length);
        return true;
    }

    /// <summary>Half a unit in the last place shown: how far from the exact value a correctly rounded number may be.</summary>
    public double HalfUnit => 0.5 * Math.Pow(10, -Decimals);

    /// <summary>
    /// How close counts as exact, for the rule on significant digits: 4e-7, relative (absolute below 1).
    /// Inputs are floats, so a page's 0.4 is 0.400000006 to the code: float's rounding, 6e-8 relative,
    /// a few times over stays below this.
    /// </summary>
    public static double ExactWithin(double value) => 4e-7 * Math.Max(1, Math.Abs(value));

    /// <summary>
    /// Null when this literal is <paramref name="exact"/> correctly rounded (within <paramref name="slack"/>
    /// more, for values computed in float) and, unless <paramref name="roundingOnly"/>, shows enough
    /// digits; otherwise what is wrong and what to write.
    /// </summary>
    public string? Mismatch(double exact, double slack = 0, bool roundingOnly = false)
    {
        double difference = Math.Abs(Value - exact);
        if (!(difference <= HalfUnit + (1e-9 * Math.Max(1, Math.Abs(exact))) + slack))
        {
            return $"shows {Text}, but the value is {exact.ToString("G9", CultureInfo.InvariantCulture)}: write {Suggest(exact)}";
        }
        if (!roundingOnly && difference > ExactWithin(exact) && SignificantDigits < MinimumSignificantDigits)
        {
            return $"shows {Text}, too coarse for the inexact value {exact.ToString("G9", CultureInfo.InvariantCulture)}: write {Suggest(exact)}";
        }
        return null;
    }

    /// <summary>The shortest decimal that is exactly the value, or else the value to four significant digits.</summary>
    public static string Suggest(double exact)
    {
        int leading = exact == 0 ? 0 : (int)Math.Floor(Math.Log10(Math.Abs(exact)));
        for (int decimals = 0; decimals <= 15; decimals++)
        {
            double rounded = Math.Round(exact, decimals, MidpointRounding.AwayFromZero);
            if (Math.Abs(rounded - exact) <= ExactWithin(exact) || decimals >= 3 - leading)
            {
                return rounded.ToString("F" + decimals, CultureInfo.InvariantCulture);
            }
        }
        return exact.ToString("G9", CultureInfo.InvariantCulture);
    }
}
