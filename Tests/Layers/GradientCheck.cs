using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Tensors;

namespace AlexNet.Tests.Layers;

/// <summary>
/// Checks a layer's backward pass against central finite differences of its forward pass, in the
/// manner of Caffe's GradientChecker. The scalar is f = Σ r·y for a fixed random r, so dLoss/dy = r
/// and every output element contributes. The forward runs in float on the backend and f is summed in
/// double; with step h = 1e-2 the difference quotient is accurate to ~1e-4, so a gradient passes
/// when |analytic − numeric| ≤ 1e-4 + 1e-3·max(|analytic|, |numeric|). Measured over every check
/// here: at most 1.1e-4 (on a gradient of 1.33) and 2.6e-4 relative, a margin of 4 or more; a wrong
/// index or a missing term is off by far more. Inputs are generated away from kinks (ReLU at 0,
/// max-pool ties) by the callers. The ops themselves are checked in double, on the reference, to 1e-6.
/// </summary>
internal static class GradientCheck
{
    private const float Step = 1e-2f;
    private const double AbsoluteTolerance = 1e-4;
    private const double RelativeTolerance = 1e-3;

    /// <summary>Compares dInput and every parameter gradient with finite differences on up to <paramref name="maxCoordinates"/> coordinates each.</summary>
    /// <param name="layer">the layer under test, in the mode to check</param>
    /// <param name="input">its input (host values are re-uploaded for each evaluation)</param>
    /// <param name="seed">picks r and the sampled coordinates</param>
    /// <param name="beforeForward">run before every forward pass (e.g. to replay a dropout mask)</param>
    /// <param name="maxCoordinates">per tensor; all coordinates when the tensor is smaller</param>
    /// <param name="checkInput">false where the layer's input gradient is not wanted</param>
    public static void Check(Layer layer, Tensor input, int seed, Action? beforeForward = null, int maxCoordinates = 200, bool checkInput = true)
    {
        var backend = layer.Backend;
        var random = new Random(seed);
        float[] x = input.ToArray();

        beforeForward?.Invoke();
        var output = layer.Forward(input);
        float[] r = [.. Enumerable.Range(0, output.Length).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        using var outputGradient = backend.Allocate(output.Shape, "r");
        backend.Upload(r, outputGradient);
        layer.ZeroGradients();
        var inputGradient = layer.Backward(outputGradient, checkInput);
        float[]? dx = inputGradient?.ToArray();
        var parameterGradients = layer.Parameters.Select(parameter => parameter.Gradient.ToArray()).ToList();

        double Objective()
        {
            beforeForward?.Invoke();
            float[] y = layer.Forward(input).ToArray();
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += (double)r[i] * y[i];
            }
            return sum;
        }

        if (checkInput)
        {
            Assert.NotNull(dx);
            Compare($"{layer.Name} dInput", x, dx, random, maxCoordinates, values => backend.Upload(values, input), Objective);
        }
        for (int p = 0; p < layer.Parameters.Count; p++)
        {
            var parameter = layer.Parameters[p];
            Compare($"{parameter.Name} gradient", parameter.Value.ToArray(), parameterGradients[p], random, maxCoordinates,
                values => backend.Upload(values, parameter.Value), Objective);
        }
    }

    private static void Compare(string what, float[] values, float[] analytic, Random random, int maxCoordinates,
        Action<float[]> upload, Func<double> objective)
    {
        int[] coordinates = values.Length <= maxCoordinates
            ? [.. Enumerable.Range(0, values.Length)]
            : [.. Enumerable.Range(0, values.Length).OrderBy(_ => random.Next()).Take(maxCoordinates)];
        double worstExcess = double.NegativeInfinity;
        string worst = "";
        foreach (int i in coordinates)
        {
            float original = values[i];
            values[i] = original + Step;
            upload(values);
            double plus = objective();
            values[i] = original - Step;
            upload(values);
            double minus = objective();
            values[i] = original;
            upload(values);
            double numeric = (plus - minus) / (2.0 * Step);
            double difference = Math.Abs(analytic[i] - numeric);
            double allowed = AbsoluteTolerance + (RelativeTolerance * Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)));
            if (difference - allowed > worstExcess)
            {
                worstExcess = difference - allowed;
                worst = $"{what}: largest difference {difference:G4} (allowed {allowed:G4}) at index {i}: analytic {analytic[i]:G6}, numeric {numeric:G6}";
            }
        }
        Assert.True(worstExcess <= 0, worst);
    }
}
