using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>SGD with momentum, Adam and AdamW against the reference, over lengths that exercise every SIMD tail.</summary>
public sealed class OptimizerProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void SgdMomentumUpdate_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Elementwise, c =>
    {
        var random = new Random(c.Seed);
        float[] g = TestData.Uniform(random, c.Length), v = TestData.Uniform(random, c.Length, -0.1f, 0.1f), w = TestData.Uniform(random, c.Length);
        var shape = new Shape(c.Length);
        using var gradient = b.Tensor(shape, g, "gradient");
        using var velocity = b.Tensor(shape, v, "velocity");
        using var parameter = b.Tensor(shape, w, "parameter");
        const float learningRate = 0.01f, momentum = 0.9f, weightDecay = 5e-4f;

        b.SgdMomentumUpdate(gradient, learningRate, momentum, weightDecay, velocity, parameter);

        var (expectedV, expectedW) = ReferenceBackend.SgdMomentum(g.ToDouble(), learningRate, momentum, weightDecay, v.ToDouble(), w.ToDouble());
        Compare.Close($"{b.Name} SgdMomentumUpdate velocity", shape, velocity.ToArray(), expectedV, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} SgdMomentumUpdate parameter", shape, parameter.ToArray(), expectedW, Tolerances.Elementwise, Tolerances.Relative);
    }, maxTest: 25));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void AdamUpdate_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Elementwise, c =>
    {
        var random = new Random(c.Seed);
        float[] g = TestData.Uniform(random, c.Length), m = TestData.Uniform(random, c.Length, -0.1f, 0.1f);
        float[] v = TestData.Uniform(random, c.Length, 0f, 0.01f), w = TestData.Uniform(random, c.Length);
        int step = 1 + random.Next(1000);
        var shape = new Shape(c.Length);
        using var gradient = b.Tensor(shape, g, "gradient");
        using var first = b.Tensor(shape, m, "m");
        using var second = b.Tensor(shape, v, "v");
        using var parameter = b.Tensor(shape, w, "parameter");
        const float learningRate = 0.001f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;

        b.AdamUpdate(gradient, learningRate, beta1, beta2, epsilon, step, first, second, parameter);

        var (expectedM, expectedV, expectedW) = ReferenceBackend.Adam(g.ToDouble(), learningRate, beta1, beta2, epsilon, step, m.ToDouble(), v.ToDouble(), w.ToDouble());
        Compare.Close($"{b.Name} AdamUpdate m (step {step})", shape, first.ToArray(), expectedM, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} AdamUpdate v (step {step})", shape, second.ToArray(), expectedV, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} AdamUpdate parameter (step {step})", shape, parameter.ToArray(), expectedW, Tolerances.Elementwise, Tolerances.Relative);
    }, maxTest: 25));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void AdamWUpdate_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Elementwise, c =>
    {
        var random = new Random(c.Seed);
        float[] g = TestData.Uniform(random, c.Length), m = TestData.Uniform(random, c.Length, -0.1f, 0.1f);
        float[] v = TestData.Uniform(random, c.Length, 0f, 0.01f), w = TestData.Uniform(random, c.Length);
        int step = 1 + random.Next(1000);
        // A decay large enough that λ·w weighs as much as the adaptive step, and sometimes none at all.
        float weightDecay = random.Next(4) == 0 ? 0f : (float)random.NextDouble();
        var shape = new Shape(c.Length);
        using var gradient = b.Tensor(shape, g, "gradient");
        using var first = b.Tensor(shape, m, "m");
        using var second = b.Tensor(shape, v, "v");
        using var parameter = b.Tensor(shape, w, "parameter");
        const float learningRate = 0.001f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;

        b.AdamWUpdate(gradient, learningRate, beta1, beta2, epsilon, weightDecay, step, first, second, parameter);

        var (expectedM, expectedV, expectedW) = ReferenceBackend.AdamW(g.ToDouble(), learningRate, beta1, beta2, epsilon, weightDecay, step, m.ToDouble(), v.ToDouble(), w.ToDouble());
        string at = $"step {step}, λ {weightDecay}";
        Compare.Close($"{b.Name} AdamWUpdate m ({at})", shape, first.ToArray(), expectedM, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} AdamWUpdate v ({at})", shape, second.ToArray(), expectedV, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} AdamWUpdate parameter ({at})", shape, parameter.ToArray(), expectedW, Tolerances.Elementwise, Tolerances.Relative);
    }, maxTest: 25));
}
