using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>Softmax, softmax cross-entropy on integer labels and on soft targets (loss and logit gradient) and top-k against the reference.</summary>
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
    public void Soft_target_cross_entropy_matches_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Softmax, c =>
    {
        var random = new Random(c.Seed);
        float[] logits = TestData.Uniform(random, c.N * c.Classes, -20f, 20f);
        float[] targets = Distributions(random, c.N, c.Classes);
        var shape = new Shape(c.N, c.Classes);
        using var x = b.Tensor(shape, logits, "logits");
        using var q = b.Tensor(shape, targets, "targets");
        using var probabilities = b.Allocate(shape, "probabilities");
        using var loss = b.Tensor(new Shape(1), [float.NaN], "loss");
        using var dLogits = b.Tensor(shape, Enumerable.Repeat(float.NaN, c.N * c.Classes).ToArray(), "dLogits");

        b.SoftTargetCrossEntropyForward(x, q, probabilities, loss);
        b.SoftTargetCrossEntropyBackward(probabilities, q, dLogits);

        double[] expected = ReferenceBackend.Softmax(logits.ToDouble(), c.N, c.Classes);
        Compare.Close($"{b.Name} SoftTargetCrossEntropyForward probabilities", shape, probabilities.ToArray(), expected, Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} SoftTargetCrossEntropyForward loss", loss.Shape, loss.ToArray(),
            [ReferenceBackend.SoftTargetCrossEntropy(logits.ToDouble(), targets.ToDouble(), c.N, c.Classes)], Tolerances.SumOf(c.Classes), Tolerances.Relative);
        Compare.Close($"{b.Name} SoftTargetCrossEntropyBackward dLogits", shape, dLogits.ToArray(),
            ReferenceBackend.SoftTargetCrossEntropyBackward(expected, targets.ToDouble(), c.N, c.Classes), Tolerances.Elementwise, Tolerances.Relative);
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void One_hot_targets_give_exactly_what_integer_labels_give(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Softmax, c =>
    {
        var random = new Random(c.Seed);
        float[] logits = TestData.Uniform(random, c.N * c.Classes, -20f, 20f);
        int[] labels = Enumerable.Range(0, c.N).Select(_ => random.Next(c.Classes)).ToArray();
        float[] oneHot = new float[c.N * c.Classes];
        for (int n = 0; n < c.N; n++)
        {
            oneHot[(n * c.Classes) + labels[n]] = 1f;
        }
        var shape = new Shape(c.N, c.Classes);
        using var x = b.Tensor(shape, logits, "logits");
        using var label = b.Tensor(new Shape(c.N), Array.ConvertAll(labels, l => (float)l), "labels");
        using var q = b.Tensor(shape, oneHot, "targets");
        using var hardP = b.Allocate(shape, "hard probabilities");
        using var softP = b.Allocate(shape, "soft probabilities");
        using var hardLoss = b.Allocate(new Shape(1), "hard loss");
        using var softLoss = b.Allocate(new Shape(1), "soft loss");
        using var hardD = b.Allocate(shape, "hard dLogits");
        using var softD = b.Allocate(shape, "soft dLogits");

        b.SoftmaxCrossEntropyForward(x, label, hardP, hardLoss);
        b.SoftmaxCrossEntropyBackward(hardP, label, hardD);
        b.SoftTargetCrossEntropyForward(x, q, softP, softLoss);
        b.SoftTargetCrossEntropyBackward(softP, q, softD);

        Compare.Exact($"{b.Name} one-hot soft-target loss", hardLoss.Shape, softLoss.ToArray(), hardLoss.ToArray());
        Compare.Exact($"{b.Name} one-hot soft-target probabilities", shape, softP.ToArray(), hardP.ToArray());
        Compare.Exact($"{b.Name} one-hot soft-target dLogits", shape, softD.ToArray(), hardD.ToArray());
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Targets_that_are_not_distributions_are_refused_or_give_NaN(string backend) => TestBackends.Run(backend, b =>
    {
        // Row 1 is bad: a negative entry, or a row summing to 0.9. Host-reading backends throw; CUDA's kernels mark the row NaN.
        float[][] badRows = [[0.5f, 0.6f, -0.1f], [0.3f, 0.3f, 0.3f]];
        string[] messages =
        [
            "targets[1, 2] of targets [2, 3] is -0.1, expected a probability ≥ 0.",
            "row 1 of targets targets [2, 3] sums to 0.9, expected 1 (within 0.0001): each row is a distribution over the 3 classes.",
        ];
        for (int i = 0; i < badRows.Length; i++)
        {
            var shape = new Shape(2, 3);
            using var x = b.Tensor(shape, [1, 2, 3, 3, 2, 1], "logits");
            using var q = b.Tensor(shape, [0, 0, 1, .. badRows[i]], "targets");
            using var probabilities = b.Allocate(shape, "probabilities");
            using var loss = b.Allocate(new Shape(1), "loss");
            using var dLogits = b.Allocate(shape, "dLogits");
            if (b.Name.StartsWith("cuda", StringComparison.Ordinal))
            {
                b.SoftTargetCrossEntropyForward(x, q, probabilities, loss);
                b.SoftTargetCrossEntropyBackward(probabilities, q, dLogits);
                Assert.True(float.IsNaN(loss.ToArray()[0]), $"{b.Name}: the loss of bad targets {string.Join(", ", badRows[i])} is {loss.ToArray()[0]}, expected NaN");
                float[] d = dLogits.ToArray();
                Assert.All(d[..3], v => Assert.True(float.IsFinite(v), $"{b.Name}: the good row's gradient holds {v}"));
                Assert.All(d[3..], v => Assert.True(float.IsNaN(v), $"{b.Name}: the bad row's gradient holds {v}, expected NaN"));
            }
            else
            {
                var forward = Assert.Throws<ArgumentException>(() => b.SoftTargetCrossEntropyForward(x, q, probabilities, loss));
                Assert.StartsWith($"SoftTargetCrossEntropyForward: {messages[i]}", forward.Message, StringComparison.Ordinal);
                Assert.Equal("targets", forward.ParamName);
                var backward = Assert.Throws<ArgumentException>(() => b.SoftTargetCrossEntropyBackward(probabilities, q, dLogits));
                Assert.StartsWith($"SoftTargetCrossEntropyBackward: {messages[i]}", backward.Message, StringComparison.Ordinal);
            }
        }
    });

    /// <summary>Random target distributions: positive weights, about a third of them 0, each row normalized (in double).</summary>
    internal static float[] Distributions(Random random, int n, int classes)
    {
        var q = new float[n * classes];
        for (int row = 0; row < n; row++)
        {
            double[] weights = Enumerable.Range(0, classes).Select(_ => random.Next(3) == 0 ? 0 : random.NextDouble()).ToArray();
            weights[random.Next(classes)] += 0.1; // never an all-zero row
            double sum = weights.Sum();
            for (int k = 0; k < classes; k++)
            {
                q[(row * classes) + k] = (float)(weights[k] / sum);
            }
        }
        return q;
    }

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
