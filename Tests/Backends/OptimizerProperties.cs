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
        // L2 decay as Keras' tutorials set it, and none at all (the keras-blog recipe's).
        float weightDecay = random.Next(2) == 0 ? 0f : 5e-4f * (1 + random.Next(100));
        var shape = new Shape(c.Length);
        using var gradient = b.Tensor(shape, g, "gradient");
        using var first = b.Tensor(shape, m, "m");
        using var second = b.Tensor(shape, v, "v");
        using var parameter = b.Tensor(shape, w, "parameter");
        const float learningRate = 0.001f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;

        b.AdamUpdate(gradient, learningRate, beta1, beta2, epsilon, weightDecay, step, first, second, parameter);

        var (expectedM, expectedV, expectedW) = ReferenceBackend.Adam(g.ToDouble(), learningRate, beta1, beta2, epsilon, step, m.ToDouble(), v.ToDouble(), w.ToDouble(), weightDecay);
        string at = $"step {step}, λ {weightDecay}";
        Compare.Close($"{b.Name} AdamUpdate m ({at})", shape, first.ToArray(), expectedM, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} AdamUpdate v ({at})", shape, second.ToArray(), expectedV, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} AdamUpdate parameter ({at})", shape, parameter.ToArray(), expectedW, Tolerances.Elementwise, Tolerances.Relative);
        Assert.Equal(g, gradient.ToArray());   // the L2 term is added on the way, not into the gradient tensor
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

    [Fact]
    public void The_CPU_Adam_with_L2_in_one_pass_equals_the_two_passes_it_replaced_bit_for_bit()
    {
        // Before: Axpy(λ, w, g) then AdamUpdate with λ = 0. Runs of adam with --weight-decay resume identically.
        using var backend = new AlexNet.Backends.Cpu.CpuBackend();
        var random = new Random(17);
        foreach (int length in new[] { 1, 7, 8, 15, 16, 17, 33, 100, 1000, 70_001 })
        {
            float[] g = TestData.Uniform(random, length), m = TestData.Uniform(random, length, -0.1f, 0.1f);
            float[] v = TestData.Uniform(random, length, 0f, 0.01f), w = TestData.Uniform(random, length);
            var shape = new Shape(length);
            using var g1 = backend.Tensor(shape, g, "g1");
            using var m1 = backend.Tensor(shape, m, "m1");
            using var v1 = backend.Tensor(shape, v, "v1");
            using var w1 = backend.Tensor(shape, w, "w1");
            using var g2 = backend.Tensor(shape, g, "g2");
            using var m2 = backend.Tensor(shape, m, "m2");
            using var v2 = backend.Tensor(shape, v, "v2");
            using var w2 = backend.Tensor(shape, w, "w2");

            backend.Axpy(5e-4f, w1, g1);
            backend.AdamUpdate(g1, 0.001f, 0.9f, 0.999f, 1e-7f, 0f, 3, m1, v1, w1);
            backend.AdamUpdate(g2, 0.001f, 0.9f, 0.999f, 1e-7f, 5e-4f, 3, m2, v2, w2);

            Assert.Equal(m1.ToArray(), m2.ToArray());
            Assert.Equal(v1.ToArray(), v2.ToArray());
            Assert.Equal(w1.ToArray(), w2.ToArray());
        }
    }
}
