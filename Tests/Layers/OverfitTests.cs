using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using Xunit.Sdk;

namespace AlexNet.Tests.Layers;

/// <summary>
/// The classic sanity check of a network and its training step: a model with enough capacity must
/// drive the loss on one small fixed batch to nearly zero. If forward, backward or the update were
/// wrong anywhere, it would not.
/// </summary>
public class OverfitTests(ITestOutputHelper output)
{
    private const int Images = 8;
    private const int MaxSteps = 300;
    private const float LearningRate = 0.01f;
    private const float Momentum = 0.9f;

    [Fact]
    public void Mini_overfits_a_fixed_batch_of_eight_synthetic_images_to_near_zero_loss()
    {
        IBackend backend = LayerTestData.Cpu;
        using var model = Mini.Variant.Build(backend, classes: 10, seed: 1);
        using var loss = new SoftmaxCrossEntropy(backend);
        using var images = LayerTestData.Uniform(backend, new Shape(Images, 3, 64, 64), seed: 2, name: "images");
        using var labels = LayerTestData.Upload(backend, new Shape(Images), [3f, 1f, 4f, 1f, 5f, 9f, 2f, 6f], "labels");
        var velocities = model.Parameters.Select(p => backend.Allocate(p.Shape, "v_" + p.Name)).ToList();
        try
        {
            float first = float.NaN, trainingLoss = float.NaN;
            int steps = 0;
            while (steps < MaxSteps)
            {
                model.ZeroGradients();
                trainingLoss = loss.Forward(model.Forward(images), labels).ToArray()[0];
                if (steps == 0)
                {
                    first = trainingLoss;
                }
                model.Backward(loss.Backward());
                for (int i = 0; i < velocities.Count; i++)
                {
                    var parameter = model.Parameters[i];
                    backend.SgdMomentumUpdate(parameter.Gradient, LearningRate, Momentum, weightDecay: 0f, velocities[i], parameter.Value);
                }
                steps++;
                if (trainingLoss < 1e-3f)
                {
                    break;
                }
            }
            model.IsTraining = false;
            float inferenceLoss = loss.Forward(model.Forward(images), labels).ToArray()[0];
            output.WriteLine($"loss {first:G4} -> {trainingLoss:G4} (training mode) after {steps} steps; inference mode {inferenceLoss:G4}");

            Assert.True(first > 1f, $"the starting loss {first} should be far from zero");
            // Seeds 1–8 all reach 1e-3 in training mode (dropout on) within 95–141 steps.
            Assert.True(trainingLoss < 1e-3f, $"after {steps} steps the training-mode loss is {trainingLoss}, not near zero");
            Assert.True(inferenceLoss < 1e-2f, $"after {steps} steps the inference-mode loss is {inferenceLoss}, not near zero");
        }
        finally
        {
            velocities.ForEach(v => v.Dispose());
        }
    }
}
