using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;
using AlexNet.Training.Reporting.Html;
using AlexNet.Training.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Training.Explorer;

/// <summary>
/// Runs one image through a model, layer by layer, and keeps what the explorer page shows: each
/// layer's output maps, shapes, parameters and multiply-adds, its formula and links, the top-5
/// classes, and for each of them a saliency map — the gradient of the class's score (its logit)
/// with respect to the input pixels, backpropagated through every layer.
/// </summary>
public static class ExplorerBuilder
{
    /// <summary>How many of the most likely classes are listed, each with its saliency map.</summary>
    public const int TopClasses = 5;

    /// <param name="model">in inference mode, on any backend</param>
    /// <param name="state">the checkpoint's state: classes and preprocessing</param>
    /// <param name="checkpointPath">named on the page</param>
    /// <param name="imageName">named on the page</param>
    /// <param name="pixels">the image decoded at the stored size (HWC RGB bytes)</param>
    /// <param name="sourceTree">the repository root, for links to the docs and code; null: the links are shown as paths</param>
    public static ExplorerData Build(Sequential model, TrainingState state, string checkpointPath, string imageName, byte[] pixels, string? sourceTree)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        var backend = model.Backend;
        var pipeline = new InputPipeline(new ImageSet(state.Preprocessing.StoredSize, [pixels], [0], [imageName]), state.Preprocessing, batchSize: 1);
        var inputShape = new Shape(1, model.InputShape[0], model.InputShape[1], model.InputShape[2]);
        using var batch = pipeline.Build([0], _ => Augmentation.Centre(pipeline.MaxOffset));
        using var images = backend.Allocate(inputShape, "images");
        backend.Upload(batch.Inputs, images);
        model.IsTraining = false;
        // Each layer's own output is shown, the convolutions' before their ReLU too: no fused forward.
        model.FuseForward = false;
        var logits = model.Forward(images);

