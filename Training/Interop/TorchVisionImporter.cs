// TorchVisionImporter: torchvision's AlexNet state dict (safetensors) checked name by name and written as our torchvision checkpoint.

using System.Buffers.Binary;
using System.Globalization;
using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Optimization;
using AlexNet.Training.Run;

namespace AlexNet.Training.Interop;

/// <summary>
/// Reads a state dict of <c>torchvision.models.alexnet</c> saved as safetensors (torchvision's names,
/// <c>features.0.weight</c> … <c>classifier.6.bias</c>, and shapes) into our <c>torchvision</c> variant,
/// and writes it as one of our checkpoints with torchvision's ImageNet preprocessing, ready for
/// <c>evaluate</c>, <c>predict</c>, <c>export</c> and <c>train --init-from</c>. Both sides store
/// convolution weights as [out, in, kH, kW] (OIHW) and dense weights as [out, in], and both flatten
/// pool5 in C, H, W order, so every tensor is copied as it is.
/// </summary>
public static class TorchVisionImporter
{
    /// <summary>torchvision's parameter name → ours, in the order of the network.</summary>
    public static IReadOnlyList<(string TorchVision, string Ours)> Names { get; } =
    [
        ("features.0.weight", "conv1.weight"), ("features.0.bias", "conv1.bias"),
        ("features.3.weight", "conv2.weight"), ("features.3.bias", "conv2.bias"),
        ("features.6.weight", "conv3.weight"), ("features.6.bias", "conv3.bias"),
        ("features.8.weight", "conv4.weight"), ("features.8.bias", "conv4.bias"),
        ("features.10.weight", "conv5.weight"), ("features.10.bias", "conv5.bias"),
        ("classifier.1.weight", "fc6.weight"), ("classifier.1.bias", "fc6.bias"),
        ("classifier.4.weight", "fc7.weight"), ("classifier.4.bias", "fc7.bias"),
        ("classifier.6.weight", "fc8.weight"), ("classifier.6.bias", "fc8.bias"),
    ];

    /// <summary>
    /// torchvision's ImageNet preprocessing on our scale: resize to 256, centre crop 224, mean
    /// (0.485, 0.456, 0.406)·255 and std (0.229, 0.224, 0.225)·255 (<c>AlexNet_Weights.IMAGENET1K_V1.transforms</c>).
    /// The PCA lighting constants are ImageNet's as fb.resnet.torch publishes them (eigenvalues 0.2175,
    /// 0.0188, 0.0045 on the 0…1 scale); they matter only to <c>train --init-from</c>'s colour augmentation.
    /// </summary>
    public static Preprocessing ImageNetPreprocessing { get; } = new(
        256, 224,
        [0.485 * 255, 0.456 * 255, 0.406 * 255],
        [1 / (0.229 * 255), 1 / (0.224 * 255), 1 / (0.225 * 255)],
        [0.2175, 0.0188, 0.0045],
        [-0.5675, 0.7192, 0.4009, -0.5808, -0.0045, -0.8140, -0.5836, -0.6948, 0.4203]);

