using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Tensors;

namespace AlexNet.Tests.Layers;

/// <summary>Every layer's backward pass against finite differences of its forward pass, on small shapes.</summary>
public class LayerGradientTests
{
    private static IBackend Backend => LayerTestData.Cpu;

    [Theory]
    [InlineData(3, 1, 0, 1)]   // kernel, stride, padding, groups
    [InlineData(3, 2, 1, 2)]
    [InlineData(3, 3, 2, 1)]
    [InlineData(5, 1, 2, 2)]   // conv2 of the paper: "same" padding, two groups
    [InlineData(11, 4, 0, 1)]  // conv1 of the paper
    [InlineData(1, 1, 0, 2)]
    public void Conv2d_backward_matches_finite_differences(int kernel, int stride, int padding, int groups)
    {
        using var layer = new Conv2d(Backend, "conv", 4, 6, kernel, new Convolution(stride, padding, groups), Initializer.Uniform(0.5f), Initializer.Uniform(0.5f));
        layer.Initialize(seed: 1);
        using var x = LayerTestData.Uniform(Backend, new Shape(2, 4, kernel + 4, kernel + 3), seed: 2);
        GradientCheck.Check(layer, x, seed: 3);
    }

    [Fact]
    public void Dense_backward_matches_finite_differences()
    {
        using var layer = new Dense(Backend, "fc", 5, 4);
        layer.Initialize(seed: 4);
        using var x = LayerTestData.Uniform(Backend, new Shape(3, 5), seed: 5);
        GradientCheck.Check(layer, x, seed: 6);
    }

    [Fact]
    public void ReLU_backward_matches_finite_differences()
    {
        using var layer = new ReLU(Backend, "relu");
        using var x = LayerTestData.AwayFromKinks(Backend, new Shape(2, 3, 4, 5), seed: 7);
        GradientCheck.Check(layer, x, seed: 8);
    }

    [Theory]
    [InlineData(3, 2, 0)]   // the paper's overlapping pooling
    [InlineData(2, 2, 0)]   // the Keras tutorial's
    [InlineData(3, 2, 1)]
    public void MaxPool2d_backward_matches_finite_differences(int kernel, int stride, int padding)
    {
        using var layer = new MaxPool2d(Backend, "pool", new Pooling(kernel, stride, padding));
        using var x = LayerTestData.AwayFromKinks(Backend, new Shape(2, 2, 7, 6), seed: 9);
        GradientCheck.Check(layer, x, seed: 10);
    }

    [Theory]
    [InlineData(5, 1e-4f, 0.75f, 2f)]   // the paper's constants: the denominator is almost constant
    [InlineData(5, 0.5f, 0.75f, 1f)]    // strong normalization, so the cross-channel terms matter
    [InlineData(4, 0.3f, 0.6f, 1.5f)]   // an even window is asymmetric
    public void LocalResponseNormalization_backward_matches_finite_differences(int size, float alpha, float beta, float k)
    {
        using var layer = new LocalResponseNormalization(Backend, "norm", new LocalResponseNorm(size, alpha, beta, k));
        using var x = LayerTestData.Uniform(Backend, new Shape(2, 7, 3, 2), seed: 11);
        GradientCheck.Check(layer, x, seed: 12);
    }

    [Fact]
    public void Dropout_backward_matches_finite_differences_with_the_mask_replayed()
    {
        using var layer = new Dropout(Backend, "drop", 0.4f, seed: 13);
        using var x = LayerTestData.Uniform(Backend, new Shape(4, 25), seed: 14);
        // Each training-mode forward draws a new mask; rewinding the counter replays the same one.
        GradientCheck.Check(layer, x, seed: 15, beforeForward: () => layer.Offset.Value = 0);
    }

    [Fact]
    public void Flatten_backward_matches_finite_differences()
    {
        using var layer = new Flatten(Backend, "flatten");
        using var x = LayerTestData.Uniform(Backend, new Shape(2, 3, 2, 2), seed: 16);
        GradientCheck.Check(layer, x, seed: 17);
    }

