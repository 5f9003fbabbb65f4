using System.Globalization;

namespace AlexNet.Training.Reporting;

/// <summary>Counts in words: "1 epoch", "2 epochs".</summary>
public static class Plural
{
    /// <summary><paramref name="count"/> and <paramref name="noun"/>, with an 's' unless the count is 1.</summary>
    public static string Of(long count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
