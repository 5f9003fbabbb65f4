using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>Softmax, softmax cross-entropy (loss and logit gradient) and top-k against the reference.</summary>
public sealed class SoftmaxProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Softmax_and_cross_entropy_match_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Softmax, c =>
    {
        var random = new Random(c.Seed);
        // Wide logits (±20) to exercise the max subtraction: exp(20) alone is fine, but 40 apart underflows p.
        float[] logits = TestData.Uniform(random, c.N * c.Classes, -20f, 20f);
        int[] labels = Enumerable.Range(0, c.N).Select(_ => random.Next(c.Classes)).ToArray();
        var shape = new Shape(c.N, c.Classes);
        using var x = b.Tensor(shape, logits, "logits");
        using var label = b.Tensor(new Shape(c.N), Array.ConvertAll(labels, l => (float)l), "labels");
        using var softmax = b.Allocate(shape, "softmax");
        using var probabilities = b.Allocate(shape, "probabilities");
        using var loss = b.Tensor(new Shape(1), [float.NaN], "loss");
        using var dLogits = b.Tensor(shape, Enumerable.Repeat(float.NaN, c.N * c.Classes).ToArray(), "dLogits");

        b.Softmax(x, softmax);
        b.SoftmaxCrossEntropyForward(x, label, probabilities, loss);
        b.SoftmaxCrossEntropyBackward(probabilities, label, dLogits);

        double[] expected = ReferenceBackend.Softmax(logits.ToDouble(), c.N, c.Classes);
        Compare.Close($"{b.Name} Softmax", shape, softmax.ToArray(), expected, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} SoftmaxCrossEntropyForward probabilities", shape, probabilities.ToArray(), expected, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} SoftmaxCrossEntropyForward loss", loss.Shape, loss.ToArray(), [ReferenceBackend.CrossEntropy(logits.ToDouble(), labels, c.N, c.Classes)],
            Tolerances.SumOf(c.Classes), Tolerances.Relative);
        Compare.Close($"{b.Name} SoftmaxCrossEntropyBackward dLogits", shape, dLogits.ToArray(),
            ReferenceBackend.SoftmaxCrossEntropyBackward(expected, labels, c.N, c.Classes), Tolerances.Elementwise, Tolerances.Relative);
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void TopK_equals_the_reference_exactly(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Softmax, c =>
    {
        var random = new Random(c.Seed);
        // Scores from a few levels, so ties (ordered by index) are common.
        float[] scores = Enumerable.Range(0, c.N * c.Classes).Select(_ => (float)random.Next(0, 5)).ToArray();
        int k = 1 + random.Next(c.Classes);
        using var x = b.Tensor(new Shape(c.N, c.Classes), scores, "scores");
        using var indices = b.Allocate(new Shape(c.N, k), "indices");

        b.TopK(x, k, indices);

        float[] expected = Array.ConvertAll(ReferenceBackend.TopK(scores.ToDouble(), c.N, c.Classes, k), i => (float)i);
        Compare.Exact($"{b.Name} TopK (k = {k})", indices.Shape, indices.ToArray(), expected);
    }));
}
