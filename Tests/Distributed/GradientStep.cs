using AlexNet.Backends;
using AlexNet.Training.Distributed;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;

namespace AlexNet.Tests.Distributed;

/// <summary>The step the data-parallel tests compare: forward, loss, backward and, data-parallel, the average of the ranks' gradients; no update.</summary>
internal static class GradientStep
{
    /// <summary>Runs one step of <paramref name="model"/> on 64×64 <paramref name="images"/>; the gradients are left in its parameters.</summary>
    public static void Run(Sequential model, float[] images, float[] labels, DataParallel? parallel)
    {
        var backend = model.Backend;
        using var x = backend.Tensor(new Shape(labels.Length, 3, 64, 64), images, "images");
        using var y = backend.Tensor(new Shape(labels.Length), labels, "labels");
        using var loss = new SoftmaxCrossEntropy(backend);
        model.ZeroGradients();
        loss.Forward(model.Forward(x), y);
        model.Backward(loss.Backward(), parallel is null ? null : parallel.LayerDone);
        parallel?.AverageGradients();
        backend.Synchronize(); // a device backend's gradients are read right after
    }
}
