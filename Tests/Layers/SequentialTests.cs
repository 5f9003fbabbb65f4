using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;

namespace AlexNet.Tests.Layers;

public class SequentialTests
{
    private static IBackend Backend => LayerTestData.Cpu;

    [Theory]
    [MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void The_same_seed_gives_the_same_weights_on_every_backend_and_another_seed_other_weights(string name) => TestBackends.Run(name, other =>
    {
        using var a = Mini.Variant.Build(Backend, classes: 5, seed: 42);
        using var b = Mini.Variant.Build(other, classes: 5, seed: 42);
        using var c = Mini.Variant.Build(Backend, classes: 5, seed: 43);
        for (int i = 0; i < a.Parameters.Count; i++)
        {
            Assert.Equal(a.Parameters[i].Value.ToArray(), b.Parameters[i].Value.ToArray());
        }
        Assert.NotEqual(a.Parameters[0].Value.ToArray(), c.Parameters[0].Value.ToArray());
        Assert.Equal(a.Counters.Select(counter => counter.Value), b.Counters.Select(counter => counter.Value));
        Assert.NotEqual(a.Counters.Select(counter => counter.Value), c.Counters.Select(counter => counter.Value));
    });

    [Fact]
    public void Parameters_state_and_counters_are_named_for_checkpoints()
    {
        using var model = KerasBlog.Variant.Build(Backend, classes: 17, seed: 1);
        Assert.Equal(["conv1.weight", "conv1.bias", "bn1.gamma", "bn1.beta"], model.Parameters.Take(4).Select(p => p.Name));
        Assert.Equal([ParameterKind.Weight, ParameterKind.Bias, ParameterKind.Scale, ParameterKind.Shift], model.Parameters.Take(4).Select(p => p.Kind));
        Assert.Equal(8 * 2, model.Buffers.Count);
        Assert.Equal(["bn1.running_mean", "bn1.running_var"], model.Buffers.Take(2).Select(b => b.Name));
        Assert.Equal(["drop1.seed", "drop1.offset", "drop2.seed", "drop2.offset", "drop3.seed", "drop3.offset"], model.Counters.Select(c => c.Name));
        Assert.Equal(model.Parameters.Count, model.Parameters.Select(p => p.Name).Distinct().Count());
        Assert.Same(model["conv1"], model.Layers[0]);
        Assert.Throws<KeyNotFoundException>(() => model["conv9"]);
    }

    [Fact]
    public void Restoring_the_dropout_counters_replays_the_same_masks()
    {
        using var model = Mini.Variant.Build(Backend, classes: 4, seed: 2);
        using var images = LayerTestData.Uniform(Backend, new Shape(2, 3, 64, 64), seed: 3);
        model.Forward(images);
        ulong[] saved = [.. model.Counters.Select(counter => counter.Value)];
        float[] second = model.Forward(images).ToArray();
        float[] third = model.Forward(images).ToArray();
        Assert.NotEqual(second, third);

        for (int i = 0; i < saved.Length; i++)
        {
            model.Counters[i].Value = saved[i];
        }
        Assert.Equal(second, model.Forward(images).ToArray());
    }

    [Fact]
    public void Outputs_are_reused_while_the_batch_size_stays_and_reallocated_when_it_changes()
    {
        using var model = Mini.Variant.Build(Backend, classes: 3, seed: 4);
        using var full = LayerTestData.Uniform(Backend, new Shape(4, 3, 64, 64), seed: 5);
        using var last = LayerTestData.Uniform(Backend, new Shape(3, 3, 64, 64), seed: 6);
        var first = model.Forward(full);
        Assert.Same(first, model.Forward(full));
        var smaller = model.Forward(last);
        Assert.NotSame(first, smaller);
        Assert.Equal(new Shape(3, 3), smaller.Shape);
        Assert.Equal(new Shape(3, 3), model.OutputShape(3));
    }

    [Fact]
    public void Backward_fills_every_parameter_gradient_and_the_first_layer_skips_the_image_gradient()
    {
        using var model = Mini.Variant.Build(Backend, classes: 3, seed: 7);
        using var loss = new SoftmaxCrossEntropy(Backend);
        using var images = LayerTestData.Uniform(Backend, new Shape(2, 3, 64, 64), seed: 8);
        using var labels = LayerTestData.Upload(Backend, new Shape(2), [0f, 2f], "labels");
        model.ZeroGradients();
        loss.Forward(model.Forward(images), labels);
        model.Backward(loss.Backward());
        Assert.All(model.Parameters, p => Assert.Contains(p.Gradient.ToArray(), g => g != 0f));
        model.ZeroGradients();
        Assert.All(model.Parameters, p => Assert.All(p.Gradient.ToArray(), g => Assert.Equal(0f, g)));
    }

    /// <summary>
    /// A ReLU followed by a max-pool (relu5 → pool5 in mini) goes backward as one fused op; the gradients
    /// of every parameter are exactly those of the layers' own backwards, and the profiler still hears
    /// of every layer once.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Fusing_relu_and_pool_backwards_gives_exactly_the_unfused_gradients(string name) => TestBackends.Run(name, backend =>
    {
        float[][] Gradients(bool fuse, List<int> heard)
        {
            using var model = Mini.Variant.Build(backend, classes: 3, seed: 12);
            model.FuseBackward = fuse;
            using var loss = new SoftmaxCrossEntropy(backend);
            using var images = LayerTestData.Uniform(backend, new Shape(2, 3, 64, 64), seed: 13);
            using var labels = LayerTestData.Upload(backend, new Shape(2), [2f, 0f], "labels");
            model.ZeroGradients();
            loss.Forward(model.Forward(images), labels);
            model.Backward(loss.Backward(), heard.Add);
            return [.. model.Parameters.Select(p => p.Gradient.ToArray())];
        }

        var heardFused = new List<int>();
        var fused = Gradients(fuse: true, heardFused);
        var unfused = Gradients(fuse: false, []);
        using var reference = Mini.Variant.Build(backend, classes: 3, seed: 12);
        Assert.Contains(reference.Layers.Zip(reference.Layers.Skip(1)), pair => pair.First is ReLU && pair.Second is MaxPool2d);
        Assert.Equal(Enumerable.Range(0, reference.Layers.Count).Reverse(), heardFused);
        for (int i = 0; i < fused.Length; i++)
        {
            Compare.Exact($"{backend.Name} {reference.Parameters[i].Name} gradient, fused vs unfused", reference.Parameters[i].Shape, fused[i], unfused[i]);
        }
    });

