// FineTuningTests: train --init-from with frozen or slower features, from a trained mini and from imported torchvision weights.

using AlexNet.Backends.Cpu;
using AlexNet.Layers.Variants;
using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Interop;

namespace AlexNet.Tests.Interop;

/// <summary>
/// <c>train --init-from</c>: a run that starts from another checkpoint's weights, with the features
/// frozen or at a fraction of the learning rate, and the last layer drawn afresh for new classes —
/// from a trained <c>mini</c> and from torchvision weights brought in by <c>alexnet import</c>.
/// </summary>
public sealed class FineTuningTests
{
    private static readonly string[] Features = ["conv1.weight", "conv1.bias", "conv2.weight", "conv3.weight", "conv4.weight", "conv5.weight", "conv5.bias"];

    private static async Task<string> TrainedMini(TempFolder work)
    {
        var result = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "2", "--batch-size", "8", "--name", "source");
        Assert.True(result.ExitCode == 0, result.Error);
        return work.Combine("runs", "source", "best.safetensors");
    }

    private static float[] Values(string checkpoint, string tensor) => Checkpoint.Read(checkpoint).Tensors[tensor].ToFloats();

    [Fact]
    public async Task Frozen_features_stay_as_loaded_while_a_new_last_layer_learns_the_new_classes_and_a_resume_keeps_them_frozen()
    {
        using var work = TestFiles.NewFolder();
        string source = await TrainedMini(work);

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--init-from", source, "--freeze", "features", "--synthetic", "--classes", "3",
            "--epochs", "2", "--batch-size", "8", "--name", "tuned");
        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/tuned", "--epochs", "3");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("fc8 drawn afresh for 3 classes, features frozen", result.Output, StringComparison.Ordinal);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        string last = work.Combine("runs", "tuned", "last.safetensors");
        foreach (string name in Features)
        {
            Assert.True(Values(source, name).AsSpan().SequenceEqual(Values(last, name)), $"{name} changed although the features were frozen");
        }
        Assert.False(Values(source, "fc6.weight").AsSpan().SequenceEqual(Values(last, "fc6.weight")), "fc6 did not train");
        var state = Checkpoint.Read(last).State;
        Assert.Equal(3, state.Epoch);
        Assert.Equal(FineTuning.Features, state.FineTune!.Freeze);
        Assert.Equal([3, 256], Checkpoint.Read(last).Tensors["fc8.weight"].Shape);
        // No optimizer state for what does not train.
        Assert.DoesNotContain(Checkpoint.Read(last).Tensors.Keys, name => name.StartsWith("optimizer.", StringComparison.Ordinal) && name.Contains("conv", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_features_learning_rate_scale_scales_the_first_update_of_the_features_only()
    {
        using var work = TestFiles.NewFolder();
        string source = await TrainedMini(work);
        string[] Run(string name, params string[] more) =>
            ["train", "--init-from", source, "--synthetic", "--epochs", "1", "--batch-size", "8", "--max-steps", "1", "--name", name, .. more];

        var full = await AppRunner.RunAsync(work.Path, null, Run("full"));
        var half = await AppRunner.RunAsync(work.Path, null, Run("half", "--features-lr-scale", "0.5"));

        Assert.True(full.ExitCode == 0, full.Error);
        Assert.True(half.ExitCode == 0, half.Error);
        Assert.Contains("every layer loaded, features at 0.5× the learning rate", half.Output, StringComparison.Ordinal);
        double Step(string run, string tensor) =>
            Math.Sqrt(Values(source, tensor).Zip(Values(work.Combine("runs", run, "last.safetensors"), tensor), (a, b) => (double)(a - b) * (a - b)).Sum());
        // The same weights and batch give the same gradients; only the rate differs (SGD's first step is lr·(g + decay·w)).
        Assert.Equal(0.5, Step("half", "conv2.weight") / Step("full", "conv2.weight"), 3);
        Assert.Equal(1.0, Step("half", "fc7.weight") / Step("full", "fc7.weight"), 6);
    }

    [Fact]
    public async Task Torchvision_weights_imported_then_fine_tuned_on_new_classes_with_frozen_features()
    {
        using var work = TestFiles.NewFolder();
        using (var backend = new CpuBackend())
        using (var imagenet = TorchVision.Variant.Build(backend, classes: 1000, seed: 5))
        {
            var ours = imagenet.Parameters.ToDictionary(p => p.Name);
            using var stream = File.Create(work.Combine("alexnet.safetensors"));
            SafeTensors.Write(stream, [.. TorchVisionImporter.Names.Select(n => SafeTensor.F32(n.TorchVision, ours[n.Ours].Shape.ToArray(), ours[n.Ours].Value.ToArray()))], new Dictionary<string, string>());
        }
        var imported = await AppRunner.RunAsync(work.Path, null, "import", "--from", "torchvision", "alexnet.safetensors", "--out", "imagenet.safetensors");
        Assert.True(imported.ExitCode == 0, imported.Error);

        var tuned = await AppRunner.RunAsync(work.Path, null, "train", "--init-from", "imagenet.safetensors", "--freeze", "features", "--synthetic", "--classes", "3",
            "--synthetic-images", "8", "--epochs", "1", "--batch-size", "4", "--lr", "0.001", "--max-steps", "2", "--name", "flowers");

        Assert.True(tuned.ExitCode == 0, tuned.Error);
        Assert.Contains("Training torchvision", tuned.Output, StringComparison.Ordinal);
        Assert.Contains("fc8 drawn afresh for 3 classes", tuned.Output, StringComparison.Ordinal);
        string last = work.Combine("runs", "flowers", "last.safetensors");
        Assert.True(Values(work.Combine("imagenet.safetensors"), "conv1.weight").AsSpan().SequenceEqual(Values(last, "conv1.weight")));
        var state = Checkpoint.Read(last).State;
        Assert.Equal(TorchVisionImporter.ImageNetPreprocessing.Mean, state.Preprocessing.Mean);   // the features' input scale is kept
        Assert.Equal(2, state.GlobalStep);
        Assert.True(double.IsFinite(state.Partial.LossSum) && state.Partial.Seen == 8, $"after 2 steps of 4 images: loss sum {state.Partial.LossSum} over {state.Partial.Seen} images");
    }

    [Theory]
    [InlineData("--freeze features", "--freeze only applies to fine-tuning: add --init-from")]
    [InlineData("--init-from SOURCE --freeze features --features-lr-scale 0.1", "--freeze features and --features-lr-scale exclude each other")]
    [InlineData("--init-from SOURCE --features-lr-scale 0", "--features-lr-scale 0 is out of range")]
    [InlineData("--init-from SOURCE --model alexnet", "--model alexnet does not match --init-from")]
    [InlineData("--init-from SOURCE --init he", "--init and --init-from exclude each other")]
    public async Task Fine_tuning_options_that_do_not_fit_are_refused(string options, string message)
    {
        using var work = TestFiles.NewFolder();
        string source = options.Contains("SOURCE", StringComparison.Ordinal) ? await TrainedMini(work) : "";

        var result = await AppRunner.RunAsync(work.Path, null, ["train", "--synthetic", "--epochs", "1", .. options.Replace("SOURCE", source, StringComparison.Ordinal).Split(' ')]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }
}
