// OnnxRuntimeCheck: runs an exported model in ONNX Runtime and in our backend and compares the logits.

using System.Globalization;
using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AlexNet.Tests.Interop;

/// <summary>
/// Runs an exported ONNX model in ONNX Runtime and the same model in one of our backends on the same
/// images, and requires the logits to agree within 1e-4 relative to the largest logit
/// (|ours − ORT| ≤ 1e-4·max|ORT| + 1e-4·|ORT|) and the same top-1 for every image.
/// </summary>
internal static class OnnxRuntimeCheck
{
    /// <summary>The relative tolerance the issue asks for.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>ONNX Runtime's logits for <paramref name="images"/> [N, C, H, W].</summary>
    public static float[] Run(byte[] onnx, Shape shape, float[] images, out string outputName)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        string inputName = session.InputMetadata.Keys.Single();
        var input = new DenseTensor<float>(images, shape.ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, input)]);
        var output = results.Single();
        outputName = output.Name;
        return [.. output.AsEnumerable<float>()];
    }

    /// <summary>Our logits for <paramref name="images"/>, the model in inference mode.</summary>
    public static float[] Ours(Sequential model, Shape shape, float[] images)
    {
        model.IsTraining = false;
        using var input = model.Backend.Allocate(shape, "images");
        model.Backend.Upload(images, input);
        return model.Forward(input).ToArray();
    }

    /// <summary>
    /// Fails unless <paramref name="ours"/> agrees with <paramref name="onnxRuntime"/> [N, classes];
    /// returns the largest difference relative to the largest logit, for the record.
    /// </summary>
    public static double Agree(string what, int classes, float[] ours, float[] onnxRuntime)
    {
        Assert.Equal(onnxRuntime.Length, ours.Length);
        int images = onnxRuntime.Length / classes;
        double scale = onnxRuntime.Max(v => Math.Abs((double)v));
        Assert.True(scale > 0, $"{what}: ONNX Runtime's logits are all zero, which checks nothing.");
        Compare.Close(what, new Shape(images, classes), ours, [.. onnxRuntime.Select(v => (double)v)], Tolerance * scale, Tolerance);
        for (int n = 0; n < images; n++)
        {
            int expected = ArgMax(onnxRuntime.AsSpan(n * classes, classes)), actual = ArgMax(ours.AsSpan(n * classes, classes));
            Assert.True(expected == actual, $"{what}: image {n}'s top-1 is class {actual} here but {expected} in ONNX Runtime.");
        }
        double largest = ours.Zip(onnxRuntime, (a, b) => Math.Abs((double)a - b)).Max() / scale;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: largest |ours - ONNX Runtime| = {largest:G3} of the largest logit ({scale:G4})"));
        return largest;
    }

    /// <summary>Seeded inputs on the scale the variant expects: centred pixels (±128) or unit variance.</summary>
    public static float[] RandomImages(Shape shape, double spread, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, shape.Length).Select(_ => (float)((random.NextDouble() - 0.5) * 2 * spread))];
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>Gives γ, β and the running statistics of every batch norm seeded values away from 1 and 0, so the export's use of them is tested.</summary>
    public static void RandomizeBatchNorms(Sequential model, int seed)
    {
        var random = new Random(seed);
        float[] Values(int count, double centre, double spread) =>
            [.. Enumerable.Range(0, count).Select(_ => (float)(centre + ((random.NextDouble() - 0.5) * 2 * spread)))];
        foreach (var norm in model.Layers.OfType<BatchNorm>())
        {
            IDevice device = norm.Backend;
            device.Upload(Values(norm.Channels, 1, 0.5), norm.Gamma.Value);
            device.Upload(Values(norm.Channels, 0, 0.5), norm.Beta.Value);
            device.Upload(Values(norm.Channels, 0, 0.5), norm.RunningMean.Value);
            device.Upload(Values(norm.Channels, 1, 0.5), norm.RunningVariance.Value);
        }
    }
}
