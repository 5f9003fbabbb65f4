// TransferLearningTests: features learned on one synthetic data set make a disjoint one learnable in a few steps.

using System.Globalization;
using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Tests.Interop;

/// <summary>
/// The transfer-learning row of Docs/results.md, measured on generated data where no disjoint real data
/// set exists here: <c>mini</c> is trained on the synthetic stripe classes 0–7, then fine-tuned with
/// <c>--init-from … --freeze features</c> on classes 8–11 (new angles and tints, never seen), written
/// out as an image folder; a run from scratch gets the same data, seed and budget (12 steps on 4
/// images per class, 20 per class to validate). Measured: 97.5% against 30% (chance 25%). On 80
/// validation images one accuracy has a standard error of at most 5.6 points, so the margin of 40
/// points the test asks for does not come from chance.
/// </summary>
public sealed class TransferLearningTests
{
    private const int ImagesPerClass = 24;
    private static readonly string[] Budget = ["--split", "4/20/0", "--epochs", "6", "--batch-size", "8", "--seed", "3"];

    /// <summary>Synthetic classes <paramref name="first"/>… as a data folder of PNGs, one subfolder per class.</summary>
    private static string WriteClasses(TempFolder work, int first, int count)
    {
        string root = work.Combine("new-classes");
        for (int label = first; label < first + count; label++)
        {
            string folder = Path.Combine(root, SyntheticData.ClassName(label));
            Directory.CreateDirectory(folder);
            for (int i = 0; i < ImagesPerClass; i++)
            {
                byte[] pixels = SyntheticData.Render(new DataItem(SyntheticData.Source(label, i), label), 72);
                using var image = Image.LoadPixelData<Rgb24>(pixels, 72, 72);
                image.SaveAsPng(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D2}.png")));
            }
        }
        return root;
    }

    [Fact]
    public async Task Frozen_features_pretrained_on_other_classes_beat_training_from_scratch_at_the_same_budget()
    {
        using var work = TestFiles.NewFolder();
        var pretrained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--classes", "8", "--synthetic-images", "32",
            "--epochs", "6", "--batch-size", "16", "--name", "source");
        Assert.True(pretrained.ExitCode == 0, pretrained.Error);
        string data = WriteClasses(work, first: 8, count: 4);

        var tuned = await AppRunner.RunAsync(work.Path, null, ["train", "--init-from", work.Combine("runs", "source", "best.safetensors"), "--freeze", "features", "--data", data, .. Budget, "--name", "tuned"]);
        var scratch = await AppRunner.RunAsync(work.Path, null, ["train", "--model", "mini", "--data", data, .. Budget, "--name", "scratch"]);

        Assert.True(tuned.ExitCode == 0, tuned.Error);
        Assert.True(scratch.ExitCode == 0, scratch.Error);
        Assert.Contains("fc8 drawn afresh for 4 classes, features frozen", tuned.Output, StringComparison.Ordinal);
        double Best(string run) => Checkpoint.Read(work.Combine("runs", run, "last.safetensors")).State.BestValidationTop1;
        var (fineTuned, fromScratch) = (Best("tuned"), Best("scratch"));
        Assert.True(fineTuned >= 0.85 && fineTuned >= fromScratch + 0.4,
            $"fine-tuned {100 * fineTuned:0.0}% vs from scratch {100 * fromScratch:0.0}% validation top-1 (expected at least 85% and 40 points more)");
    }
}
