using System.CommandLine;
using System.Globalization;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;
using AlexNet.Training.Visualization;
using SixLabors.ImageSharp;

namespace AlexNet.Training.Cli;

/// <summary>
/// <c>alexnet visualize</c>: what a trained network has learned, as pictures — the first convolution's
/// kernels (the paper's Figure 3) and, for one image, every layer's feature maps and the top-5
/// predictions. The same checkpoint and image always give the same files, byte for byte.
/// </summary>
public static class VisualizeCommand
{
    /// <summary>The file the kernels are drawn into.</summary>
    public const string FiltersFile = "filters.png";

    /// <summary>The bar chart of the top predictions, in an image's activations folder.</summary>
    public const string PredictionsFile = "top5.png";

    /// <summary>The network's input, in an image's activations folder.</summary>
    public const string InputFile = "00-input.png";

    public static Command Create(AppContext app)
    {
        var checkpointOption = new Option<FileInfo>("--checkpoint") { Description = "The trained checkpoint, e.g. runs/alexnet-oxflower17/best.safetensors.", HelpName = "FILE", Required = true };
        var filtersOption = new Option<bool>("--filters") { Description = $"Draw the first convolution's kernels, each contrast-normalized, into {FiltersFile} (the paper's Figure 3)." };
        var activationsOption = new Option<FileInfo>("--activations") { Description = $"Draw, for this image, every layer's feature maps (one PNG per layer) and a bar chart of the top-5 predictions ({PredictionsFile}).", HelpName = "IMAGE" };
        var outputOption = new Option<DirectoryInfo>("--output") { Description = "Where to write the pictures (default: a 'visualize' folder next to the checkpoint).", HelpName = "DIR" };
        var backendOption = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var maxPixels = CommonOptions.MaxPixels();
        var command = new Command("visualize", """
            Draw what a trained network has learned: --filters writes the first convolution's kernels as one picture;
            --activations IMAGE writes what every layer makes of that image, one picture of feature maps per layer
            (black = the layer's smallest value, white = its largest), and the top-5 predictions as a bar chart.
            """)
        {
            checkpointOption, filtersOption, activationsOption, outputOption, backendOption, threads, maxPixels,
        };
        command.Validators.Add(result =>
        {
            if (!result.GetValue(filtersOption) && result.GetValue(activationsOption) is null)
            {
                result.AddError("Say what to draw: --filters, --activations IMAGE, or both.");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Read(parse.GetValue(checkpointOption)!.FullName);
            string output = parse.GetValue(outputOption)?.FullName ?? Path.Combine(Path.GetDirectoryName(checkpoint.Path)!, "visualize");
            Directory.CreateDirectory(output);
            using var backend = CommonOptions.CreateBackend(parse.GetValue(backendOption)!, parse.GetValue(threads));
            using var model = ModelLoader.Load(checkpoint, backend);
            if (parse.GetValue(filtersOption))
            {
                DrawFilters(app, model, Path.Combine(output, FiltersFile));
            }
            if (parse.GetValue(activationsOption) is { } image)
            {
                DrawActivations(app, checkpoint.State, model, image.FullName, new ImageDecoder(parse.GetValue(maxPixels)), output, cancellationToken);
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static void DrawFilters(AppContext app, Sequential model, string file)
    {
        var conv = model.Layers.OfType<Conv2d>().FirstOrDefault()
            ?? throw new AppException($"{model.Name} has no convolution whose kernels could be drawn.");
        var weights = conv.Weight.Value;
        using (var picture = FilterGrid.Draw(weights.ToArray(), weights.Shape))
        {
            Save(picture, file);
        }
        app.WriteLine($"{conv.Name} kernels {weights.Shape}, each contrast-normalized: {file}");
    }

    private static void DrawActivations(AppContext app, TrainingState state, Sequential model, string imagePath, ImageDecoder decoder,
        string output, CancellationToken cancellationToken)
    {
        byte[] pixels;
        try
        {
            pixels = decoder.Load(imagePath, state.Preprocessing.StoredSize);
        }
        catch (ImageRejectedException e)
        {
            throw new AppException($"Cannot draw the activations of {e.Message}.", e);
        }
        cancellationToken.ThrowIfCancellationRequested();
        var pipeline = new InputPipeline(new ImageSet(state.Preprocessing.StoredSize, [pixels], [0], [imagePath]), state.Preprocessing, batchSize: 1);
        string folder = Path.Combine(output, "activations-" + Path.GetFileNameWithoutExtension(imagePath));
        Directory.CreateDirectory(folder);

        var inputShape = new Shape(1, model.InputShape[0], model.InputShape[1], model.InputShape[2]);
        using var batch = pipeline.Build([0], _ => Augmentation.Centre(pipeline.MaxOffset));
        using var deviceBatch = new DeviceBatch(model.Backend, model.InputShape);
        // Each layer's own output is drawn, the convolutions' before their ReLU too: no fused forward.
        model.FuseForward = false;
        using var step = new InferenceStep(model);
        deviceBatch.Load(batch, labels: false);
        double[] p = [.. step.Probabilities(deviceBatch).Select(v => (double)v)];

        app.WriteLine($"{Path.GetFileName(imagePath)} through {model.Name}: {folder}");
        using (var input = ActivationGrid.DrawInput(batch.Inputs, inputShape))
        {
            Save(input, Path.Combine(folder, InputFile));
        }
        app.WriteLine($"  {InputFile,-16} input {inputShape} (centre crop, preprocessed as in training)");
        Tensor previous = deviceBatch.Images;
        string previousName = "the input";
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            var result = layer.Output!;
            if (ReferenceEquals(result.Buffer, previous.Buffer) && result.Shape.Length == previous.Shape.Length)
            {
                // Dropout in inference mode passes its input on; Flatten views it with another shape.
                app.WriteLine($"  {"",-16} {layer.Name} {result.Shape}: the values of {previousName}, unchanged");
            }
            else
            {
                string file = string.Create(CultureInfo.InvariantCulture, $"{i + 1:00}-{layer.Name}.png");
                using (var picture = ActivationGrid.Draw(result.ToArray(), result.Shape))
                {
                    Save(picture, Path.Combine(folder, file));
                }
                app.WriteLine($"  {file,-16} {layer.Name} {result.Shape}: {layer.Description}");
            }
            previous = result;
            previousName = layer.Name;
        }

        int[] top = Scoring.TopK(p, Math.Min(5, p.Length));
        string[] names = [.. top.Select(c => state.ClassNames[c])];
        double[] values = [.. top.Select(c => p[c])];
        string title = $"{Path.GetFileName(imagePath)}: {model.Name} top {top.Length}";
        AtomicFile.WriteAllBytes(Path.Combine(folder, PredictionsFile), PredictionChart.Draw(names, values, title));
        app.WriteLine($"  {PredictionsFile,-16} " + string.Join(", ", top.Select((c, r) =>
            string.Create(CultureInfo.InvariantCulture, $"{names[r]} {values[r]:0.000}"))));
    }

    /// <summary>Encodes <paramref name="picture"/> as PNG and writes it atomically.</summary>
    private static void Save(Image picture, string file)
    {
        using var stream = new MemoryStream();
        picture.SaveAsPng(stream);
        AtomicFile.WriteAllBytes(file, stream.ToArray());
    }
}
