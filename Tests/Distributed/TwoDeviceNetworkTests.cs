using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Layers;
using AlexNet.Layers.ModelParallel;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;
using AlexNet.Tests.Cuda;

namespace AlexNet.Tests.Distributed;

/// <summary>The paper's two-device split computes the single-device network: the same logits and, assembled from the halves, the same gradients.</summary>
public sealed class TwoDeviceNetworkTests
{
    private const int Batch = 3, Classes = 5; // an odd class count: fc8's halves are 3 and 2 outputs

    [Theory]
    [InlineData("cpu")]
    [InlineData("cuda-emulated")]
    public void The_split_over_two_devices_gives_the_single_devices_logits_and_gradients(string devices)
    {
        using var single = Cpu();
        using var model = ModelVariants.Get("mini").Build(single, Classes, 17);
        using var device0 = Device(devices);
        using var device1 = Device(devices);
        using var split = new TwoDeviceNetwork(model, device0, device1);
        var random = new Random(4);
        float[] images = [.. Enumerable.Range(0, Batch * 3 * 64 * 64).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] labels = [0, 4, 2];

        float[] expectedLogits = Step(model.Backend, b => model.Forward(b), dy => model.Backward(dy), images, labels, model.ZeroGradients, Batch);
        float[] logits = Step(device0, _ => split.Forward(images, Batch), split.Backward, images, labels, split.ZeroGradients, Batch);

        var shape = new Shape(Batch, Classes);
        Compare.Close("two-device logits", shape, logits, [.. expectedLogits.Select(v => (double)v)], 1e-5, 1e-4);
        foreach (var parameter in model.Parameters)
        {
            float[] expected = parameter.Gradient.ToArray();
            Compare.Close($"two-device d{parameter.Name}", parameter.Shape, split.Assemble(parameter.Name, gradient: true), [.. expected.Select(v => (double)v)], 1e-5, 1e-3);
            Assert.Equal(parameter.Value.ToArray(), split.Assemble(parameter.Name, gradient: false));
        }
        Assert.True(split.FloatsMoved > 0);
    }

    /// <summary>
    /// <c>--norm batch</c>: batch norm is per channel, so each device normalizes its half of the maps
    /// with nothing crossing, and the running statistics put together from the halves are the single
    /// device's.
    /// </summary>
    [Fact]
    public void A_batch_normalized_network_split_over_two_devices_gives_the_single_devices_logits_gradients_and_running_statistics()
    {
        using var single = Cpu();
        using var reference = ModelVariants.Get("mini").Build(single, Classes, 17, normalization: Normalization.Batch);
        using var model = ModelVariants.Get("mini").Build(single, Classes, 17, normalization: Normalization.Batch);
        using var device0 = Cpu();
        using var device1 = Cpu();
        using var split = new TwoDeviceNetwork(model, device0, device1);
        var random = new Random(5);
        float[] images = [.. Enumerable.Range(0, Batch * 3 * 64 * 64).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] labels = [1, 3, 0];

        float[] expectedLogits = Step(single, b => reference.Forward(b), dy => reference.Backward(dy), images, labels, reference.ZeroGradients, Batch);
        float[] logits = Step(device0, _ => split.Forward(images, Batch), split.Backward, images, labels, split.ZeroGradients, Batch);
        split.GradientsToSource();

        Compare.Close("two-device logits", new Shape(Batch, Classes), logits, [.. expectedLogits.Select(v => (double)v)], 1e-5, 1e-4);
        Assert.DoesNotContain(split.Crossings, crossing => crossing.After.StartsWith("bn", StringComparison.Ordinal));
        foreach (var (expected, actual) in reference.Parameters.Zip(model.Parameters))
        {
            Compare.Close($"two-device d{actual.Name}", actual.Shape, actual.Gradient.ToArray(), [.. expected.Gradient.ToArray().Select(v => (double)v)], 1e-5, 1e-3);
        }
        foreach (var (expected, actual) in reference.Buffers.Zip(model.Buffers))
        {
            Compare.Close($"two-device {actual.Name}", actual.Value.Shape, actual.Value.ToArray(), [.. expected.Value.ToArray().Select(v => (double)v)], 1e-6, 1e-5);
        }
    }

    [Fact]
    public void The_crossings_are_where_the_papers_figure_2_draws_them_and_the_lrn_borders()
    {
        using var single = Cpu();
        using var model = ModelVariants.Get("alexnet").Build(single, 1000, 1);
        using var other = Cpu();

        using var split = new TwoDeviceNetwork(model, single, other);

        Assert.Equal(["norm1", "norm2", "pool2", "pool5", "relu6", "relu7", "fc8"], split.Crossings.Select(c => c.After));
        var pool2 = split.Crossings.Single(c => c.After == "pool2");
        Assert.Equal(256L * 13 * 13, pool2.ForwardFloats); // conv3 reads all 256 maps: each device sends its 128
        Assert.Equal(2L * 2 * 55 * 55, split.Crossings[0].ForwardFloats); // norm1 borrows 2 maps of 55×55 each way
    }

    [Fact]
    public async Task Training_with_model_parallel_2_ends_with_the_single_devices_weights_and_counters()
    {
        using var work = AlexNet.Tests.Training.TestFiles.NewFolder();
        string[] run = ["train", "--model", "mini", "--synthetic", "--epochs", "2", "--threads", "1", "--seed", "5", "--max-steps", "3"];

        var split = await AlexNet.Tests.Training.AppRunner.RunAsync(work.Path, null, [.. run, "--model-parallel", "2", "--name", "split"]);
        var one = await AlexNet.Tests.Training.AppRunner.RunAsync(work.Path, null, [.. run, "--name", "one"]);

        Assert.True(split.ExitCode == 0, split.Error);
        Assert.True(one.ExitCode == 0, one.Error);
        Assert.Contains("on two cpu devices, split as the paper's two GPUs (--model-parallel 2)", split.Output, StringComparison.Ordinal);
        var expected = AlexNet.Training.Checkpoints.Checkpoint.Read(work.Combine("runs", "one", "last.safetensors"));
        var actual = AlexNet.Training.Checkpoints.Checkpoint.Read(work.Combine("runs", "split", "last.safetensors"));
        Assert.Equal(expected.State.Counters, actual.State.Counters); // dropout drew as many masks
        foreach (var (name, tensor) in expected.Tensors.Where(t => t.Value.DType == "F32"))
        {
            float[] reference = tensor.ToFloats();
            Compare.Close($"--model-parallel 2 {name}", new Shape(reference.Length), actual.Tensors[name].ToFloats(), [.. reference.Select(v => (double)v)], 1e-6, 1e-4);
        }
    }

    private static IBackend Cpu() => new CpuBackend(new CpuBackendOptions { Threads = 1 });

    private static IBackend Device(string kind) => kind == "cpu" ? Cpu() : CudaTools.EmulatedBackend();

    /// <summary>Forward, loss and backward of one batch; returns the logits.</summary>
    private static float[] Step(IBackend lossDevice, Func<Tensor, Tensor> forward, Action<Tensor> backward, float[] images, float[] labels, Action zero, int count)
    {
        using var x = lossDevice.Tensor(new Shape(count, 3, 64, 64), images, "images");
        using var y = lossDevice.Tensor(new Shape(count), labels, "labels");
        using var loss = new SoftmaxCrossEntropy(lossDevice);
        zero();
        var logits = forward(x);
        loss.Forward(logits, y);
        backward(loss.Backward());
        return logits.ToArray();
    }
}
