using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>Dropout forward and backward values against the reference (the masks themselves are compared exactly in <see cref="DataMovementTests"/>).</summary>
public sealed class DropoutProperties
{
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void DropoutForward_and_DropoutBackward_match_the_reference(string backend) => TestBackends.Run(backend, b => Properties.Check(Cases.Dropout, c =>
    {
        var random = new Random(c.ValueSeed);
        float[] xs = TestData.Uniform(random, c.Length), gradients = TestData.Uniform(random, c.Length);
        var shape = new Shape(c.Length);
        using var x = b.Tensor(shape, xs, "x");
        using var y = b.Allocate(shape, "y");
        using var dy = b.Tensor(shape, gradients, "dy");

        b.DropoutForward(x, c.P, c.Seed, c.Offset, 0, y);
        // The backward runs in place (dx = dy), as layers do.
        b.DropoutBackward(dy, c.P, c.Seed, c.Offset, 0, dy);

        Compare.Close($"{b.Name} DropoutForward y", shape, y.ToArray(), ReferenceBackend.Dropout(xs.ToDouble(), c.P, c.Seed, c.Offset), Tolerances.Elementwise, Tolerances.Relative);
        Compare.Close($"{b.Name} DropoutBackward dx", shape, dy.ToArray(), ReferenceBackend.Dropout(gradients.ToDouble(), c.P, c.Seed, c.Offset), Tolerances.Elementwise, Tolerances.Relative);
    }, maxTest: 25));
}
