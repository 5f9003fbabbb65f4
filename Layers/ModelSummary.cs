using System.Globalization;
using System.Text;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>One row of a <see cref="ModelSummary"/>: a layer, its output and its cost.</summary>
/// <param name="Name">the layer's name</param>
/// <param name="Description">its type and settings</param>
/// <param name="OutputShape">its output for one image, batch dimension 1</param>
/// <param name="SizeArithmetic">the (W − F + 2P)/S + 1 rule with the layer's numbers, or null</param>
/// <param name="TrainableParameters">scalars trained by gradients</param>
/// <param name="NonTrainableParameters">scalars of state (batch norm's running statistics)</param>
/// <param name="MultiplyAccumulates">per image (convolutions and dense layers)</param>
/// <param name="ReceptiveField">input pixels (along one axis) that one output value sees, for layers with a window; else null</param>
/// <param name="ReceptiveFieldArithmetic">the r + (F − 1)·J rule with the layer's numbers, or null</param>
public sealed record LayerSummary(string Name, string Description, Shape OutputShape, string? SizeArithmetic,
    long TrainableParameters, long NonTrainableParameters, long MultiplyAccumulates,
    int? ReceptiveField, string? ReceptiveFieldArithmetic)
{
    /// <summary>All parameters, as Keras' "Param #" counts them (trainable and non-trainable).</summary>
    public long Parameters => TrainableParameters + NonTrainableParameters;
}

/// <summary>
/// A Keras-style table of a model — each layer's output shape, parameters and multiply-accumulates,
/// the output-size arithmetic behind each shape, and how far each convolution and pooling layer sees
/// into the image (its <see cref="Layers.ReceptiveField"/>) — computed from the layers' shapes alone,
/// without running them. Parameters are counted as Keras counts them: batch norm's running mean and variance
/// are "non-trainable parameters". Multiply-accumulates (MACs) are those of the convolutions and dense
/// layers for one image (bias additions, ReLU, pooling, LRN and batch norm are not counted; one MAC
/// is two floating-point operations).
/// </summary>
public sealed class ModelSummary
{
    private ModelSummary(string modelName, Shape inputShape, int classes, IReadOnlyList<LayerSummary> layers)
    {
        ModelName = modelName;
        InputShape = inputShape;
        Classes = classes;
        Layers = layers;
    }

    /// <summary>The model's name.</summary>
    public string ModelName { get; }

    /// <summary>One image, [C, H, W].</summary>
    public Shape InputShape { get; }

    /// <summary>The width of the model's output.</summary>
    public int Classes { get; }

    /// <summary>One row per layer, in order.</summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>Scalars trained by gradients.</summary>
    public long TrainableParameters => Layers.Sum(layer => layer.TrainableParameters);

    /// <summary>Scalars of non-trainable state.</summary>
    public long NonTrainableParameters => Layers.Sum(layer => layer.NonTrainableParameters);

    /// <summary>Both, as Keras' "Total params".</summary>
    public long TotalParameters => TrainableParameters + NonTrainableParameters;

    /// <summary>Multiply-accumulates of one forward pass for one image.</summary>
    public long MultiplyAccumulates => Layers.Sum(layer => layer.MultiplyAccumulates);

    /// <summary>The convolutions' share of <see cref="MultiplyAccumulates"/>.</summary>
    public long ConvolutionMultiplyAccumulates { get; private init; }

    /// <summary>The dense layers' share of <see cref="MultiplyAccumulates"/>.</summary>
    public long DenseMultiplyAccumulates { get; private init; }

    /// <summary>Summarizes <paramref name="model"/> from its layers' shapes (nothing is computed on the backend).</summary>
    public static ModelSummary Of(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var shape = new Shape(1, model.InputShape[0], model.InputShape[1], model.InputShape[2]);
        var rows = new List<LayerSummary>();
        long convolution = 0, dense = 0;
        var field = ReceptiveField.Pixel;
        foreach (var layer in model.Layers)
        {
            string? fieldArithmetic = null;
            if (layer.Window is { } window)
            {
                fieldArithmetic = field.Arithmetic(window);
                field = field.Through(window);
            }
            var output = layer.OutputShape(shape);
            long macs = layer.MultiplyAccumulates(shape);
            if (layer is Conv2d)
            {
                convolution += macs;
            }
            else if (layer is Dense)
            {
                dense += macs;
            }
            rows.Add(new LayerSummary(layer.Name, layer.Description, output, layer.SizeArithmetic(shape),
                layer.Parameters.Sum(parameter => (long)parameter.Length),
                layer.Buffers.Sum(buffer => (long)buffer.Value.Length),
                macs, fieldArithmetic is null ? null : field.Size, fieldArithmetic));
            shape = output;
        }
        return new ModelSummary(model.Name, model.InputShape, shape.ItemLength, rows)
        {
            ConvolutionMultiplyAccumulates = convolution,
            DenseMultiplyAccumulates = dense,
        };
    }

    /// <summary>The table as plain text (ASCII, so every terminal shows it), ending with the totals.</summary>
    public string ToText()
    {
        string[] header = ["Layer", "Type", "Output shape", "Params", "MACs", "Output size: (W - F + 2P)/S + 1", "Receptive field: r + (F - 1)*J"];
        var cells = Layers.Select(layer => new[]
        {
            layer.Name,
            layer.Description,
            "[N, " + string.Join(", ", layer.OutputShape.ToArray().Skip(1)) + "]",
            Number(layer.Parameters),
            layer.MultiplyAccumulates > 0 ? Number(layer.MultiplyAccumulates) : "-",
            layer.SizeArithmetic ?? "",
            layer.ReceptiveFieldArithmetic ?? "",
        }).ToList();
        var widths = header.Select((title, column) => Math.Max(title.Length, cells.Max(row => row[column].Length))).ToArray();
        bool[] rightAligned = [false, false, false, true, true, false, false];

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Model: {ModelName}, {Classes} classes, input [N, {InputShape[0]}, {InputShape[1]}, {InputShape[2]}]\n\n");
        AppendRow(text, header, widths, rightAligned);
        AppendRow(text, [.. widths.Select(width => new string('-', width))], widths, rightAligned);
        foreach (var row in cells)
        {
            AppendRow(text, row, widths, rightAligned);
        }
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture,
            $"Total params: {Number(TotalParameters)} (trainable {Number(TrainableParameters)}, non-trainable {Number(NonTrainableParameters)})\n");
        text.Append(CultureInfo.InvariantCulture,
            $"Multiply-accumulates per image: {Number(MultiplyAccumulates)} (convolutions {Number(ConvolutionMultiplyAccumulates)}, dense {Number(DenseMultiplyAccumulates)})\n");
        if (Layers.Any(layer => layer.ReceptiveField is not null))
        {
            text.Append("Receptive field: input pixels along one axis that one output value sees; F the window, J the product of the strides before it\n");
        }
        return text.ToString();
    }

    public override string ToString() => ToText();

    private static void AppendRow(StringBuilder text, string[] row, int[] widths, bool[] rightAligned)
    {
        var line = new StringBuilder();
        for (int column = 0; column < row.Length; column++)
        {
            if (column > 0)
            {
                line.Append("  ");
            }
            line.Append(rightAligned[column] ? row[column].PadLeft(widths[column]) : row[column].PadRight(widths[column]));
        }
        text.Append(line.ToString().TrimEnd()).Append('\n');
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
