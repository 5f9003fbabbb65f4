// SettingsDifference: which settings two runs differ in, field by field, in the checkpoint's own names.

using System.Globalization;
using System.Text.Json.Nodes;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Training.Run;

/// <summary>
/// Compares the settings of two runs as their checkpoints would store them (<see cref="RunState.Of"/>),
/// so a setting added to <see cref="RunConfig"/> is compared without being listed here. What a run
/// measures or may change on resuming is not a setting that makes it another run: the preprocessing
/// constants (measured on each split's training images), the backend, and the data folder where both
/// runs recorded the fingerprint of its files (then the fingerprint decides, so moved data still matches).
/// </summary>
public static class SettingsDifference
{
    /// <summary>
    /// The settings in which <paramref name="existing"/> and <paramref name="wanted"/> differ, each as
    /// "<c>name</c>: VALUE in <paramref name="existingName"/>, VALUE in <paramref name="wantedName"/>"; empty when they are the same run's.
    /// </summary>
    public static IReadOnlyList<string> Between(RunConfig existing, RunConfig wanted, string existingName, string wantedName)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(wanted);
        var comparable = wanted with { Preprocessing = existing.Preprocessing, Backend = existing.Backend };
        if (existing.DataFingerprint is not null && wanted.DataFingerprint is not null)
        {
            comparable = comparable with { DataLocation = existing.DataLocation };
        }
        // The same progress on both sides, so only the settings can differ.
        var progress = RunProgress.Start(new Optimization.ScheduleState(0, 0, 0, 0, false));
        var left = JsonNode.Parse(RunState.Of(existing, progress).ToJson())!.AsObject();
        var right = JsonNode.Parse(RunState.Of(comparable, progress).ToJson())!.AsObject();
        var differences = new List<string>();
        Compare(left, right, "", existingName, wantedName, differences);
        return differences;
    }

    private static void Compare(JsonObject left, JsonObject right, string prefix, string leftName, string rightName, List<string> differences)
    {
        foreach (string key in left.Select(p => p.Key).Union(right.Select(p => p.Key), StringComparer.Ordinal))
        {
            var (a, b) = (left[key], right[key]);
            if (a is JsonObject objectA && b is JsonObject objectB)
            {
                Compare(objectA, objectB, $"{prefix}{key}.", leftName, rightName, differences);
            }
            else if (!JsonNode.DeepEquals(a, b))
            {
                differences.Add($"{prefix}{key}: {Show(a)} in {leftName}, {Show(b)} in {rightName}");
            }
        }
    }

    private static string Show(JsonNode? value)
    {
        string text = value is null ? "none" : value.ToJsonString();
        return text.Length <= 80 ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..77]}...");
    }
}
