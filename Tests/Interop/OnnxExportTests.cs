// OnnxExportTests: alexnet export checked by ONNX Runtime on every variant and on a trained checkpoint.

using System.Text.Json;
using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Tests.Docs;
using AlexNet.Tests.Training;
using AlexNet.Training;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Interop;
using AlexNet.Training.Interop.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace AlexNet.Tests.Interop;

/// <summary>
/// <c>alexnet export</c> checked by ONNX Runtime: every variant with random weights, and a trained
/// <c>mini</c> checkpoint exported through the command line, run in both engines on random and real
/// images (the repository's own pictures, decoded and preprocessed as <c>predict</c> does).
/// </summary>
public sealed class OnnxExportTests
{
    private static readonly CpuBackend Cpu = new();

    public static TheoryData<string> Variants => [.. ModelVariants.Names];

    private static Preprocessing Standard(ModelVariant variant) =>
        new(variant.ImageSize, variant.InputShape[1], [120, 115, 100], [1 / 60.0, 1 / 58.0, 1 / 57.0], [0.2, 0.02, 0.005], [1, 0, 0, 0, 1, 0, 0, 0, 1]);

    private static string[] Names(int classes) => [.. Enumerable.Range(0, classes).Select(i => $"flower {i}")];

    [Theory, MemberData(nameof(Variants))]
    public void Every_variant_with_random_weights_gives_onnx_runtimes_logits_for_any_batch_size(string name)
    {
        var variant = ModelVariants.Get(name);
        using var model = variant.Build(Cpu, classes: 17, seed: 11);
        OnnxRuntimeCheck.RandomizeBatchNorms(model, seed: 12);
        byte[] onnx = OnnxExporter.Build(model, Names(17), Standard(variant), softmax: false).ToByteArray();
        double spread = variant.InputScale == InputScale.CentredPixels ? 128 : 2;
        foreach (int batch in new[] { 1, 3 })   // the batch dimension is dynamic
        {
            var shape = new Shape(batch, variant.InputShape[0], variant.InputShape[1], variant.InputShape[2]);
            var images = OnnxRuntimeCheck.RandomImages(shape, spread, seed: batch);
            var expected = OnnxRuntimeCheck.Run(onnx, shape, images, out string output);
            Assert.Equal(OnnxExporter.LogitsName, output);
            OnnxRuntimeCheck.Agree($"{name}, batch {batch}", 17, OnnxRuntimeCheck.Ours(model, shape, images), expected);
        }
    }

    /// <summary>
    /// <c>--norm batch</c>: convolutions without bias (ONNX Conv with two inputs) and BatchNormalization
    /// nodes with random statistics, grouped (alexnet, mini) and ungrouped (torchvision).
    /// </summary>
    [Theory]
    [InlineData("alexnet")]
    [InlineData("torchvision")]
    [InlineData("mini")]
    public void A_batch_normalized_variant_gives_onnx_runtimes_logits(string name)
    {
        var variant = ModelVariants.Get(name);
        using var model = variant.Build(Cpu, classes: 17, seed: 13, normalization: Normalization.Batch);
        OnnxRuntimeCheck.RandomizeBatchNorms(model, seed: 14);
        var graph = OnnxExporter.Build(model, Names(17), Standard(variant), softmax: false).Graph;
        Assert.Equal(5, graph.Node.Count(node => node.OpType == "BatchNormalization"));
        Assert.All(graph.Node.Where(node => node.OpType == "Conv"), node => Assert.Equal(2, node.Input.Count));
        Assert.DoesNotContain(graph.Node, node => node.OpType == "LRN");
        byte[] onnx = OnnxExporter.Build(model, Names(17), Standard(variant), softmax: false).ToByteArray();
        var shape = new Shape(2, variant.InputShape[0], variant.InputShape[1], variant.InputShape[2]);
        var images = OnnxRuntimeCheck.RandomImages(shape, variant.InputScale == InputScale.CentredPixels ? 128 : 2, seed: 15);
        var expected = OnnxRuntimeCheck.Run(onnx, shape, images, out _);
        OnnxRuntimeCheck.Agree($"{name} --norm batch", 17, OnnxRuntimeCheck.Ours(model, shape, images), expected);
    }

