using AlexNet.Backends.Reference;


namespace AlexNet.Tests.Backends;

/// <summary>Local response normalization forward and backward against the reference (sizes 1–7, the paper's constants and others).</summary>
public sealed class LrnProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void LrnForward_and_LrnBackward_match_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Lrn, c =>
    {
        var s = c.Shape;
        var random = new Random(c.Seed);
        // Activations of a few units, so that α·Σx² matters even for small α.
        float[] values = TestData.Uniform(random, s.Length, -3f, 3f);
        float[] gradients = TestData.Uniform(random, s.Length);
        using var x = b.Tensor(Shapes.X(s), values, "x");
        using var y = b.Allocate(Shapes.X(s), "y");
        using var dy = b.Tensor(Shapes.X(s), gradients, "dy");
        using var dx = b.Tensor(Shapes.X(s), Enumerable.Repeat(float.NaN, s.Length).ToArray(), "dx");

        b.LrnForward(x, Shapes.Lrn(s), y);
        b.LrnBackward(x, y, dy, Shapes.Lrn(s), dx);

        Compare.Close($"{b.Name} LrnForward y", y.Shape, y.ToArray(), ReferenceBackend.LrnForward(values.ToDouble(), s), Tolerances.SumOf(s.Size), Tolerances.Relative);
        Compare.Close($"{b.Name} LrnBackward dx", dx.Shape, dx.ToArray(), ReferenceBackend.LrnBackward(values.ToDouble(), gradients.ToDouble(), s),
            Tolerances.SumOf(s.Size), Tolerances.Relative);
    }));
}
