using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;

namespace AlexNet.Tests.Layers;

/// <summary>Training and inference modes differ exactly in dropout and batch norm, and nowhere else.</summary>
public class ModeTests
{
    private static IBackend Backend => LayerTestData.Cpu;

    [Fact]
    public void Only_dropout_and_batch_norm_layers_change_their_output_with_the_mode()
    {
        // A small network with every layer type, batch norm in both forms.
        using var model = new Sequential("every-layer", new Shape(3, 12, 12),
        [
            new Conv2d(Backend, "conv1", 3, 4, 3, new Convolution(Padding: 1)),
            new BatchNorm(Backend, "bn1", 4),
            new ReLU(Backend, "relu1"),
            new LocalResponseNormalization(Backend, "norm1", new LocalResponseNorm(3, 0.5f, 0.75f, 1f)),
            new MaxPool2d(Backend, "pool1", new Pooling(3, 2)),
            new Flatten(Backend, "flatten"),
            new Dense(Backend, "fc1", 4 * 5 * 5, 8),
            new Dropout(Backend, "drop1", 0.5f),
            new BatchNorm(Backend, "bn2", 8),
            new Dense(Backend, "fc2", 8, 3),
        ]);
        model.Initialize(seed: 1);
        using var images = LayerTestData.Uniform(Backend, new Shape(4, 3, 12, 12), seed: 2);

        // Feed each layer the input it sees in inference mode, once per mode, and compare.
        model.IsTraining = false;
        model.Forward(images);
        var inputs = new List<Tensor> { images };
        inputs.AddRange(model.Layers.Take(model.Layers.Count - 1).Select(layer => Copy(layer.Output!)));
        try
        {
            for (int i = 0; i < model.Layers.Count; i++)
            {
                var layer = model.Layers[i];
                layer.IsTraining = false;
                float[] inference = layer.Forward(inputs[i]).ToArray();
                layer.IsTraining = true;
                float[] training = layer.Forward(inputs[i]).ToArray();
                if (layer is Dropout or BatchNorm)
                {
                    Assert.False(inference.SequenceEqual(training), $"{layer.Name} should behave differently in training mode.");
                }
                else
                {
                    Assert.True(inference.SequenceEqual(training), $"{layer.Name} should not depend on the mode.");
                }
            }
        }
        finally
        {
            foreach (var copy in inputs.Skip(1))
            {
                copy.Dispose();
            }
        }
    }

    [Fact]
    public void Dropout_passes_its_input_through_in_inference_mode_and_scales_the_survivors_in_training()
    {
        using var layer = new Dropout(Backend, "drop", 0.25f, seed: 3);
        using var x = LayerTestData.Upload(Backend, new Shape(1, 4000), [.. Enumerable.Repeat(2f, 4000)]);

        layer.IsTraining = false;
        Assert.Same(x, layer.Forward(x));
        Assert.Equal(0ul, layer.Offset.Value);   // inference draws no mask

        layer.IsTraining = true;
        float[] y = layer.Forward(x).ToArray();
        Assert.Equal(1ul, layer.Offset.Value);
        Assert.All(y, v => Assert.True(v == 0f || v == 2f / 0.75f, $"{v} is neither dropped nor scaled by 1/(1 − p)"));
        double dropped = y.Count(v => v == 0f) / (double)y.Length;
        Assert.InRange(dropped, 0.25 - 0.03, 0.25 + 0.03);   // 4.4 standard errors

        float[] next = layer.Forward(x).ToArray();
        Assert.False(y.SequenceEqual(next), "each training step should draw a new mask");
    }

    [Fact]
    public void Dropout_of_zero_is_the_identity_in_training_and_draws_no_mask()
    {
        using var layer = new Dropout(Backend, "drop", 0f, seed: 3);
        using var x = LayerTestData.Upload(Backend, new Shape(1, 64), [.. Enumerable.Range(0, 64).Select(i => (float)i)]);
        using var dy = LayerTestData.Upload(Backend, new Shape(1, 64), [.. Enumerable.Repeat(1.5f, 64)]);
        layer.IsTraining = true;

        Assert.Same(x, layer.Forward(x));
        Assert.Same(dy, layer.Backward(dy));
        Assert.Equal(0ul, layer.Offset.Value);   // no draw, so no randomness to replay on resume
    }

