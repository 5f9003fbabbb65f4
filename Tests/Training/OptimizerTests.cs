using AlexNet.Backends.Cpu;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Training.Optimization;
using AlexNet.Training.Run;

namespace AlexNet.Tests.Training;

/// <summary>Which parameters the optimizers decay, and how AdamW's decoupled decay differs from Adam's L2.</summary>
public sealed class OptimizerTests
{
    private static Parameter Filled(CpuBackend backend, string name, ParameterKind kind, float value)
    {
        var parameter = new Parameter(backend, name, kind, new Shape(4), Initializer.Constant(value), 4, 4);
        parameter.Initialize(1);
        backend.Fill(0f, parameter.Gradient);
        return parameter;
    }

    [Fact]
    public void AdamW_shrinks_weights_by_lr_times_decay_and_leaves_biases_and_batch_norm_alone_by_default()
    {
        using var backend = new CpuBackend();
        using var weight = Filled(backend, "fc.weight", ParameterKind.Weight, 2f);
        using var bias = Filled(backend, "fc.bias", ParameterKind.Bias, 2f);
        using var gamma = Filled(backend, "bn.gamma", ParameterKind.Scale, 2f);
        var settings = OptimizerSettings.Create(OptimizerKind.AdamW, 0.01, 0.9, 0.5);
        using var optimizer = new Optimizer(settings, [weight, bias, gamma], backend);

        optimizer.Step(0.01);

        // A zero gradient leaves Adam's step at 0: only the decay moves w, by lr·λ·w = 0.01·0.5·2.
        Assert.All(weight.Value.ToArray(), w => Assert.Equal(2f - 0.01f, w, 1e-6f));
        Assert.All(bias.Value.ToArray(), b => Assert.Equal(2f, b));
        Assert.All(gamma.Value.ToArray(), g => Assert.Equal(2f, g));
        Assert.Equal((1e-8, false), (settings.Epsilon, settings.DecayBiases));
        Assert.Equal(["m", "v"], optimizer.SlotNames);
    }

    [Fact]
    public void With_decay_biases_AdamW_decays_biases_too_and_sgd_and_adam_do_by_default()
    {
        using var backend = new CpuBackend();
        using var bias = Filled(backend, "fc.bias", ParameterKind.Bias, 2f);
        using var optimizer = new Optimizer(OptimizerSettings.Create(OptimizerKind.AdamW, 0.01, 0.9, 0.5, decayBiases: true), [bias], backend);

        optimizer.Step(0.01);

        Assert.All(bias.Value.ToArray(), b => Assert.Equal(2f - 0.01f, b, 1e-6f));
        Assert.True(OptimizerSettings.Create(OptimizerKind.Sgd, 0.01, 0.9, 5e-4).DecayBiases);
        Assert.True(OptimizerSettings.Create(OptimizerKind.Adam, 0.001, 0.9, 0).DecayBiases);
    }

    [Fact]
    public void Under_AdamW_a_large_gradient_does_not_weaken_the_decay_as_L2_under_Adam_does()
    {
        // Adam's L2 adds λ·w to g, and the whole is divided by √v̂ ≈ |g + λ·w|: a weight with large
        // gradients is barely decayed. AdamW's λ·w is not divided, so it shrinks w by lr·λ·w whatever g is.
        using var backend = new CpuBackend();
        using var adamWeight = Filled(backend, "a.weight", ParameterKind.Weight, 1f);
        using var adamWWeight = Filled(backend, "b.weight", ParameterKind.Weight, 1f);
        using var withoutDecay = Filled(backend, "c.weight", ParameterKind.Weight, 1f);
        foreach (var p in new[] { adamWeight, adamWWeight, withoutDecay })
        {
            backend.Fill(100f, p.Gradient);
        }
        using var adam = new Optimizer(OptimizerSettings.Create(OptimizerKind.Adam, 0.01, 0.9, 0.5), [adamWeight], backend);
        using var adamW = new Optimizer(OptimizerSettings.Create(OptimizerKind.AdamW, 0.01, 0.9, 0.5), [adamWWeight], backend);
        using var plain = new Optimizer(OptimizerSettings.Create(OptimizerKind.AdamW, 0.01, 0.9, 0), [withoutDecay], backend);

        adam.Step(0.01);
        adamW.Step(0.01);
        plain.Step(0.01);

        float basis = withoutDecay.Value.ToArray()[0];
        Assert.Equal(basis - (0.01f * 0.5f * 1f), adamWWeight.Value.ToArray()[0], 1e-6f);
        Assert.True(Math.Abs(adamWeight.Value.ToArray()[0] - basis) < 1e-6f, $"Adam's L2 moved w by {adamWeight.Value.ToArray()[0] - basis}, AdamW's decay by {adamWWeight.Value.ToArray()[0] - basis}");
    }
}
