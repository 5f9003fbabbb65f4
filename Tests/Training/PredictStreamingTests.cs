using System.Globalization;
using System.Text;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>predict</c> over a folder streams the files a group at a time (<see cref="FileBatches"/>) and prints,
/// character for character, what the in-memory path it replaced printed: every image decoded first into an
/// <see cref="ImageSet"/>, then batches of 16 through <see cref="InputPipeline.Evaluation"/>.
/// </summary>
public sealed class PredictStreamingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Predict_over_a_folder_prints_what_the_in_memory_path_printed(bool tenCrops)
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--batch-size", "8", "--seed", "7", "--epochs", "1", "--name", "r");
        Assert.True(trained.ExitCode == 0, trained.Error);
        string checkpoint = work.Combine("runs", "r", "best.safetensors");
        // 37 files: two full groups of 16 and a last one of 5; sizes vary so each is resized and cropped differently.
        for (int i = 0; i < 37; i++)
        {
            TestFiles.WriteImage(work.Combine("photos", $"{i:00}.png"), 60 + (i % 7 * 9), 90 - (i % 5 * 8), i);
        }

        string[] tta = tenCrops ? ["--tta"] : [];
        var predicted = await AppRunner.RunAsync(work.Path, null, ["predict", "--checkpoint", checkpoint, work.Combine("photos"), "--loader-threads", "3", "--prefetch", "2", .. tta]);

        Assert.True(predicted.ExitCode == 0, predicted.Error);
        Assert.Equal(InMemoryPrediction(checkpoint, work.Combine("photos"), tenCrops), predicted.Output);
    }

    /// <summary>The old path of <c>predict</c>, kept here as the reference: decode every image into memory, then classify.</summary>
    private static string InMemoryPrediction(string checkpointPath, string folder, bool tenCrops)
    {
        var checkpoint = Checkpoint.Read(checkpointPath);
        var state = checkpoint.State;
        var files = Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).ToArray();
        var decoder = new ImageDecoder();
        var images = new ImageSet(state.Preprocessing.StoredSize, [.. files.Select(f => decoder.Load(f, state.Preprocessing.StoredSize))], [.. files.Select(_ => 0)], files);
        using var backend = CommonOptions.CreateBackend("cpu", 0);
        using var model = ModelLoader.Load(checkpoint, backend);
        int maxOffset = state.Preprocessing.StoredSize - state.Preprocessing.CropSize;
        var crops = tenCrops ? Augmentation.TenCrops(maxOffset) : [Augmentation.Centre(maxOffset)];
        var pipeline = new InputPipeline(images, state.Preprocessing, batchSize: Math.Min(files.Length, 16));
        int classes = state.ClassNames.Count;
        var sum = new double[images.Count * classes];
        using var step = new InferenceStep(model);
        using var deviceBatch = new DeviceBatch(backend, model.InputShape);
        using (var queue = pipeline.Evaluation(crops, TestContext.Current.CancellationToken))
        {
            while (queue.Next() is { } batch)
            {
                using (batch)
                {
                    deviceBatch.Load(batch, labels: false);
                    float[] probabilities = step.Probabilities(deviceBatch);
                    for (int n = 0; n < batch.Count; n++)
                    {
                        for (int c = 0; c < classes; c++)
                        {
                            sum[(batch.ImageIndices[n] * classes) + c] += probabilities[(n * classes) + c] / crops.Length;
                        }
                    }
                }
            }
        }
        var text = new StringBuilder();
        for (int i = 0; i < images.Count; i++)
        {
            var row = sum.AsSpan(i * classes, classes);
            text.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(files[i])}:\n");
            foreach (int c in Scoring.TopK(row, Math.Min(5, classes)))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {state.ClassNames[c],-20} {row[c]:0.0000}\n");
            }
        }
        return text.ToString();
    }

    [Fact]
    public async Task A_group_of_unreadable_files_gives_warnings_in_file_order_and_the_others_are_classified()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--batch-size", "8", "--seed", "7", "--epochs", "1", "--name", "r");
        Assert.True(trained.ExitCode == 0, trained.Error);
        // Files 00–15 (the whole first group) are not images; 16–19 are.
        for (int i = 0; i < 20; i++)
        {
            string path = work.Combine("photos", $"{i:00}.png");
            if (i < 16)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, "not a picture");
            }
            else
            {
                TestFiles.WriteImage(path, 40, 50, i);
            }
        }

        var predicted = await AppRunner.RunAsync(work.Path, null, "predict", "--checkpoint", work.Combine("runs", "r", "best.safetensors"), work.Combine("photos"));

        Assert.Equal(AppHost.Failure, predicted.ExitCode);
        Assert.Equal(["16.png:", "17.png:", "18.png:", "19.png:"], predicted.Output.Split('\n').Where(l => l.EndsWith(':')));
        string[] errors = predicted.Error.TrimEnd().Split('\n');
        Assert.Equal(17, errors.Length);
        Assert.All(Enumerable.Range(0, 16), i => Assert.StartsWith($"warning: cannot classify {work.Combine("photos", $"{i:00}.png")}: ", errors[i], StringComparison.Ordinal));
        Assert.Equal("alexnet: error: 16 of 20 images could not be classified (see the warnings above); the results above are for the other 4.", errors[16]);
    }
}
