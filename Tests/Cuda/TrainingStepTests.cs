using AlexNet.Backends.Cuda;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;

namespace AlexNet.Tests.Cuda;

/// <summary>Whole training steps of the <c>mini</c> network on the CUDA backend (emulated device).</summary>
public class TrainingStepTests
{
    [Fact]
    public void A_mini_training_step_copies_only_the_batch_up_and_the_loss_down()
    {
        using var backend = CudaTools.EmulatedBackend();
        const int batch = 2, classes = 17;
        using var model = Mini.Variant.Build(backend, classes, seed: 7);
        using var loss = new SoftmaxCrossEntropy(backend);
        var velocities = model.Parameters.Select(p => backend.Allocate(p.Shape, p.Name + ".velocity")).ToList();
        var shape = Mini.Variant.InputShape;
        using var images = backend.Allocate(new Shape(batch, shape[0], shape[1], shape[2]), "images");
        using var labels = backend.Allocate(new Shape(batch), "labels");
        var random = new Random(3);
        float[] imageValues = Enumerable.Range(0, images.Length).Select(_ => (float)random.NextDouble()).ToArray();
        float[] labelValues = Enumerable.Range(0, batch).Select(_ => (float)random.Next(classes)).ToArray();

        float Step()
        {
            backend.Upload(imageValues, images);
            backend.Upload(labelValues, labels);
            var logits = model.Forward(images);
            var value = loss.Forward(logits, labels);
            model.ZeroGradients();
            model.Backward(loss.Backward());
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                var parameter = model.Parameters[i];
                backend.SgdMomentumUpdate(parameter.Gradient, 0.01f, 0.9f, 5e-4f, velocities[i], parameter.Value);
            }
            return value.ToArray()[0];
        }

        float first = Step();  // allocates every layer's tensors
        backend.Transfers.Reset();
        float second = Step();

        Assert.Equal(2, backend.Transfers.Uploads);
        Assert.Equal(images.Length + labels.Length, backend.Transfers.UploadedValues);
        Assert.Equal(1, backend.Transfers.Downloads);
        Assert.Equal(1, backend.Transfers.DownloadedValues);
        Assert.True(float.IsFinite(first) && float.IsFinite(second), $"losses {first}, {second}");
        velocities.ForEach(v => v.Dispose());
    }
}
