// OnnxExporter: a Sequential as an ONNX model (opset 17), one node per layer, weights as initializers; Docs/interop.md has the mapping table.

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using AlexNet.Layers;
using AlexNet.Training.Data;
using AlexNet.Training.Interop.Onnx;
using Google.Protobuf;

namespace AlexNet.Training.Interop;

/// <summary>
/// Writes a trained <see cref="Sequential"/> as a standard ONNX model (opset 17, IR version 8), one ONNX
/// node per layer in inference form: Conv (with <c>group</c>), Relu, LRN (α converted from the paper's
/// convention to ONNX's α/n), MaxPool (floor rounding, <c>ceil_mode = 0</c>), BatchNormalization (the
/// running statistics), Flatten and Gemm (<c>transB = 1</c>: our weights are [out, in]); dropout is the
/// identity at inference and leaves no node. The input is <c>input</c> [N, 3, H, W] with a dynamic batch
/// <c>N</c>; the output <c>logits</c> [N, classes], or <c>probabilities</c> behind a final Softmax.
/// The model's metadata says how to turn an image into the input (sizes, mean, std) and names the classes.
/// Docs/interop.md has the mapping table and the conventions that differ between frameworks.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The operator set the nodes are written against.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version that goes with opset 17 (ONNX 1.12).</summary>
    public const int IrVersion = 8;

    /// <summary>The graph's input name.</summary>
    public const string InputName = "input";

    /// <summary>The graph's output: logits, or probabilities with <c>softmax</c>.</summary>
    public const string LogitsName = "logits", ProbabilitiesName = "probabilities";

    /// <summary>
    /// Builds the ONNX model of <paramref name="model"/> (its weights as they are now, read from its
    /// backend) with the classes and preprocessing a checkpoint records.
    /// </summary>
    /// <exception cref="AppException">A layer has no faithful ONNX equivalent; the message names it and why.</exception>
    public static ModelProto Build(Sequential model, IReadOnlyList<string> classNames, Preprocessing preprocessing, bool softmax)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(preprocessing);
        int classes = model.OutputShape(1)[1];
        if (classNames.Count != classes)
        {
            throw new AppException($"The model {model.Name} has {classes} outputs but {classNames.Count} class names were given.");
        }
        var graph = new GraphProto { Name = model.Name, DocString = $"{model.Name}: {model.Layers.Count} layers, {model.ParameterCount:N0} parameters, exported by alexnet export." };
        string current = InputName;
        foreach (var layer in model.Layers)
        {
            current = AddLayer(graph, layer, current);
        }
        string output = current;
        if (softmax)
        {
            graph.Node.Add(Node("Softmax", "softmax", [current], ProbabilitiesName, Int("axis", 1)));
            output = ProbabilitiesName;
        }
        else
        {
            // The last node writes the graph's output under a name users recognise.
            graph.Node[^1].Output[0] = LogitsName;
            output = LogitsName;
        }
        var shape = model.InputShape;
        graph.Input.Add(Value(InputName, "N", shape[0], shape[1], shape[2]));
        graph.Output.Add(Value(output, "N", classes));

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "alexnet-from-scratch",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Domain = "alexnet-from-scratch",
            ModelVersion = 1,
            DocString = $"AlexNet variant '{model.Name}'. {PreprocessingText(preprocessing)} Output: {(softmax ? "softmax probabilities" : "logits (apply softmax for probabilities)")} [N, {classes}] in the order of class_names.",
            Graph = graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in Metadata(model, classNames, preprocessing, softmax))
        {
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        return onnx;
    }

    /// <summary>Writes the model built by <see cref="Build"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Sequential model, IReadOnlyList<string> classNames, Preprocessing preprocessing, bool softmax)
    {
        var onnx = Build(model, classNames, preprocessing, softmax);
        onnx.WriteTo(stream);
    }

    /// <summary>How an image becomes the input, in one sentence (also in the model's doc string).</summary>
    public static string PreprocessingText(Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        return string.Create(CultureInfo.InvariantCulture,
            $"Input: RGB, NCHW, float32; resize the shorter side to {preprocessing.StoredSize} (bicubic), take the central {preprocessing.StoredSize}x{preprocessing.StoredSize} square, " +
            $"then its central {preprocessing.CropSize}x{preprocessing.CropSize} crop; input = (pixel - mean) / std per channel with pixels on the 0-255 scale, mean = {Triple(preprocessing.Mean)}, std = {Triple(Std(preprocessing))}.");
    }

    /// <summary>The per-channel std on the 0…255 scale: 1/scale (1 for the variants fed centred pixels).</summary>
    public static double[] Std(Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        return [.. preprocessing.Scale.Select(scale => 1 / scale)];
    }

    private static IEnumerable<(string Key, string Value)> Metadata(Sequential model, IReadOnlyList<string> classNames, Preprocessing preprocessing, bool softmax)
    {
        yield return ("model", model.Name);
        yield return ("classes", classNames.Count.ToString(CultureInfo.InvariantCulture));
        yield return ("class_names", JsonSerializer.Serialize(classNames));
        yield return ("input_size", string.Create(CultureInfo.InvariantCulture, $"{model.InputShape[1]}x{model.InputShape[2]}"));
        yield return ("resize_size", preprocessing.StoredSize.ToString(CultureInfo.InvariantCulture));
        yield return ("channel_order", "RGB");
        yield return ("layout", "NCHW");
        yield return ("pixel_range", "0-255");
        yield return ("mean", JsonSerializer.Serialize(preprocessing.Mean));
        yield return ("std", JsonSerializer.Serialize(Std(preprocessing)));
        yield return ("output", softmax ? ProbabilitiesName : LogitsName);
        yield return ("preprocessing", PreprocessingText(preprocessing));
    }

    /// <summary>Adds the node(s) of one layer reading <paramref name="input"/>; returns the name of its output.</summary>
    private static string AddLayer(GraphProto graph, Layer layer, string input)
    {
        switch (layer)
        {
            case Conv2d conv:
            {
                var c = conv.Convolution;
                graph.Initializer.Add(Weights(conv.Weight.Name, conv.Weight.Value));
                string[] inputs = [input, conv.Weight.Name];
                if (conv.Bias is { } bias)
                {
                    graph.Initializer.Add(Weights(bias.Name, bias.Value));
                    inputs = [.. inputs, bias.Name];
                }
                // ONNX's Conv takes the bias as an optional third input: a convolution before batch norm has none.
                graph.Node.Add(Node("Conv", conv.Name, inputs, conv.Name,
                    Ints("kernel_shape", conv.KernelSize, conv.KernelSize), Ints("strides", c.Stride, c.Stride),
                    Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding), Ints("dilations", 1, 1), Int("group", c.Groups)));
                return conv.Name;
            }
            case ReLU:
                graph.Node.Add(Node("Relu", layer.Name, [input], layer.Name));
                return layer.Name;
            case LocalResponseNormalization lrn:
            {
                var s = lrn.Settings;
                // ONNX centres its window as c − ⌊(n−1)/2⌋ … c + ⌈(n−1)/2⌉, we as c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋: the same only for odd n.
                if (s.Size % 2 == 0)
                {
                    throw new AppException($"{lrn.Name} cannot be exported: its LRN window of {s.Size} channels is even, and ONNX's LRN places an even window one channel to the other side (only odd sizes, such as the paper's 5, mean the same in both).");
                }
                // The paper divides by (k + α·Σx²)^β, ONNX by (bias + α/size·Σx²)^β: ONNX's alpha is ours times n.
                graph.Node.Add(Node("LRN", lrn.Name, [input], lrn.Name,
                    Int("size", s.Size), Float("alpha", (float)(s.Alpha * (double)s.Size)), Float("beta", s.Beta), Float("bias", s.K)));
                return lrn.Name;
            }
            case MaxPool2d pool:
            {
                var p = pool.Pooling;
                // Padded cells never win in either (ONNX pads max pooling with −∞); sizes round down (ceil_mode 0).
                graph.Node.Add(Node("MaxPool", pool.Name, [input], pool.Name,
                    Ints("kernel_shape", p.Kernel, p.Kernel), Ints("strides", p.Stride, p.Stride),
                    Ints("pads", p.Padding, p.Padding, p.Padding, p.Padding), Int("ceil_mode", 0)));
                return pool.Name;
            }
            case BatchNorm norm:
                graph.Initializer.Add(Weights(norm.Gamma.Name, norm.Gamma.Value));
                graph.Initializer.Add(Weights(norm.Beta.Name, norm.Beta.Value));
                graph.Initializer.Add(Weights(norm.RunningMean.Name, norm.RunningMean.Value));
                graph.Initializer.Add(Weights(norm.RunningVariance.Name, norm.RunningVariance.Value));
                // Inference form: y = γ·(x − running mean)/√(running var + ε) + β, one output.
                graph.Node.Add(Node("BatchNormalization", norm.Name,
                    [input, norm.Gamma.Name, norm.Beta.Name, norm.RunningMean.Name, norm.RunningVariance.Name], norm.Name,
                    Float("epsilon", norm.Epsilon)));
                return norm.Name;
            case Flatten:
                // [N, C, H, W] → [N, C·H·W] in C, H, W order, as ours: fc6's weight columns line up.
                graph.Node.Add(Node("Flatten", layer.Name, [input], layer.Name, Int("axis", 1)));
                return layer.Name;
            case Dropout:
                return input;   // the identity at inference (inverted dropout scales while training)
            case Dense dense:
                graph.Initializer.Add(Weights(dense.Weight.Name, dense.Weight.Value));
                graph.Initializer.Add(Weights(dense.Bias.Name, dense.Bias.Value));
                // Y = X·Bᵀ + C with B = our [out, in] weight.
                graph.Node.Add(Node("Gemm", dense.Name, [input, dense.Weight.Name, dense.Bias.Name], dense.Name,
                    Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)));
                return dense.Name;
            default:
                throw new AppException($"{layer.Name} ({layer.Description}) cannot be exported: the ONNX exporter knows Conv2d, ReLU, LocalResponseNormalization, MaxPool2d, BatchNorm, Flatten, Dropout and Dense.");
        }
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float32 initializer holding the tensor's values as little-endian raw bytes, row-major.</summary>
    private static TensorProto Weights(string name, AlexNet.Tensors.Tensor tensor)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; exporting on a big-endian machine is not supported.");
        }
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(tensor.Shape.ToArray().Select(d => (long)d));
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.ToArray().AsSpan()));
        return proto;
    }

    /// <summary>A float32 tensor value whose first dimension is the named dynamic <paramref name="batch"/>.</summary>
    private static ValueInfoProto Value(string name, string batch, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (int d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static string Triple(double[] values) => string.Create(CultureInfo.InvariantCulture, $"[{values[0]:0.####}, {values[1]:0.####}, {values[2]:0.####}]");
}
