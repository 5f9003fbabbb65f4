using AlexNet.Backends;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>
/// Ops that only move or select values must match exactly, not within a tolerance: im2col and
/// col2im (whose sums run in the same order on float-representable data), max-pool forward and its
/// gradient routing, ReLU, and dropout's masks.
/// </summary>
public sealed class DataMovementTests
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Im2Col_equals_the_reference_exactly(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Convolution, c =>
    {
        var s = c.Shape;
        float[] values = TestData.Uniform(new Random(c.Seed), s.XLength);
        using var x = b.Tensor(Shapes.X(s), values, "x");
        var columnsShape = new Shape(s.N, s.C * s.KH * s.KW, s.OH * s.OW);
        using var columns = b.Allocate(columnsShape, "columns");

        b.Im2Col(x, s.KH, s.KW, Shapes.Convolution(s), columns);

        float[] expected = Array.ConvertAll(ReferenceBackend.Im2Col(values.ToDouble(), s), v => (float)v);
        Compare.Exact($"{b.Name} Im2Col columns", columnsShape, columns.ToArray(), expected);
    }));

    /// <summary>
    /// col2im is im2col's adjoint: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for every x and c, which is what
    /// makes it the gradient of im2col. Checked on integer-valued data, where float sums are exact.
    /// </summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Col2Im_is_the_adjoint_of_Im2Col_and_equals_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Convolution, c =>
    {
        var s = c.Shape;
        var random = new Random(c.Seed);
        float[] xValues = Integers(random, s.XLength);
        float[] columnValues = Integers(random, s.ColumnsLength);
        var columnsShape = new Shape(s.N, s.C * s.KH * s.KW, s.OH * s.OW);
        using var x = b.Tensor(Shapes.X(s), xValues, "x");
        using var columns = b.Tensor(columnsShape, columnValues, "c");
        using var unfolded = b.Allocate(columnsShape, "im2col(x)");
        using var folded = b.Tensor(Shapes.X(s), Enumerable.Repeat(float.NaN, s.XLength).ToArray(), "col2im(c)");

        b.Im2Col(x, s.KH, s.KW, Shapes.Convolution(s), unfolded);
        b.Col2Im(columns, s.KH, s.KW, Shapes.Convolution(s), folded);

        double left = Dot(unfolded.ToArray(), columnValues), right = Dot(xValues, folded.ToArray());
        Assert.True(left == right, $"{b.Name}: ⟨im2col(x), c⟩ = {left} but ⟨x, col2im(c)⟩ = {right}.");
        float[] expected = Array.ConvertAll(ReferenceBackend.Col2Im(columnValues.ToDouble(), s), v => (float)v);
        Compare.Exact($"{b.Name} Col2Im x", folded.Shape, folded.ToArray(), expected);
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void MaxPool2dForward_equals_the_reference_exactly(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Pooling, c =>
    {
        var s = c.Shape;
        float[] values = TiedValues(new Random(c.Seed), s.XLength);
        using var x = b.Tensor(Shapes.X(s), values, "x");
        using var y = b.Allocate(Shapes.Y(s), "y");

        b.MaxPool2dForward(x, Shapes.Pooling(s), y);

        float[] expected = Array.ConvertAll(ReferenceBackend.MaxPool2dForward(values.ToDouble(), s), v => (float)v);
        Compare.Exact($"{b.Name} MaxPool2dForward y", y.Shape, y.ToArray(), expected);
    }));

    /// <summary>
    /// Each dy goes to its window's winner, the first maximum in row-major order. Inputs are drawn
    /// from a few values, so ties are everywhere; dy are powers of two, so sums are exact.
    /// </summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void MaxPool2dBackward_routes_each_gradient_to_the_first_maximum(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Pooling, c =>
    {
        var s = c.Shape;
        var random = new Random(c.Seed);
        float[] values = TiedValues(random, s.XLength);
        float[] gradients = Enumerable.Range(0, s.YLength).Select(_ => MathF.Pow(2, random.Next(-4, 5)) * (random.Next(2) * 2 - 1)).ToArray();
        using var x = b.Tensor(Shapes.X(s), values, "x");
        using var dy = b.Tensor(Shapes.Y(s), gradients, "dy");
        using var dx = b.Tensor(Shapes.X(s), Enumerable.Repeat(float.NaN, s.XLength).ToArray(), "dx");

        b.MaxPool2dBackward(x, dy, Shapes.Pooling(s), dx);

        float[] expected = Array.ConvertAll(ReferenceBackend.MaxPool2dBackward(values.ToDouble(), gradients.ToDouble(), s), v => (float)v);
        Compare.Exact($"{b.Name} MaxPool2dBackward dx", dx.Shape, dx.ToArray(), expected);
    }));

    /// <summary>
    /// The fused backward of ReLU then max-pool is exactly the two backwards one after the other, as the
    /// reference composes them and as the same backend's unfused ops compute them. x is a ReLU's output
    /// (zeros where the ReLU cut, so whole windows of zeros), with some negatives and ties besides, which
    /// a ReLU never gives but the op must still treat as its ReLU step says.
    /// </summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void MaxPool2dReluBackward_equals_the_pool_backward_then_the_relu_backward(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Pooling, c =>
    {
        var s = c.Shape;
        var random = new Random(c.Seed);
        float[] values = TiedValues(random, s.XLength).Select(v => random.Next(3) == 0 ? 0f : random.Next(8) == 0 ? v : Math.Max(v, 0f)).ToArray();
        float[] gradients = Enumerable.Range(0, s.YLength).Select(_ => MathF.Pow(2, random.Next(-4, 5)) * (random.Next(2) * 2 - 1)).ToArray();
        using var x = b.Tensor(Shapes.X(s), values, "x");
        using var dy = b.Tensor(Shapes.Y(s), gradients, "dy");
        using var fused = b.Tensor(Shapes.X(s), Enumerable.Repeat(float.NaN, s.XLength).ToArray(), "dx");
        using var pooled = b.Allocate(Shapes.X(s), "pool dx");
        using var unfused = b.Allocate(Shapes.X(s), "relu dx");

        b.MaxPool2dReluBackward(x, dy, Shapes.Pooling(s), fused);
        b.MaxPool2dBackward(x, dy, Shapes.Pooling(s), pooled);
        b.ReluBackward(x, pooled, unfused);

        float[] expected = Array.ConvertAll(ReferenceBackend.ReluBackward(values.ToDouble(), ReferenceBackend.MaxPool2dBackward(values.ToDouble(), gradients.ToDouble(), s)), v => (float)v);
        Compare.Exact($"{b.Name} MaxPool2dReluBackward dx vs the reference", fused.Shape, fused.ToArray(), expected);
        Compare.Exact($"{b.Name} MaxPool2dReluBackward dx vs MaxPool2dBackward + ReluBackward", fused.Shape, fused.ToArray(), unfused.ToArray());
    }));

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Relu_forward_and_backward_equal_the_reference_exactly(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Elementwise, c =>
    {
        var random = new Random(c.Seed);
        // A few exact zeros and negative zeros too: the gradient at 0 is 0.
        float[] values = TestData.Uniform(random, c.Length).Select((v, i) => i % 7 == 0 ? 0f : i % 11 == 0 ? -0f : v).ToArray();
        float[] gradients = TestData.Uniform(random, c.Length);
        var shape = new Shape(c.Length);
        using var x = b.Tensor(shape, values, "x");
        using var y = b.Allocate(shape, "y");
        using var dy = b.Tensor(shape, gradients, "dy");
        using var dx = b.Allocate(shape, "dx");

        b.ReluForward(x, y);
        b.ReluBackward(y, dy, dx);

        float[] expectedY = Array.ConvertAll(ReferenceBackend.ReluForward(values.ToDouble()), v => (float)v);
        Compare.Exact($"{b.Name} ReluForward y", shape, y.ToArray(), expectedY);
        float[] expectedDx = Array.ConvertAll(ReferenceBackend.ReluBackward(expectedY.ToDouble(), gradients.ToDouble()), v => (float)v);
        Compare.Exact($"{b.Name} ReluBackward dx", shape, dx.ToArray(), expectedDx);

        // In place, as IBackend allows: y may be x and dx may be dy.
        b.ReluForward(x, x);
        b.ReluBackward(x, dy, dy);
        Compare.Exact($"{b.Name} ReluForward in place", shape, x.ToArray(), expectedY);
        Compare.Exact($"{b.Name} ReluBackward in place", shape, dy.ToArray(), expectedDx);
    }));

    /// <summary>The mask is the documented function of (seed, offset, i): each element is either dropped (0) or kept and scaled.</summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Dropout_keeps_exactly_the_elements_Philox_chooses(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Dropout, c =>
    {
        var shape = new Shape(c.Length);
        float[] ones = Enumerable.Repeat(1f, c.Length).ToArray();
        using var x = b.Tensor(shape, ones, "x");
        using var y = b.Allocate(shape, "y");

        b.DropoutForward(x, c.P, c.Seed, c.Offset, 0, y);

        float scale = 1f / (1f - c.P);
        float[] expected = Enumerable.Range(0, c.Length).Select(i => ReferenceBackend.DropoutKeeps(c.P, c.Seed, c.Offset, i) ? scale : 0f).ToArray();
        Compare.Exact($"{b.Name} DropoutForward mask", shape, y.ToArray(), expected);
    }, maxTest: 25));

    /// <summary>A data-parallel rank's rows of a batch, passed with where they start, get exactly those rows of the whole batch's mask, forward and backward.</summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Dropout_of_a_shard_equals_those_elements_of_the_whole_batch(string backend) => TestBackends.Run(backend, b =>
    {
        const int length = 6 * 7; // rows of 7: shard starts 0, 14, 21 are not all multiples of four
        var random = new Random(21);
        float[] values = [.. Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() + 0.5f)];
        using var whole = b.Tensor(new Shape(6, 7), values, "x");
        using var wholeY = b.Allocate(whole.Shape, "y");
        b.DropoutForward(whole, 0.5f, 99, 3, 0, wholeY);
        float[] expected = wholeY.ToArray();
        foreach (var (firstRow, rows) in new[] { (0, 2), (2, 1), (3, 3) })
        {
            var shape = new Shape(rows, 7);
            using var shard = b.Tensor(shape, values.AsSpan(firstRow * 7, rows * 7).ToArray(), "shard");
            using var y = b.Allocate(shape, "y");
            using var dx = b.Allocate(shape, "dx");
            b.DropoutForward(shard, 0.5f, 99, 3, firstRow * 7, y);
            b.DropoutBackward(shard, 0.5f, 99, 3, firstRow * 7, dx);
            float[] rowsOfWhole = expected.AsSpan(firstRow * 7, rows * 7).ToArray();
            Compare.Exact($"{b.Name} DropoutForward of rows {firstRow}…", shape, y.ToArray(), rowsOfWhole);
            Compare.Exact($"{b.Name} DropoutBackward of rows {firstRow}…", shape, dx.ToArray(), rowsOfWhole);
        }
    });

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Dropout_masks_repeat_for_the_same_seed_and_offset_and_differ_otherwise(string backend) => TestBackends.Run(backend, b =>
    {
        const int length = 4099;
        var shape = new Shape(length);
        using var x = b.Tensor(shape, Enumerable.Repeat(1f, length).ToArray(), "x");
        float[] Mask(ulong seed, ulong offset)
        {
            using var y = b.Allocate(shape, "y");
            b.DropoutForward(x, 0.5f, seed, offset, 0, y);
            return y.ToArray();
        }

        float[] mask = Mask(seed: 1234, offset: 77);
        Compare.Exact($"{b.Name} dropout mask, same seed and offset", shape, Mask(1234, 77), mask);
        foreach (var (seed, offset) in new (ulong, ulong)[] { (1235, 77), (1234, 78), (1234 | (1UL << 40), 77), (1234, 77 | (1UL << 40)) })
        {
            float[] other = Mask(seed, offset);
            int agreements = Enumerable.Range(0, length).Count(i => other[i] == mask[i]);
            // Unrelated masks with p = 0.5 agree on about half the elements: 2050 ± 32 (one σ).
            Assert.InRange(agreements, length / 2 - 250, length / 2 + 250);
        }
    });

    /// <summary>Over 10⁵ elements the kept fraction is within 5σ of 1 − p, and kept values are x/(1 − p).</summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Dropout_keeps_a_fraction_one_minus_p_and_scales_by_its_inverse(string backend) => TestBackends.Run(backend, b =>
    {
        const int length = 100_000;
        var shape = new Shape(length);
        using var x = b.Tensor(shape, Enumerable.Repeat(3f, length).ToArray(), "x");
        using var y = b.Allocate(shape, "y");
        foreach (float p in new[] { 0.1f, 0.5f, 0.8f })
        {
            b.DropoutForward(x, p, seed: 2012, offset: (ulong)(p * 100), firstElement: 0, y);
            float[] values = y.ToArray();
            int kept = values.Count(v => v != 0);
            double sigma = Math.Sqrt(length * p * (1 - p));
            Assert.InRange(kept, (length * (1 - p)) - (5 * sigma), (length * (1 - p)) + (5 * sigma));
            Assert.All(values, v => Assert.True(v == 0 || v == 3f * (1f / (1f - p)), $"a kept value is {v}, expected {3f / (1f - p)}"));
        }
    });

    /// <summary>For even seeds, values drawn from a few levels, so that max-pool windows are full of ties; for odd seeds, continuous values.</summary>
    private static float[] TiedValues(Random random, int length) => random.Next(2) == 0
        ? Enumerable.Range(0, length).Select(_ => (float)random.Next(-3, 4)).ToArray()
        : TestData.Uniform(random, length);

    private static float[] Integers(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)random.Next(-8, 9)).ToArray();

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }
        return sum;
    }
}
