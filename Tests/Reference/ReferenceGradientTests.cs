using AlexNet.Backends;
using AlexNet.Backends.Reference;
using AlexNet.Tests.Backends;
using FsCheck;
using FsCheck.Fluent;

namespace AlexNet.Tests.Reference;

/// <summary>
/// Proves each reference backward against central differences of the reference forward, for
/// random small geometries, with the loss L = ⟨forward(inputs), dy⟩ (so ∂L/∂inputs is the backward
/// of dy). Only once these pass does comparing a backend with the reference mean anything.
/// </summary>
public sealed class ReferenceGradientTests
{
    private static Gen<int> Seed => Gen.Choose(0, int.MaxValue);

    /// <summary>Small convolutions (central differences cost two forwards per checked coordinate).</summary>
    private static Gen<ConvolutionShape> SmallConvolution =>
        from groups in Gen.Choose(1, 2)
        from channelsPerGroup in Gen.Choose(1, 3)
        from filtersPerGroup in Gen.Choose(1, 3)
        from kernelHeight in Gen.Choose(1, 5)
        from kernelWidth in Gen.Choose(1, 5)
        from stride in Gen.Choose(1, 3)
        from padding in Gen.Choose(0, 2)
        from extraHeight in Gen.Choose(0, 3)
        from extraWidth in Gen.Choose(0, 3)
        from n in Gen.Choose(1, 2)
        select new ConvolutionShape(n, groups * channelsPerGroup,
            Math.Max(1, kernelHeight - (2 * padding)) + extraHeight, Math.Max(1, kernelWidth - (2 * padding)) + extraWidth,
            groups * filtersPerGroup, kernelHeight, kernelWidth, stride, padding, groups);

    [Fact]
    public void Convolution_backward_data_filter_and_bias_are_the_gradients_of_the_forward() =>
        Properties.Check(Gen.Zip(SmallConvolution, Seed), input =>
        {
            var (s, seed) = input;
            var random = new Random(seed);
            double[] x = GradientCheck.Uniform(random, s.XLength), weight = GradientCheck.Uniform(random, s.WeightLength);
            double[] bias = GradientCheck.Uniform(random, s.O), dy = GradientCheck.Uniform(random, s.YLength);
            double Loss() => GradientCheck.Dot(ReferenceBackend.Conv2dForward(x, weight, bias, s), dy);

            GradientCheck.Verify($"Conv2dBackwardData {s}", x, Loss, ReferenceBackend.Conv2dBackwardData(dy, weight, s), random);
            GradientCheck.Verify($"Conv2dBackwardFilter {s}", weight, Loss, ReferenceBackend.Conv2dBackwardFilter(x, dy, s), random);
            GradientCheck.Verify($"Conv2dBackwardBias {s}", bias, Loss, ReferenceBackend.Conv2dBackwardBias(dy, s.N, s.O, s.OH * s.OW), random);
        }, maxTest: 25);

    [Fact]
    public void Col2Im_is_the_adjoint_and_so_the_gradient_of_Im2Col() =>
        Properties.Check(Gen.Zip(SmallConvolution, Seed), input =>
        {
            var (s, seed) = input;
            var random = new Random(seed);
            double[] x = GradientCheck.Uniform(random, s.XLength), columns = GradientCheck.Uniform(random, s.ColumnsLength);
            double Loss() => GradientCheck.Dot(ReferenceBackend.Im2Col(x, s), columns);

            GradientCheck.Verify($"Col2Im {s}", x, Loss, ReferenceBackend.Col2Im(columns, s), random);
        }, maxTest: 25);

    [Fact]
    public void MaxPool_backward_is_the_gradient_of_the_forward_away_from_ties() =>
        Properties.Check(Cases.Pooling, c =>
        {
            var s = c.Shape;
            var random = new Random(c.Seed);
            double[] x = GradientCheck.Distinct(random, s.XLength), dy = GradientCheck.Uniform(random, s.YLength);
            double Loss() => GradientCheck.Dot(ReferenceBackend.MaxPool2dForward(x, s), dy);

            GradientCheck.Verify($"MaxPool2dBackward {s}", x, Loss, ReferenceBackend.MaxPool2dBackward(x, dy, s), random);
        }, maxTest: 25);

    [Fact]
    public void Lrn_backward_is_the_gradient_of_the_forward() =>
        Properties.Check(Cases.Lrn, c =>
        {
            var s = c.Shape;
            var random = new Random(c.Seed);
            double[] x = GradientCheck.Uniform(random, s.Length, -3, 3), dy = GradientCheck.Uniform(random, s.Length);
            double Loss() => GradientCheck.Dot(ReferenceBackend.LrnForward(x, s), dy);

            GradientCheck.Verify($"LrnBackward {s}", x, Loss, ReferenceBackend.LrnBackward(x, dy, s), random);
        }, maxTest: 25);

    [Fact]
    public void Relu_backward_is_the_gradient_of_the_forward_away_from_zero() =>
        Properties.Check(Cases.Elementwise.Where(c => c.Length <= 300), c =>
        {
            var random = new Random(c.Seed);
            double[] x = GradientCheck.AwayFromZero(random, c.Length), dy = GradientCheck.Uniform(random, c.Length);
            double Loss() => GradientCheck.Dot(ReferenceBackend.ReluForward(x), dy);

            GradientCheck.Verify("ReluBackward", x, Loss, ReferenceBackend.ReluBackward(ReferenceBackend.ReluForward(x), dy), random);
        }, maxTest: 25);