    [Theory]
    [InlineData(new[] { 4, 3, 3, 2 })]   // BatchNorm2d: per channel over N, H, W
    [InlineData(new[] { 6, 5 })]         // BatchNorm1d: per feature over N
    public void BatchNorm_backward_in_training_mode_matches_finite_differences(int[] dimensions)
    {
        var shape = new Shape(dimensions);
        using var layer = new BatchNorm(Backend, "bn", shape.C);
        // Random γ and β, so the check does not rely on γ = 1, β = 0.
        Backend.Upload([.. Enumerable.Range(0, shape.C).Select(c => 0.5f + (0.3f * c))], layer.Gamma.Value);
        Backend.Upload([.. Enumerable.Range(0, shape.C).Select(c => 0.2f - (0.1f * c))], layer.Beta.Value);
        using var x = LayerTestData.Uniform(Backend, shape, seed: 18);
        GradientCheck.Check(layer, x, seed: 19);
    }

    [Fact]
    public void SoftmaxCrossEntropy_backward_matches_finite_differences_of_the_mean_loss()
    {
        using var loss = new SoftmaxCrossEntropy(Backend);
        var shape = new Shape(3, 5);
        using var logits = LayerTestData.Uniform(Backend, shape, seed: 20, name: "logits");
        using var labels = LayerTestData.Upload(Backend, new Shape(3), [4f, 0f, 2f], "labels");
        float[] z = logits.ToArray();
        loss.Forward(logits, labels);
        float[] analytic = loss.Backward().ToArray();
        const float h = 1e-2f;
        for (int i = 0; i < z.Length; i++)
        {
            float original = z[i];
            z[i] = original + h;
            Backend.Upload(z, logits);
            double plus = loss.Forward(logits, labels).ToArray()[0];
            z[i] = original - h;
            Backend.Upload(z, logits);
            double minus = loss.Forward(logits, labels).ToArray()[0];
            z[i] = original;
            Backend.Upload(z, logits);
            double numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(analytic[i] - numeric) <= 1e-3 + (1e-2 * Math.Abs(numeric)),
                $"dLogits[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6}");
        }
    }

    [Fact]
    public void Parameter_gradients_accumulate_until_zeroed_while_input_gradients_are_overwritten()
    {
        using var layer = new Dense(Backend, "fc", 4, 3);
        layer.Initialize(seed: 21);
        using var x = LayerTestData.Uniform(Backend, new Shape(2, 4), seed: 22);
        using var dy = LayerTestData.Uniform(Backend, new Shape(2, 3), seed: 23);
        layer.ZeroGradients();
        layer.Forward(x);
        float[] dx = layer.Backward(dy)!.ToArray();
        float[] once = layer.Weight.Gradient.ToArray();
        layer.Forward(x);
        float[] dxAgain = layer.Backward(dy)!.ToArray();
        float[] twice = layer.Weight.Gradient.ToArray();
        Assert.Equal(dx, dxAgain);
        for (int i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], twice[i], 5);
        }
        layer.ZeroGradients();
        Assert.All(layer.Weight.Gradient.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Skipping_the_input_gradient_still_accumulates_the_parameter_gradients()
    {
        using var layer = new Conv2d(Backend, "conv", 2, 3, 3, new Convolution(Padding: 1));
        layer.Initialize(seed: 24);
        using var x = LayerTestData.Uniform(Backend, new Shape(1, 2, 4, 4), seed: 25);
        using var dy = LayerTestData.Uniform(Backend, new Shape(1, 3, 4, 4), seed: 26);
        layer.ZeroGradients();
        layer.Forward(x);
        Assert.NotNull(layer.Backward(dy, computeInputGradient: true));
        float[] withInput = layer.Weight.Gradient.ToArray();
        layer.ZeroGradients();
        Assert.Null(layer.Backward(dy, computeInputGradient: false));
        Assert.Equal(withInput, layer.Weight.Gradient.ToArray());
    }
}