        var layers = new List<ExploredLayer>();
        Tensor previous = images;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            var output = layer.Output!;
            // Dropout in inference mode hands on its input; Flatten views it with another shape.
            bool passes = ReferenceEquals(output.Buffer, previous.Buffer) && output.Shape.Length == previous.Shape.Length;
            layers.Add(new ExploredLayer(i + 1, layer.Name, layer.Description, previous.Shape.ToString(), output.Shape.ToString(),
                layer.Parameters.Sum(p => (long)p.Length), layer.MultiplyAccumulates(previous.Shape), layer.SizeArithmetic(previous.Shape),
                Resolve(LayerNotes.For(layer), sourceTree), passes, passes ? null : Maps(output.ToArray(), output.Shape)));
            previous = output;
        }

        int classes = logits.Shape[1];
        using var probabilities = backend.Allocate(logits.Shape, "probabilities");
        backend.Softmax(logits, probabilities);
        double[] p = [.. probabilities.ToArray().Select(v => (double)v)];
        var top = Scoring.TopK(p, Math.Min(TopClasses, classes)).Select(c => new ClassScore(c, state.ClassNames[c], p[c])).ToList();
        var saliency = top.Select(c => Saliency(model, c)).ToList();
        string input;
        using (var picture = ActivationGrid.DrawInput(batch.Inputs, inputShape))
        {
            input = ReportBuilder.Png(picture);
        }
        return new ExplorerData($"{imageName} through {model.Name}", model.Name, checkpointPath, input, inputShape.ToString(), layers, top,
            Resolve(LayerNotes.Softmax, sourceTree), saliency);
    }

    /// <summary>
    /// The output as maps, each quantized to bytes over its own range; a rank-2 output [1, F] is one vector.
    /// </summary>
    public static FeatureMaps Maps(float[] values, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        bool vector = shape.Rank == 2;
        int count = vector ? 1 : shape.C, height = vector ? 1 : shape.H, width = vector ? shape[1] : shape.W;
        int plane = height * width;
        var bytes = new byte[count * plane];
        var min = new float[count];
        var max = new float[count];
        for (int m = 0; m < count; m++)
        {
            var map = values.AsSpan(m * plane, plane);
            float low = float.PositiveInfinity, high = float.NegativeInfinity;
            foreach (float v in map)
            {
                low = Math.Min(low, v);
                high = Math.Max(high, v);
            }
            min[m] = low;
            max[m] = high;
            for (int k = 0; k < plane; k++)
            {
                bytes[(m * plane) + k] = TileGrid.Level(map[k], low, high);
            }
        }
        return new FeatureMaps(count, height, width, vector, min, max, Convert.ToBase64String(bytes));
    }

    /// <summary>
    /// ∂(score of class <paramref name="target"/>)/∂(input) for the one image of the model's last forward pass:
    /// the one-hot gradient of the logits, backpropagated through every layer down to the images (which
    /// training never needs). Shape: [1, C, H, W], flattened. The parameter gradients it leaves are zeroed.
    /// </summary>
    public static float[] InputGradient(Sequential model, int target)
    {
        ArgumentNullException.ThrowIfNull(model);
        var backend = model.Backend;
        var logits = model.Layers[^1].Output ?? throw new InvalidOperationException($"{model.Name}: InputGradient needs a forward pass first.");
        var oneHot = new float[logits.Shape[1]];
        oneHot[target] = 1;
        using var dLogits = backend.Allocate(logits.Shape, "dLogits");
        backend.Upload(oneHot, dLogits);
        Tensor gradient = dLogits;
        for (int i = model.Layers.Count - 1; i >= 0; i--)
        {
            gradient = model.Layers[i].Backward(gradient, computeInputGradient: true)!;
        }
        model.ZeroGradients();
        return gradient.ToArray();
    }

    /// <summary>The saliency map of <paramref name="target"/> from <see cref="InputGradient"/>.</summary>
    private static SaliencyMap Saliency(Sequential model, ClassScore target)
    {
        float[] g = InputGradient(model, target.Class);
        int h = model.InputShape[1], w = model.InputShape[2], plane = h * w, channels = model.InputShape[0];
        var magnitude = new float[plane];
        for (int c = 0; c < channels; c++)
        {
            for (int k = 0; k < plane; k++)
            {
                magnitude[k] = Math.Max(magnitude[k], Math.Abs(g[(c * plane) + k]));
            }
        }
        float largest = magnitude.Max();
        using var overlay = new Image<Rgba32>(w, h);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                byte alpha = TileGrid.Level(magnitude[(y * w) + x], 0, largest);
                overlay[x, y] = new Rgba32(255, 40, 0, alpha);
            }
        }
        return new SaliencyMap(target.Class, target.Name, largest, ReportBuilder.Png(overlay));
    }

    /// <summary>The note with its paths turned into file addresses when the source tree is here.</summary>
    private static NoteLinks Resolve(LayerNote note, string? sourceTree)
    {
        var links = new List<string[]>();
        void Add(string label, string? path)
        {
            if (path is not null)
            {
                links.Add([label, path, sourceTree is null ? "" : new Uri(Path.Combine(sourceTree, path)).AbsoluteUri]);
            }
        }
        Add("doc page", note.DocPage);
        Add("reference code", note.ReferenceCode);
        if (note.LayerCode != note.ReferenceCode)
        {
            Add("layer", note.LayerCode);
        }
        return new NoteLinks(note.Formula, links);
    }

    /// <summary>The repository root (the folder holding AlexNetFromScratch.sln) at or above one of <paramref name="starts"/>, or null.</summary>
    public static string? FindSourceTree(params string[] starts)
    {
        ArgumentNullException.ThrowIfNull(starts);
        foreach (string start in starts)
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "AlexNetFromScratch.sln")))
                {
                    return folder.FullName;
                }
            }
        }
        return null;
    }
}