    [Fact]
    public async Task A_trained_mini_checkpoint_exported_by_the_command_line_agrees_with_onnx_runtime_on_real_images()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "3", "--batch-size", "8", "--name", "run");
        Assert.True(trained.ExitCode == 0, trained.Error);
        string checkpointPath = work.Combine("runs", "run", "best.safetensors");
        string onnxPath = work.Combine("mini.onnx");

        var exported = await AppRunner.RunAsync(work.Path, null, "export", "--checkpoint", checkpointPath, "--onnx", onnxPath);

        Assert.True(exported.ExitCode == 0, exported.Error);
        Assert.Contains("opset 17", exported.Output, StringComparison.Ordinal);
        var checkpoint = Checkpoint.Read(checkpointPath);
        var state = checkpoint.State;
        using var model = AlexNet.Training.Cli.ModelLoader.Load(checkpoint, Cpu);
        byte[] onnx = File.ReadAllBytes(onnxPath);
        // The repository's pictures (plots and learned kernels) through predict's preprocessing.
        var pictures = Directory.GetFiles(Path.Combine(Repository.Root, "Docs", "results"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(4).ToArray();
        Assert.True(pictures.Length >= 2, "the check needs the repository's pictures under Docs/results");
        var p = state.Preprocessing;
        int plane = 3 * p.CropSize * p.CropSize;
        var images = new float[pictures.Length * plane];
        var decoder = new ImageDecoder();
        for (int i = 0; i < pictures.Length; i++)
        {
            Augmentation.WriteInput(decoder.Load(pictures[i], p.StoredSize), Augmentation.Centre(p.StoredSize - p.CropSize), p, images.AsSpan(i * plane, plane));
        }
        var shape = new Shape(pictures.Length, 3, p.CropSize, p.CropSize);
        int classes = state.ClassNames.Count;
        OnnxRuntimeCheck.Agree("trained mini, real images", classes, OnnxRuntimeCheck.Ours(model, shape, images), OnnxRuntimeCheck.Run(onnx, shape, images, out _));
        var random = OnnxRuntimeCheck.RandomImages(shape, 2, seed: 5);
        OnnxRuntimeCheck.Agree("trained mini, random images", classes, OnnxRuntimeCheck.Ours(model, shape, random), OnnxRuntimeCheck.Run(onnx, shape, random, out _));
    }

    [Fact]
    public async Task The_metadata_gives_the_preprocessing_and_the_class_names_and_softmax_gives_probabilities()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "1", "--batch-size", "8", "--name", "run");
        Assert.True(trained.ExitCode == 0, trained.Error);
        string checkpointPath = work.Combine("runs", "run", "last.safetensors");

        var exported = await AppRunner.RunAsync(work.Path, null, "export", "--checkpoint", checkpointPath, "--onnx", work.Combine("p.onnx"), "--softmax");

        Assert.True(exported.ExitCode == 0, exported.Error);
        var state = Checkpoint.Read(checkpointPath).State;
        using var session = new InferenceSession(work.Combine("p.onnx"));
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal(state.ClassNames, JsonSerializer.Deserialize<string[]>(metadata["class_names"]));
        Assert.Equal("64x64", metadata["input_size"]);
        Assert.Equal(state.Preprocessing.Mean, JsonSerializer.Deserialize<double[]>(metadata["mean"]));
        Assert.Equal(state.Preprocessing.Scale.Select(s => 1 / s), JsonSerializer.Deserialize<double[]>(metadata["std"]));
        Assert.Equal(OnnxExporter.ProbabilitiesName, session.OutputMetadata.Keys.Single());
        Assert.Equal([-1, 3, 64, 64], session.InputMetadata[OnnxExporter.InputName].Dimensions);
        var shape = new Shape(2, 3, 64, 64);
        var probabilities = OnnxRuntimeCheck.Run(File.ReadAllBytes(work.Combine("p.onnx")), shape, OnnxRuntimeCheck.RandomImages(shape, 2, 3), out _);
        Assert.Equal(1.0, probabilities.Take(4).Sum(), 5);
        Assert.Equal(1.0, probabilities.Skip(4).Sum(), 5);
    }

    [Fact]
    public void The_paper_network_maps_to_grouped_convs_onnx_lrn_alpha_floor_pooling_and_no_dropout()
    {
        using var model = AlexNetPaper.Variant.Build(Cpu, classes: 17, seed: 1);

        var graph = OnnxExporter.Build(model, Names(17), Standard(AlexNetPaper.Variant), softmax: false).Graph;

        Assert.Equal(["Conv", "Relu", "LRN", "MaxPool", "Conv", "Relu", "LRN", "MaxPool", "Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "MaxPool",
            "Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"], graph.Node.Select(n => n.OpType));
        long Int(string node, string attribute) => graph.Node.Single(n => n.Name == node).Attribute.Single(a => a.Name == attribute).I;
        float Float(string node, string attribute) => graph.Node.Single(n => n.Name == node).Attribute.Single(a => a.Name == attribute).F;
        Assert.Equal([1L, 2, 1, 2, 2], new[] { "conv1", "conv2", "conv3", "conv4", "conv5" }.Select(n => Int(n, "group")));
        Assert.Equal(5e-4, Float("norm1", "alpha"), 1e-10);   // the paper's α = 1e-4 times the window of 5
        Assert.Equal(2f, Float("norm1", "bias"));
        Assert.Equal(0, Int("pool1", "ceil_mode"));
        Assert.Equal("N", graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
        // ONNX's grouped weight is [M, C/group, kH, kW], as ours.
        Assert.Equal([384L, 192, 3, 3], graph.Initializer.Single(t => t.Name == "conv4.weight").Dims);
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Dropout");
    }

    [Fact]
    public void An_even_lrn_window_is_refused_because_onnx_centres_it_differently()
    {
        using var model = new Sequential("even", new Shape(3, 8, 8),
        [
            new Conv2d(Cpu, "conv1", 3, 4, 3, new Convolution()),
            new LocalResponseNormalization(Cpu, "norm1", new LocalResponseNorm(4, 1e-4f, 0.75f, 2f)),
            new Flatten(Cpu, "flatten"),
            new Dense(Cpu, "fc", 4 * 6 * 6, 2),
        ]);

        var error = Assert.Throws<AppException>(() => OnnxExporter.Build(model, ["a", "b"], Standard(Mini.Variant), softmax: false));

        Assert.Contains("norm1 cannot be exported", error.Message, StringComparison.Ordinal);
        Assert.Contains("even", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_layer_onnx_has_no_equivalent_for_is_refused_by_name()
    {
        using var model = new Sequential("odd", new Shape(3, 4, 4), [new Flatten(Cpu, "flatten"), new Dense(Cpu, "fc", 48, 2), new Squares(Cpu, "squares")]);

        var error = Assert.Throws<AppException>(() => OnnxExporter.Build(model, ["a", "b"], Standard(Mini.Variant), softmax: false));

        Assert.StartsWith("squares (Squares) cannot be exported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_refuses_a_missing_checkpoint_and_a_folder_as_output()
    {
        using var work = TestFiles.NewFolder();

        var missing = await AppRunner.RunAsync(work.Path, null, "export", "--checkpoint", work.Combine("none.safetensors"), "--onnx", work.Combine("a.onnx"));
        Directory.CreateDirectory(work.Combine("folder.onnx"));
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "1", "--batch-size", "8", "--name", "run");
        var folder = await AppRunner.RunAsync(work.Path, null, "export", "--checkpoint", work.Combine("runs", "run", "last.safetensors"), "--onnx", work.Combine("folder.onnx"));

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Equal(1, folder.ExitCode);
        Assert.Contains("is a folder; --onnx expects a file", folder.Error, StringComparison.Ordinal);
    }

    /// <summary>A layer the exporter does not know (y = x², elementwise).</summary>
    private sealed class Squares(IBackend backend, string name) : Layer(backend, name)
    {
        public override string Description => "Squares";

        public override Shape OutputShape(Shape input) => input;

        public override Tensor Forward(Tensor input) => throw new NotSupportedException("only exported, never run");

        public override Tensor? Backward(Tensor outputGradient, bool computeInputGradient = true) => throw new NotSupportedException("only exported, never run");
    }
}
