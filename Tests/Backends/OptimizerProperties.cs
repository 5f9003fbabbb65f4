using AlexNet.Backends;
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
        AdamFamilyMatchesTheReference(b, c, nameof(IBackend.AdamUpdate), b.AdamUpdate, epsilon: 1e-7f,
            // L2 decay as Keras' tutorials set it, and none at all (the keras-blog recipe's).
            weightDecay: random => random.Next(2) == 0 ? 0f : 5e-4f * (1 + random.Next(100)),
            (g, learningRate, beta1, beta2, epsilon, weightDecay, step, m, v, w) => ReferenceBackend.Adam(g, learningRate, beta1, beta2, epsilon, step, m, v, w, weightDecay)),
        maxTest: 25));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void AdamWUpdate_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Elementwise, c =>
        AdamFamilyMatchesTheReference(b, c, nameof(IBackend.AdamWUpdate), b.AdamWUpdate, epsilon: 1e-8f,
            // A decay large enough that λ·w weighs as much as the adaptive step, and sometimes none at all.
            weightDecay: random => random.Next(4) == 0 ? 0f : (float)random.NextDouble(),
            ReferenceBackend.AdamW),
        maxTest: 25));

    /// <summary>An Adam-family op as <see cref="IBackend"/> declares it (AdamUpdate and AdamWUpdate share the signature).</summary>
    private delegate void AdamFamilyUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter);

    /// <summary>The same op's reference, in double, with AdamW's argument order.</summary>
    private delegate (double[] M, double[] V, double[] Parameter) AdamFamilyReference(
        double[] gradient, double learningRate, double beta1, double beta2, double epsilon, double weightDecay, int step, double[] m, double[] v, double[] parameter);

    /// <summary>
    /// One case of Adam or AdamW: seeded g, m, v, w, a step t in 1 … 1000 and a decay drawn by <paramref name="weightDecay"/>;
    /// the backend's m, v and w against the reference's, and the gradient tensor left as it was.
    /// </summary>
    private static void AdamFamilyMatchesTheReference(IBackend b, ElementwiseCase c, string op, AdamFamilyUpdate update, float epsilon,
        Func<Random, float> weightDecay, AdamFamilyReference reference)
    {
        var random = new Random(c.Seed);
        float[] g = TestData.Uniform(random, c.Length), m = TestData.Uniform(random, c.Length, -0.1f, 0.1f);
        float[] v = TestData.Uniform(random, c.Length, 0f, 0.01f), w = TestData.Uniform(random, c.Length);
        int step = 1 + random.Next(1000);
        float decay = weightDecay(random);
        var shape = new Shape(c.Length);
        using var gradient = b.Tensor(shape, g, "gradient");
        using var first = b.Tensor(shape, m, "m");
        using var second = b.Tensor(shape, v, "v");
        using var parameter = b.Tensor(shape, w, "parameter");
        const float learningRate = 0.001f, beta1 = 0.9f, beta2 = 0.999f;

        update(gradient, learningRate, beta1, beta2, epsilon, decay, step, first, second, parameter);

        var (expectedM, expectedV, expectedW) = reference(g.ToDouble(), learningRate, beta1, beta2, epsilon, decay, step, m.ToDouble(), v.ToDouble(), w.ToDouble());
        string at = $"step {step}, λ {decay}";
        Compare.Close($"{b.Name} {op} m ({at})", shape, first.ToArray(), expectedM, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} {op} v ({at})", shape, second.ToArray(), expectedV, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} {op} parameter ({at})", shape, parameter.ToArray(), expectedW, Tolerances.Elementwise, Tolerances.Relative);
        Assert.Equal(g, gradient.ToArray());   // neither writes into the gradient tensor: Adam's L2 term is added on the way
    }

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
