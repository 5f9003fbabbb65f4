// BatchNormVariantTests: --norm batch and --norm none build what they say, the default build is unchanged, and the BN network's gradients are right.

using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;

namespace AlexNet.Tests.Layers;

/// <summary>
/// The AlexNet variants under <c>--norm</c>: with <c>batch</c> every convolution loses its bias and is
/// followed by BatchNorm, then its ReLU, and no LRN is left; with <c>none</c> LRN goes and nothing
/// comes instead; without the option (or with the variant's own) the network is the one it always was.
/// A whole small batch-normalized network is gradient-checked end to end.
/// </summary>
public sealed class BatchNormVariantTests
{
    private static readonly global::AlexNet.Backends.IBackend Cpu = LayerTestData.Cpu;

    public static TheoryData<string> AlexNetVariants => ["alexnet", "caffenet", "torchvision", "mini"];

    [Theory, MemberData(nameof(AlexNetVariants))]
    public void Batch_norm_follows_every_convolution_before_its_relu_in_place_of_lrn_and_the_convolutions_lose_their_biases(string name)
    {
        var variant = ModelVariants.Get(name);
        using var own = variant.Build(Cpu, classes: 17, seed: 1);
        using var model = variant.Build(Cpu, classes: 17, seed: 1, normalization: Normalization.Batch);

        var layers = model.Layers.ToList();
        var convolutions = layers.OfType<Conv2d>().ToList();
        Assert.Equal(5, convolutions.Count);
        foreach (var (conv, number) in convolutions.Select((conv, i) => (conv, i + 1)))
        {
            int at = layers.IndexOf(conv);
            Assert.Null(conv.Bias);
            var norm = Assert.IsType<BatchNorm>(layers[at + 1]);
            Assert.Equal(($"bn{number}", conv.OutChannels, 0.1f, 1e-5f), (norm.Name, norm.Channels, norm.Momentum, norm.Epsilon));
            Assert.IsType<ReLU>(layers[at + 2]);
        }
        Assert.DoesNotContain(layers, layer => layer is LocalResponseNormalization);
        // The rest is the variant's own network, in the same order.
        Assert.Equal(own.Layers.Where(layer => layer is not LocalResponseNormalization).Select(layer => layer.Name), layers.Where(layer => layer is not BatchNorm).Select(layer => layer.Name));
        // Each convolution's C biases go, and batch norm brings C scales and C shifts.
        Assert.Equal(own.ParameterCount + convolutions.Sum(conv => conv.OutChannels), model.ParameterCount);
    }

    [Theory]
    [InlineData("alexnet")]
    [InlineData("caffenet")]
    [InlineData("mini")]
    public void The_variants_own_lrn_is_the_default_and_none_leaves_it_out(string name)
    {
        var variant = ModelVariants.Get(name);
        using var byDefault = variant.Build(Cpu, classes: 5, seed: 3);
        using var lrn = variant.Build(Cpu, classes: 5, seed: 3, normalization: Normalization.LocalResponse);
        using var none = variant.Build(Cpu, classes: 5, seed: 3, normalization: Normalization.None);

        Assert.Equal(Normalization.LocalResponse, variant.Normalizations[0]);
        Assert.Equal(byDefault.Layers.Select(layer => layer.ToString()), lrn.Layers.Select(layer => layer.ToString()));
        foreach (var (a, b) in byDefault.Parameters.Zip(lrn.Parameters))
        {
            Assert.True(a.Value.ToArray().AsSpan().SequenceEqual(b.Value.ToArray()), $"{a.Name} differs between the default build and --norm lrn");
        }
        Assert.Equal(["norm1", "norm2"], byDefault.Layers.OfType<LocalResponseNormalization>().Select(layer => layer.Name));
        Assert.Equal(byDefault.Layers.Where(layer => layer is not LocalResponseNormalization).Select(layer => layer.ToString()), none.Layers.Select(layer => layer.ToString()));
        Assert.DoesNotContain(none.Layers, layer => layer is BatchNorm);
    }

