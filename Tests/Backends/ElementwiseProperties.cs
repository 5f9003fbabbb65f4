using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>Fill, Copy, Scale and Axpy over lengths 1–300 (every SIMD tail) and now and then one split over threads.</summary>
public sealed class ElementwiseProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Fill_Copy_Scale_and_Axpy_match_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Elementwise, c =>
    {
        var random = new Random(c.Seed);
        float[] xs = TestData.Uniform(random, c.Length), ys = TestData.Uniform(random, c.Length);
        float alpha = (random.NextSingle() * 4) - 2;
        var shape = new Shape(c.Length);
        using var x = b.Tensor(shape, xs, "x");
        using var y = b.Tensor(shape, ys, "y");

        b.Axpy(alpha, x, y);
        Compare.Close($"{b.Name} Axpy", shape, y.ToArray(), ReferenceBackend.Axpy(alpha, xs.ToDouble(), ys.ToDouble()), Tolerances.Elementwise, Tolerances.Relative);

        b.Scale(alpha, x);
        Compare.Close($"{b.Name} Scale", shape, x.ToArray(), xs.Select(v => alpha * (double)v).ToArray(), Tolerances.Elementwise, Tolerances.Relative);

        b.Fill(alpha, y);
        Compare.Exact($"{b.Name} Fill", shape, y.ToArray(), Enumerable.Repeat(alpha, c.Length).ToArray());

        // Copy works across shapes of equal length (a reshape), so copy into a 2-D tensor when the length allows.
        using var source = b.Tensor(shape, xs, "source");
        var target = c.Length % 2 == 0 ? new Shape(2, c.Length / 2) : shape;
        using var copy = b.Allocate(target, "copy");
        b.Copy(source, copy);
        Compare.Exact($"{b.Name} Copy", target, copy.ToArray(), xs);
    }));
}