    [Fact]
    public void A_variant_built_with_a_dropout_rate_uses_it_in_every_dropout_layer_and_keeps_the_weights()
    {
        using var own = Mini.Variant.Build(Backend, classes: 3, seed: 5);
        using var changed = Mini.Variant.Build(Backend, classes: 3, seed: 5, dropout: 0.2f);

        Assert.All(own.Layers.OfType<Dropout>(), d => Assert.Equal(0.5f, d.Probability));
        var dropouts = changed.Layers.OfType<Dropout>().ToList();
        Assert.Equal(2, dropouts.Count);
        Assert.All(dropouts, d => Assert.Equal(0.2f, d.Probability));
        Assert.Equal(own.Layers.Select(l => l.Name), changed.Layers.Select(l => l.Name));
        // The same names give the same mask seeds, and the rate does not touch the initialization.
        Assert.Equal(own.Layers.OfType<Dropout>().Select(d => d.Seed.Value), dropouts.Select(d => d.Seed.Value));
        Assert.Equal(own.Parameters.SelectMany(p => p.Value.ToArray()), changed.Parameters.SelectMany(p => p.Value.ToArray()));
    }

    [Fact]
    public void Batch_norm_normalizes_with_batch_statistics_in_training_and_running_ones_in_inference()
    {
        using var layer = new BatchNorm(Backend, "bn", 2, momentum: 0.5f, epsilon: 1e-5f);
        // Channel 0 holds 1, 3, 5, 7; channel 1 holds 10, 10, 20, 20 (two images, 1×2 pixels).
        using var x = LayerTestData.Upload(Backend, new Shape(2, 2, 1, 2), [1f, 3f, 10f, 10f, 5f, 7f, 20f, 20f]);

        layer.IsTraining = true;
        float[] training = layer.Forward(x).ToArray();
        // Channel 0: mean 4, biased variance 5 → (x − 4)/√5.
        Assert.Equal((1 - 4) / Math.Sqrt(5 + 1e-5), training[0], 4);
        Assert.Equal((7 - 4) / Math.Sqrt(5 + 1e-5), training[5], 4);
        // Running statistics moved halfway (momentum 0.5) from 0 and 1 to the batch's mean and unbiased variance.
        float[] mean = layer.RunningMean.Value.ToArray(), variance = layer.RunningVariance.Value.ToArray();
        Assert.Equal(2f, mean[0], 4);
        Assert.Equal(7.5f, mean[1], 4);
        Assert.Equal(0.5f + (0.5f * 20f / 3f), variance[0], 4);

        layer.IsTraining = false;
        float[] inference = layer.Forward(x).ToArray();
        Assert.Equal((1 - 2) / Math.Sqrt(variance[0] + 1e-5), inference[0], 4);
        // Inference leaves the running statistics alone.
        Assert.Equal(mean, layer.RunningMean.Value.ToArray());
    }

    [Fact]
    public void In_inference_mode_a_model_is_deterministic_and_each_image_is_independent_of_its_batch()
    {
        using var model = KerasBlogInMiniature();
        model.Initialize(seed: 4);
        using var batch = LayerTestData.Uniform(Backend, new Shape(3, 3, 16, 16), seed: 5);
        float[] all = Forward(model, batch, training: false);
        Assert.Equal(all, Forward(model, batch, training: false));
        using var single = LayerTestData.Upload(Backend, new Shape(1, 3, 16, 16), batch.ToArray()[(3 * 16 * 16)..(2 * 3 * 16 * 16)]);
        float[] alone = Forward(model, single, training: false);
        for (int k = 0; k < alone.Length; k++)
        {
            Assert.Equal(all[alone.Length + k], alone[k], 5);
        }

        // In training mode, dropout draws new masks and batch norm uses the batch: neither holds.
        Assert.NotEqual(Forward(model, batch, training: true), Forward(model, batch, training: true));
    }

    [Fact]
    public void Switching_the_model_mode_switches_every_layer()
    {
        using var model = Mini.Variant.Build(Backend, classes: 3, seed: 6);
        Assert.True(model.IsTraining);
        Assert.All(model.Layers, layer => Assert.True(layer.IsTraining));
        model.IsTraining = false;
        Assert.All(model.Layers, layer => Assert.False(layer.IsTraining));
    }

    private static Sequential KerasBlogInMiniature() => new("keras-mini", new Shape(3, 16, 16),
    [
        new Conv2d(Backend, "conv1", 3, 4, 3, new Convolution()),
        new ReLU(Backend, "relu1"),
        new MaxPool2d(Backend, "pool1", new Pooling(2, 2)),
        new BatchNorm(Backend, "bn1", 4),
        new Flatten(Backend, "flatten"),
        new Dense(Backend, "dense1", 4 * 7 * 7, 10),
        new ReLU(Backend, "relu2"),
        new Dropout(Backend, "drop1", 0.4f),
        new BatchNorm(Backend, "bn2", 10),
        new Dense(Backend, "dense2", 10, 3),
    ]);

    private static float[] Forward(Sequential model, Tensor images, bool training)
    {
        model.IsTraining = training;
        return model.Forward(images).ToArray();
    }

    private static Tensor Copy(Tensor tensor)
    {
        var copy = Backend.Allocate(tensor.Shape, tensor.Name);
        Backend.Copy(tensor, copy);
        return copy;
    }
}
