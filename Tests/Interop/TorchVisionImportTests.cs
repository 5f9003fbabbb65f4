// TorchVisionImportTests: alexnet import's round trip and its refusals.

using AlexNet.Backends.Cpu;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Interop;

namespace AlexNet.Tests.Interop;

/// <summary>
/// <c>alexnet import --from torchvision</c>: a state dict under torchvision's names becomes a checkpoint
/// of our <c>torchvision</c> variant holding exactly those values; files that do not fit are refused
/// with every problem named. (The comparison with libtorch's own forward pass is in Tests.Libtorch.)
/// </summary>
public sealed class TorchVisionImportTests
{
    private static readonly CpuBackend Cpu = new();

    /// <summary>Our torchvision model's parameters saved under torchvision's names, as torch would save them.</summary>
    private static void WriteStateDict(string path, AlexNet.Layers.Sequential model)
    {
        var ours = model.Parameters.ToDictionary(p => p.Name);
        var tensors = TorchVisionImporter.Names.Select(n => SafeTensor.F32(n.TorchVision, ours[n.Ours].Shape.ToArray(), ours[n.Ours].Value.ToArray())).ToList();
        using var stream = File.Create(path);
        SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    [Fact]
    public async Task Imported_weights_are_the_files_values_under_our_names_with_imagenet_preprocessing()
    {
        using var work = TestFiles.NewFolder();
        using var source = TorchVision.Variant.Build(Cpu, classes: 5, seed: 21);
        WriteStateDict(work.Combine("alexnet.safetensors"), source);
        File.WriteAllLines(work.Combine("classes.txt"), ["daisy", "tulip", "iris", "lily", "rose"]);

        var result = await AppRunner.RunAsync(work.Path, null, "import", "--from", "torchvision", work.Combine("alexnet.safetensors"),
            "--out", work.Combine("imported.safetensors"), "--class-names", work.Combine("classes.txt"));

        Assert.True(result.ExitCode == 0, result.Error);
        var checkpoint = Checkpoint.Read(work.Combine("imported.safetensors"));
        Assert.Equal("torchvision", checkpoint.State.Model);
        Assert.Equal(["daisy", "tulip", "iris", "lily", "rose"], checkpoint.State.ClassNames);
        Assert.Equal(TorchVisionImporter.ImageNetPreprocessing.Mean, checkpoint.State.Preprocessing.Mean);
        Assert.Equal(224, checkpoint.State.Preprocessing.CropSize);
        using var imported = AlexNet.Training.Cli.ModelLoader.Load(checkpoint, Cpu);
        foreach (var parameter in source.Parameters)
        {
            Assert.True(parameter.Value.ToArray().AsSpan().SequenceEqual(imported.Parameters.Single(p => p.Name == parameter.Name).Value.ToArray()), $"{parameter.Name} changed on import");
        }
    }

    [Fact]
    public async Task A_state_dict_with_missing_extra_or_misshaped_tensors_is_refused_naming_each()
    {
        using var work = TestFiles.NewFolder();
        var tensors = new List<SafeTensor>
        {
            SafeTensor.F32("features.0.weight", [64, 3, 5, 5], new float[64 * 3 * 5 * 5]),
            SafeTensor.F32("features.0.bias", [64], new float[64]),
            SafeTensor.F32("features.1.running_mean", [64], new float[64]),
            SafeTensor.F32("classifier.6.weight", [10, 4096], new float[10 * 4096]),
        };
        using (var stream = File.Create(work.Combine("wrong.safetensors")))
        {
            SafeTensors.Write(stream, tensors, new Dictionary<string, string>());
        }

        var result = await AppRunner.RunAsync(work.Path, null, "import", "--from", "torchvision", work.Combine("wrong.safetensors"), "--out", work.Combine("out.safetensors"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("features.0.weight has shape [64, 3, 5, 5], torchvision's AlexNet needs [64, 3, 11, 11]", result.Error, StringComparison.Ordinal);
        Assert.Contains("classifier.4.bias [4096] is missing", result.Error, StringComparison.Ordinal);
        Assert.Contains("classifier.6.bias [10] is missing", result.Error, StringComparison.Ordinal);
        Assert.Contains("unexpected tensors features.1.running_mean", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("out.safetensors")));
    }

    [Fact]
    public async Task A_pth_pickle_is_refused_with_the_two_lines_that_convert_it()
    {
        using var work = TestFiles.NewFolder();
        File.WriteAllBytes(work.Combine("alexnet.pth"), [(byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0]);

        var result = await AppRunner.RunAsync(work.Path, null, "import", "--from", "torchvision", work.Combine("alexnet.pth"), "--out", work.Combine("out.safetensors"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is a PyTorch pickle (.pth)", result.Error, StringComparison.Ordinal);
        Assert.Contains("safetensors.torch.save_file(torch.load('IN.pth', weights_only=True)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Class_names_that_do_not_match_the_weights_are_refused()
    {
        using var work = TestFiles.NewFolder();
        using var source = TorchVision.Variant.Build(Cpu, classes: 3, seed: 2);
        WriteStateDict(work.Combine("w.safetensors"), source);
        File.WriteAllLines(work.Combine("classes.txt"), ["a", "b"]);

        var result = await AppRunner.RunAsync(work.Path, null, "import", "--from", "torchvision", work.Combine("w.safetensors"), "--out", work.Combine("out.safetensors"), "--class-names", work.Combine("classes.txt"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--class-names gives 2 names, but the weights have 3 classes", result.Error, StringComparison.Ordinal);
    }
}