    [Theory]
    [InlineData("keras-blog", "none", "keras-blog cannot be built with normalization 'none'; it takes 'batch'.")]
    [InlineData("keras-blog", "lrn", "keras-blog cannot be built with normalization 'lrn'; it takes 'batch'.")]
    [InlineData("torchvision", "lrn", "torchvision cannot be built with normalization 'lrn'; it takes 'none' or 'batch'.")]
    public void A_normalization_a_variant_does_not_take_is_refused_naming_the_ones_it_does(string name, string normalization, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelVariants.Get(name).Build(Cpu, classes: 3, seed: 1, normalization: normalization));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// mini with batch norm (dropout 0, so the loss is a function of the weights alone), on 4 images of
    /// 3 classes in training mode: each parameter tensor's 4 largest gradients against central
    /// differences of the mean cross-entropy, the loss summed in double from the logits. Through BN
    /// every image's gradient depends on the whole batch, so a missing term of BN's backward, or a
    /// wrong one, is off by tens of percent. Across a whole network the kinks of ReLU and max
    /// pooling make the differences converge only linearly in h (the worst coordinate measured 6.2%
    /// off at h = 1e-2, 1.8% at h = 1e-3), hence h = 1e-3 and a tolerance of 1e-4 + 5%·|g|.
    /// </summary>
    [Fact]
    public void The_gradients_of_a_small_batch_normalized_network_match_finite_differences_of_its_loss()
    {
        using var model = Mini.Variant.Build(Cpu, classes: 3, seed: 21, dropout: 0f, normalization: Normalization.Batch);
        using var images = LayerTestData.Uniform(Cpu, new Shape(4, 3, 64, 64), seed: 22, name: "images");
        int[] labels = [0, 1, 2, 1];
        using var labelTensor = LayerTestData.Upload(Cpu, new Shape(4), [.. labels.Select(label => (float)label)], "labels");
        using var loss = new SoftmaxCrossEntropy(Cpu);

        double Loss()
        {
            float[] logits = model.Forward(images).ToArray();
            double sum = 0;
            for (int n = 0; n < labels.Length; n++)
            {
                var row = logits.AsSpan(n * 3, 3);
                double max = row[0];
                foreach (float z in row)
                {
                    max = Math.Max(max, z);
                }
                double total = 0;
                foreach (float z in row)
                {
                    total += Math.Exp(z - max);
                }
                sum += Math.Log(total) + max - row[labels[n]];
            }
            return sum / labels.Length;
        }

        model.ZeroGradients();
        loss.Forward(model.Forward(images), labelTensor);
        model.Backward(loss.Backward());
        const float h = 1e-3f;
        double worst = 0;
        string where = "";
        foreach (var parameter in model.Parameters)
        {
            float[] analytic = parameter.Gradient.ToArray();
            float[] values = parameter.Value.ToArray();
            foreach (int i in Enumerable.Range(0, values.Length).OrderByDescending(i => Math.Abs(analytic[i])).Take(4))
            {
                float original = values[i];
                values[i] = original + h;
                Cpu.Upload(values, parameter.Value);
                double plus = Loss();
                values[i] = original - h;
                Cpu.Upload(values, parameter.Value);
                double minus = Loss();
                values[i] = original;
                Cpu.Upload(values, parameter.Value);
                double numeric = (plus - minus) / (2 * h);
                double excess = Math.Abs(analytic[i] - numeric) / (1e-4 + (5e-2 * Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric))));
                if (excess > worst)
                {
                    (worst, where) = (excess, $"{parameter.Name}[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6}");
                }
            }
        }
        Assert.True(worst <= 1, $"largest difference over the tolerance 1e-4 + 5e-2·|g| ({worst:0.00} times it) at {where}");
        Assert.Contains(model.Parameters, parameter => parameter.Name == "bn3.gamma");
        Assert.DoesNotContain(model.Parameters, parameter => parameter.Name == "conv3.bias");
    }

    [Fact]
    public void Frozen_batch_norm_layers_run_in_inference_mode_and_keep_their_running_statistics()
    {
        using var model = Mini.Variant.Build(Cpu, classes: 3, seed: 5, normalization: Normalization.Batch);
        int features = model.Layers.ToList().FindIndex(layer => layer is Flatten) + 1;
        var bn1 = (BatchNorm)model["bn1"];
        using var images = LayerTestData.Uniform(Cpu, new Shape(2, 3, 64, 64), seed: 6, name: "images");
        float[] before = bn1.RunningMean.Value.ToArray();

        model.FrozenLayers = features;
        model.IsTraining = true;
        model.Forward(images);

        Assert.False(bn1.IsTraining);
        Assert.True(model["fc6"].IsTraining);
        Assert.True(model["drop6"].IsTraining);
        Assert.Equal(before, bn1.RunningMean.Value.ToArray());
        model.FrozenLayers = 0;
        Assert.True(bn1.IsTraining);
    }
}
