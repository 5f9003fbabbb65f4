using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>Batch normalization (training, inference, backward; per channel of [N, C, H, W] and per feature of [N, C]) against the reference.</summary>
public sealed class BatchNormProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void BatchNorm_training_inference_and_backward_match_the_reference(string backend) =>
        TestBackends.Run(backend, b => Properties.Check(Cases.BatchNorm, c => Verify(b, c)));

    /// <summary>
    /// [N, C] with more features than the CPU backend's chunk of 256 (CpuBackend.BatchNormFeatures.cs): the
    /// chunks' edges, a last partial chunk, and batches like the dense layers' (keras-blog's 4096 and 1000).
    /// </summary>
    [Theory]
    [InlineData(64, 600)]
    [InlineData(2, 1000)]
    [InlineData(5, 257)]
    public void BatchNorm_of_many_features_matches_the_reference_on_the_cpu(int n, int features)
    {
        using var backend = new AlexNet.Backends.Cpu.CpuBackend(new AlexNet.Backends.Cpu.CpuBackendOptions { Threads = 2 });
        Verify(backend, new BatchNormCase(2, n, features, 1, 1, 0.1f, 1e-3f, Seed: n + features));
    }

    private static void Verify(AlexNet.Backends.IBackend b, BatchNormCase c)
    {
        var random = new Random(c.Seed);
        float[] values = TestData.WellSpreadChannels(random, c.N, c.C, c.Pixels);
        float[] gammaValues = TestData.Uniform(random, c.C, 0.5f, 2f), betaValues = TestData.Uniform(random, c.C);
        float[] meanValues = TestData.Uniform(random, c.C), varianceValues = TestData.Uniform(random, c.C, 0.5f, 2f);
        float[] gradients = TestData.Uniform(random, c.Length);
        float[] initialDGamma = TestData.Uniform(random, c.C), initialDBeta = TestData.Uniform(random, c.C);
        var shape = c.Rank == 4 ? new Shape(c.N, c.C, c.H, c.W) : new Shape(c.N, c.C);
        var perChannel = new Shape(c.C);
        using var x = b.Tensor(shape, values, "x");
        using var gamma = b.Tensor(perChannel, gammaValues, "gamma");
        using var beta = b.Tensor(perChannel, betaValues, "beta");
        using var runningMean = b.Tensor(perChannel, meanValues, "runningMean");
        using var runningVariance = b.Tensor(perChannel, varianceValues, "runningVariance");
        using var y = b.Allocate(shape, "y");
        using var inference = b.Allocate(shape, "inference");
        using var savedMean = b.Allocate(perChannel, "savedMean");
        using var savedInverseStd = b.Allocate(perChannel, "savedInverseStd");
        using var dy = b.Tensor(shape, gradients, "dy");
        using var dx = b.Tensor(shape, Enumerable.Repeat(float.NaN, c.Length).ToArray(), "dx");
        using var dGamma = b.Tensor(perChannel, initialDGamma, "dGamma");
        using var dBeta = b.Tensor(perChannel, initialDBeta, "dBeta");

        b.BatchNormForwardInference(x, gamma, beta, runningMean, runningVariance, c.Epsilon, inference);
        b.BatchNormForwardTraining(x, gamma, beta, c.Momentum, c.Epsilon, runningMean, runningVariance, y, savedMean, savedInverseStd);
        b.BatchNormBackward(x, dy, gamma, savedMean, savedInverseStd, dx, dGamma, dBeta);

        double[] xs = values.ToDouble(), gs = gammaValues.ToDouble(), bs = betaValues.ToDouble();
        var expectedInference = ReferenceBackend.BatchNormForwardInference(xs, gs, bs, meanValues.ToDouble(), varianceValues.ToDouble(), c.Epsilon, c.N, c.C, c.Pixels);
        var training = ReferenceBackend.BatchNormForwardTraining(xs, gs, bs, c.Momentum, c.Epsilon, meanValues.ToDouble(), varianceValues.ToDouble(), c.N, c.C, c.Pixels);
        var (refDx, refDGamma, refDBeta) = ReferenceBackend.BatchNormBackward(xs, gradients.ToDouble(), gs, c.Epsilon, c.N, c.C, c.Pixels);
        int m = c.N * c.Pixels;
        string name = $"{b.Name} BatchNorm {shape}";
        Compare.Close($"{name} inference y", shape, inference.ToArray(), expectedInference, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{name} training y", shape, y.ToArray(), training.Y, Tolerances.SumOf(m), Tolerances.Relative);
        Compare.Close($"{name} savedMean", perChannel, savedMean.ToArray(), training.Mean, Tolerances.SumOf(m), Tolerances.Relative);
        Compare.Close($"{name} savedInverseStd", perChannel, savedInverseStd.ToArray(), training.InverseStd, Tolerances.SumOf(m), Tolerances.Relative);
        Compare.Close($"{name} runningMean", perChannel, runningMean.ToArray(), training.RunningMean, Tolerances.SumOf(m), Tolerances.Relative);
        Compare.Close($"{name} runningVariance", perChannel, runningVariance.ToArray(), training.RunningVariance, Tolerances.SumOf(m), Tolerances.Relative);
        Compare.Close($"{name} backward dx", shape, dx.ToArray(), refDx, Tolerances.SumOf(m), Tolerances.Relative);
        Compare.Close($"{name} backward dGamma", perChannel, dGamma.ToArray(), ReferenceBackend.Axpy(1, refDGamma, initialDGamma.ToDouble()), Tolerances.SumOf(m), Tolerances.Relative);
        Compare.Close($"{name} backward dBeta", perChannel, dBeta.ToArray(), ReferenceBackend.Axpy(1, refDBeta, initialDBeta.ToDouble()), Tolerances.SumOf(m), Tolerances.Relative);
    }
}