    /// <summary>
    /// A convolution or dense layer followed by a ReLU (seven times in mini) goes forward as one fused op;
    /// the logits and every parameter's gradient are exactly those of the layers' own forwards, the
    /// profiler still hears of every layer once, and the convolution's Output is then the ReLU's.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Fusing_a_layer_with_the_relu_after_it_gives_exactly_the_unfused_outputs_and_gradients(string name) => TestBackends.Run(name, backend =>
    {
        (float[] Logits, float[][] Gradients) Run(bool fuse, List<int> heard)
        {
            using var model = Mini.Variant.Build(backend, classes: 3, seed: 14);
            model.FuseForward = fuse;
            using var loss = new SoftmaxCrossEntropy(backend);
            using var images = LayerTestData.Uniform(backend, new Shape(2, 3, 64, 64), seed: 15);
            using var labels = LayerTestData.Upload(backend, new Shape(2), [1f, 0f], "labels");
            model.ZeroGradients();
            var logits = model.Forward(images, heard.Add);
            Assert.Equal(fuse, ReferenceEquals(model["conv1"].Output, model["relu1"].Output));
            loss.Forward(logits, labels);
            model.Backward(loss.Backward());
            return (logits.ToArray(), [.. model.Parameters.Select(p => p.Gradient.ToArray())]);
        }

        var heardFused = new List<int>();
        var fused = Run(fuse: true, heardFused);
        var unfused = Run(fuse: false, []);
        using var reference = Mini.Variant.Build(backend, classes: 3, seed: 14);
        Assert.Equal(7, Enumerable.Range(0, reference.Layers.Count).Count(reference.FusesForward));
        Assert.Equal(Enumerable.Range(0, reference.Layers.Count), heardFused);
        Compare.Exact($"{backend.Name} logits, fused vs unfused", new Shape(2, 3), fused.Logits, unfused.Logits);
        for (int i = 0; i < fused.Gradients.Length; i++)
        {
            Compare.Exact($"{backend.Name} {reference.Parameters[i].Name} gradient, fused vs unfused", reference.Parameters[i].Shape, fused.Gradients[i], unfused.Gradients[i]);
        }
    });

    [Fact]
    public void The_whole_model_gradient_matches_finite_differences_of_the_loss()
    {
        using var model = Mini.Variant.Build(Backend, classes: 3, seed: 9);
        using var loss = new SoftmaxCrossEntropy(Backend);
        using var images = LayerTestData.Uniform(Backend, new Shape(2, 3, 64, 64), seed: 10);
        using var labels = LayerTestData.Upload(Backend, new Shape(2), [1f, 2f], "labels");
        var dropouts = model.Layers.OfType<Dropout>().ToList();
        double Loss()
        {
            dropouts.ForEach(dropout => dropout.Offset.Value = 0);   // the same masks every time
            return loss.Forward(model.Forward(images), labels).ToArray()[0];
        }

        Loss();
        model.ZeroGradients();
        model.Backward(loss.Backward());
        var random = new Random(11);
        const float h = 1e-3f;
        foreach (var parameter in model.Parameters)
        {
            float[] values = parameter.Value.ToArray();
            float[] analytic = parameter.Gradient.ToArray();
            // The coordinates with the largest gradients, where a wiring error would show most.
            foreach (int i in Enumerable.Range(0, values.Length).OrderByDescending(i => Math.Abs(analytic[i])).Take(3))
            {
                float original = values[i];
                values[i] = original + h;
                Backend.Upload(values, parameter.Value);
                double plus = Loss();
                values[i] = original - h;
                Backend.Upload(values, parameter.Value);
                double minus = Loss();
                values[i] = original;
                Backend.Upload(values, parameter.Value);
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(analytic[i] - numeric) <= 2e-3 + (5e-2 * Math.Abs(numeric)),
                    $"{parameter.Name}[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6}");
            }
        }
    }

    [Fact]
    public void Mismatched_inputs_and_models_fail_with_the_shapes_in_the_message()
    {
        using var model = Mini.Variant.Build(Backend, classes: 17, seed: 1);
        using var images = Backend.Allocate(new Shape(1, 3, 63, 64), "images");
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains("[N, 3, 64, 64]", error.Message, StringComparison.Ordinal);
        Assert.Contains("images [1, 3, 63, 64]", error.Message, StringComparison.Ordinal);

        var duplicate = Assert.Throws<ArgumentException>(() => new Sequential("twins", new Shape(1, 4, 4),
            [new ReLU(Backend, "relu"), new ReLU(Backend, "relu")]));
        Assert.Contains("'relu'", duplicate.Message, StringComparison.Ordinal);

        var mismatch = Assert.Throws<ArgumentException>(() => new Sequential("bad", new Shape(3, 8, 8),
            [new Conv2d(Backend, "conv", 3, 4, 3, new Convolution()), new Flatten(Backend, "flatten"), new Dense(Backend, "fc", 100, 2)]));
        Assert.Contains("fc", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("[N, 100]", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 144]", mismatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Layers_show_their_name_and_output_shape_in_the_debugger()
    {
        using var model = Mini.Variant.Build(Backend, classes: 3, seed: 1);
        var conv1 = model.Layers[0];
        Assert.Equal("conv1: Conv2d 3->16 7x7 /2 (not run yet)", DebuggerDisplay(conv1));
        using var images = LayerTestData.Uniform(Backend, new Shape(2, 3, 64, 64), seed: 2);
        model.Forward(images);
        Assert.Equal("conv1: Conv2d 3->16 7x7 /2 -> [2, 16, 29, 29]", DebuggerDisplay(conv1));
        Assert.Equal("fc8: Dense 256->3 -> [2, 3]", DebuggerDisplay(model.Layers[^1]));
    }

    [Fact]
    public void Disposing_a_model_frees_every_tensor_it_allocated()
    {
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        using (var model = Mini.Variant.Build(backend, classes: 3, seed: 1))
        using (var loss = new SoftmaxCrossEntropy(backend))
        using (var images = LayerTestData.Uniform(backend, new Shape(2, 3, 64, 64), seed: 2))
        using (var labels = LayerTestData.Upload(backend, new Shape(2), [0f, 1f], "labels"))
        {
            loss.Forward(model.Forward(images), labels);
            model.Backward(loss.Backward());
            Assert.True(backend.AllocatedBytes > 0);
        }
        Assert.Equal(0, backend.AllocatedBytes);
    }

    private static string DebuggerDisplay(Layer layer) =>
        (string)typeof(Layer).GetProperty("DebuggerDisplay", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(layer)!;
}