    /// <summary>
    /// Reads <paramref name="weightsPath"/>, checks every name, dtype and shape against the variant
    /// (the class count is taken from <c>classifier.6.weight</c>), and writes the checkpoint
    /// <paramref name="outputPath"/> atomically. Returns the classes and parameter count.
    /// </summary>
    /// <param name="weightsPath">a safetensors file with torchvision's AlexNet state dict</param>
    /// <param name="outputPath">the checkpoint to write</param>
    /// <param name="classNames">the names of the outputs, in order; null names them <c>class-0</c> … by index</param>
    /// <exception cref="AppException">The file is missing, not safetensors (a .pth says how to convert it), or does not fit; every problem is named.</exception>
    public static (int Classes, long Parameters) Import(string weightsPath, string outputPath, IReadOnlyList<string>? classNames)
    {
        var tensors = ReadStateDict(weightsPath);
        var problems = new List<string>();
        int classes = tensors.TryGetValue("classifier.6.weight", out var last) && last.Shape.Length == 2 ? last.Shape[0] : 1000;
        if (classes < 2)
        {
            throw new AppException($"'{weightsPath}': classifier.6.weight has {classes} row(s); a classifier needs at least 2 classes.");
        }
        if (classNames is not null && classNames.Count != classes)
        {
            throw new AppException($"--class-names gives {classNames.Count} names, but the weights have {classes} classes (classifier.6.weight is [{string.Join(", ", last!.Shape)}]).");
        }
        var variant = TorchVision.Variant;
        using var backend = new Backends.Cpu.CpuBackend();
        using var model = variant.Build(backend, classes, seed: 0);
        var parameters = model.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var (torch, ours) in Names)
        {
            var expected = parameters[ours].Shape;
            if (!tensors.TryGetValue(torch, out var stored))
            {
                problems.Add($"{torch} {expected} is missing");
            }
            else if (stored.DType is not ("F32" or "F16" or "BF16"))
            {
                problems.Add($"{torch} is {stored.DType}, expected F32, F16 or BF16");
            }
            else if (!stored.Shape.SequenceEqual(expected.ToArray()))
            {
                problems.Add($"{torch} has shape [{string.Join(", ", stored.Shape)}], torchvision's AlexNet needs {expected}");
            }
        }
        var known = Names.Select(n => n.TorchVision).ToHashSet(StringComparer.Ordinal);
        var extra = tensors.Keys.Where(name => !known.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            problems.Add($"unexpected tensors {string.Join(", ", extra.Take(8))}{(extra.Count > 8 ? $" and {extra.Count - 8} more" : "")}");
        }
        if (problems.Count > 0)
        {
            throw new AppException($"'{Path.GetFullPath(weightsPath)}' is not torchvision's AlexNet state dict: {string.Join("; ", problems)}.");
        }
        foreach (var (torch, ours) in Names)
        {
            var parameter = parameters[ours].Value;
            backend.Upload(ToFloats(tensors[torch]), parameter);
        }
        var names = classNames ?? [.. Enumerable.Range(0, classes).Select(i => string.Create(CultureInfo.InvariantCulture, $"class-{i}"))];
        Checkpoint.Save(outputPath, State(model, names, weightsPath), model, optimizer: null, []);
        return (classes, model.ParameterCount);
    }

    private static Dictionary<string, SafeTensor> ReadStateDict(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new AppException($"The weights file '{full}' does not exist.");
        }
        using var stream = File.OpenRead(full);
        Span<byte> magic = stackalloc byte[4];
        int read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        // torch.save writes a zip archive (PK\x03\x04) or, with the legacy format, a pickle (0x80, protocol).
        if ((read == 4 && magic.SequenceEqual("PK\u0003\u0004"u8)) || (read >= 1 && magic[0] == 0x80))
        {
            throw new AppException($"'{full}' is a PyTorch pickle (.pth), which cannot be read without running the code it may contain. Convert it once with Python: " +
                "import torch, safetensors.torch; safetensors.torch.save_file(torch.load('IN.pth', weights_only=True), 'OUT.safetensors') (Docs/interop.md).");
        }
        stream.Position = 0;
        try
        {
            var (tensors, _) = SafeTensors.Read(stream);
            return tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch (InvalidDataException e)
        {
            throw new AppException($"'{full}' is not a readable safetensors file: {e.Message}", e);
        }
    }

    /// <summary>The values as float32, widening half and bfloat16 (exact).</summary>
    private static float[] ToFloats(SafeTensor tensor)
    {
        if (tensor.DType == "F32")
        {
            return tensor.ToFloats();
        }
        var values = new float[tensor.Data.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(tensor.Data.AsSpan(2 * i));
            values[i] = tensor.DType == "F16" ? (float)BitConverter.UInt16BitsToHalf(bits) : BitConverter.Int32BitsToSingle(bits << 16);
        }
        return values;
    }

    /// <summary>A state at epoch 0 with torchvision's recipe (Run/Recipes.cs), so the checkpoint loads everywhere ours do.</summary>
    private static TrainingState State(Sequential model, IReadOnlyList<string> classNames, string weightsPath)
    {
        var recipe = Recipes.TorchVision;
        var config = new RunConfig
        {
            Model = ModelKind.TorchVision,
            Initialization = recipe.Initialization,
            ClassNames = classNames,
            DataLocation = $"{ImportedPrefix}{Path.GetFullPath(weightsPath)}",
            Split = SplitSpec.Default,
            MaxPixels = ImageDecoder.DefaultMaxPixels,
            Seed = 0,
            BatchSize = recipe.BatchSize,
            Epochs = recipe.Epochs,
            Optimizer = new OptimizerSettings(recipe.Optimizer, recipe.LearningRate, recipe.Momentum, recipe.WeightDecay),
            Schedule = new ScheduleSettings(recipe.Schedule, recipe.StepEpochs, recipe.Patience),
            Preprocessing = ImageNetPreprocessing,
            Backend = "cpu",
        };
        var progress = RunProgress.Start(config.NewSchedule().State) with
        {
            Counters = model.Counters.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal),
        };
        return RunState.Of(config, progress);
    }

    /// <summary>The data location of an imported checkpoint: no data set, the weights file it came from.</summary>
    public const string ImportedPrefix = "imported from torchvision weights: ";
}
