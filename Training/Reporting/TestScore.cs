// TestScore: test.json, the machine-readable record of a run's final test, which summaries read instead of logs.

using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Training.Reporting;

/// <summary>
/// A run's final test score as <c>alexnet train</c> writes it to <c>test.json</c> beside the
/// checkpoints: which checkpoint was scored (its file and epoch), with how many crops, on how many
/// images, and the loss, top-1 and top-5 (fractions in [0, 1]). <c>train --seeds</c> reads it back
/// rather than parsing the log.
/// </summary>
/// <param name="Checkpoint">the file scored, relative to the run folder (<c>best.safetensors</c>)</param>
/// <param name="Epoch">the epoch that checkpoint was saved at: the run's best by validation top-1</param>
/// <param name="Crops">1 (the centre crop) or 10 (the paper's corners and centre, mirrored: <c>--tta</c>)</param>
/// <param name="Images">test images scored</param>
/// <param name="Split">images per class for train/val/test where every class has the same counts (<c>40/20/20</c>), else the totals (<c>680/340/340 images</c>)</param>
/// <param name="Loss">mean cross-entropy of the (crop-averaged) softmax</param>
/// <param name="Top1">the fraction of test images whose first guess is right</param>
/// <param name="Top5">the fraction whose label is among the five first guesses</param>
/// <param name="Seconds">how long the test took</param>
public sealed record TestScore(string Checkpoint, int Epoch, int Crops, int Images, string Split, double Loss, double Top1, double Top5, double Seconds)
{
    /// <summary>The file's name in the run folder.</summary>
    public const string FileName = "test.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The crops in words, as the test line prints them.</summary>
    [JsonIgnore]
    public string CropsInWords => Crops == 1 ? "centre crop" : $"{Crops} crops";

    /// <summary>Writes the score into <paramref name="runFolder"/> (atomically: a reader sees the old file or the new one).</summary>
    public void Write(string runFolder) => AtomicFile.WriteAllText(Path.Combine(runFolder, FileName), JsonSerializer.Serialize(this, Options) + "\n");

    /// <summary>The score in <paramref name="runFolder"/>, or null where the run has none (its test has not run, or it was made before <c>test.json</c> was written).</summary>
    /// <exception cref="AppException">The file exists but is not a test score.</exception>
    public static TestScore? Read(string runFolder)
    {
        string path = Path.Combine(runFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var score = JsonSerializer.Deserialize<TestScore>(File.ReadAllText(path), Options);
            return score is { Checkpoint: not null, Split: not null, Crops: > 0 }
                ? score
                : throw new AppException($"{path} is not a test score: expected the fields checkpoint, epoch, crops, images, split, loss, top1, top5 and seconds. Delete it and train --seeds scores the run again.");
        }
        catch (JsonException e)
        {
            throw new AppException($"{path} is not valid JSON ({e.Message}). Delete it and train --seeds scores the run again.", e);
        }
    }
}