    [Fact]
    public void Dropout_backward_is_the_gradient_of_the_forward() =>
        Properties.Check(Cases.Dropout.Where(c => c.Length <= 300), c =>
        {
            var random = new Random(c.ValueSeed);
            double[] x = GradientCheck.Uniform(random, c.Length), dy = GradientCheck.Uniform(random, c.Length);
            double Loss() => GradientCheck.Dot(ReferenceBackend.Dropout(x, c.P, c.Seed, c.Offset), dy);

            GradientCheck.Verify($"DropoutBackward p = {c.P}", x, Loss, ReferenceBackend.Dropout(dy, c.P, c.Seed, c.Offset), random);
        }, maxTest: 25);

    [Fact]
    public void Dense_backward_is_the_gradient_of_the_forward() =>
        Properties.Check(Cases.Dense, c =>
        {
            var random = new Random(c.Seed);
            double[] x = GradientCheck.Uniform(random, c.N * c.Inputs), weight = GradientCheck.Uniform(random, c.Outputs * c.Inputs);
            double[] bias = GradientCheck.Uniform(random, c.Outputs), dy = GradientCheck.Uniform(random, c.N * c.Outputs);
            double Loss() => GradientCheck.Dot(ReferenceBackend.DenseForward(x, weight, bias, c.N, c.Inputs, c.Outputs), dy);
            var (dx, dWeight, dBias) = ReferenceBackend.DenseBackward(x, weight, dy, c.N, c.Inputs, c.Outputs);

            GradientCheck.Verify($"DenseBackward dx {c}", x, Loss, dx, random);
            GradientCheck.Verify($"DenseBackward dWeight {c}", weight, Loss, dWeight, random);
            GradientCheck.Verify($"DenseBackward dBias {c}", bias, Loss, dBias, random);
        }, maxTest: 25);

    [Fact]
    public void Softmax_cross_entropy_backward_is_the_gradient_of_the_loss() =>
        Properties.Check(Cases.Softmax, c =>
        {
            var random = new Random(c.Seed);
            double[] logits = GradientCheck.Uniform(random, c.N * c.Classes, -5, 5);
            int[] labels = Enumerable.Range(0, c.N).Select(_ => random.Next(c.Classes)).ToArray();
            double Loss() => ReferenceBackend.CrossEntropy(logits, labels, c.N, c.Classes);
            double[] probabilities = ReferenceBackend.Softmax(logits, c.N, c.Classes);

            GradientCheck.Verify($"SoftmaxCrossEntropyBackward {c}", logits, Loss,
                ReferenceBackend.SoftmaxCrossEntropyBackward(probabilities, labels, c.N, c.Classes), random);
        }, maxTest: 25);

    [Fact]
    public void Soft_target_cross_entropy_backward_is_the_gradient_of_the_loss() =>
        Properties.Check(Cases.Softmax, c =>
        {
            var random = new Random(c.Seed);
            double[] logits = GradientCheck.Uniform(random, c.N * c.Classes, -5, 5);
            double[] targets = Backends.SoftmaxProperties.Distributions(random, c.N, c.Classes).ToDouble();
            double Loss() => ReferenceBackend.SoftTargetCrossEntropy(logits, targets, c.N, c.Classes);
            double[] probabilities = ReferenceBackend.Softmax(logits, c.N, c.Classes);

            GradientCheck.Verify($"SoftTargetCrossEntropyBackward {c}", logits, Loss,
                ReferenceBackend.SoftTargetCrossEntropyBackward(probabilities, targets, c.N, c.Classes), random);
        }, maxTest: 25);

    [Fact]
    public void BatchNorm_backward_is_the_gradient_of_the_training_forward() =>
        Properties.Check(Cases.BatchNorm, c =>
        {
            var random = new Random(c.Seed);
            // Well-spread channels: near-constant ones make the check ill-conditioned, not wrong.
            double[] x = Backends.TestData.WellSpreadChannels(random, c.N, c.C, c.Pixels).ToDouble();
            double[] gamma = GradientCheck.Uniform(random, c.C, 0.5, 2), beta = GradientCheck.Uniform(random, c.C);
            double[] dy = GradientCheck.Uniform(random, c.Length);
            double[] zeros = new double[c.C], ones = Enumerable.Repeat(1.0, c.C).ToArray();
            double Loss() => GradientCheck.Dot(ReferenceBackend.BatchNormForwardTraining(x, gamma, beta, 0.1, c.Epsilon, zeros, ones, c.N, c.C, c.Pixels).Y, dy);
            var (dx, dGamma, dBeta) = ReferenceBackend.BatchNormBackward(x, dy, gamma, c.Epsilon, c.N, c.C, c.Pixels);

            GradientCheck.Verify($"BatchNormBackward dx {c}", x, Loss, dx, random);
            GradientCheck.Verify($"BatchNormBackward dGamma {c}", gamma, Loss, dGamma, random);
            GradientCheck.Verify($"BatchNormBackward dBeta {c}", beta, Loss, dBeta, random);
        }, maxTest: 25);
}
