using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Reference;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>
/// The CPU's fused LRN and two-pass max pooling on planes as large as AlexNet's (several runs of
/// pixels per image, vector bodies and tails), on one thread and two, against the reference; the
/// shared property cases keep to small planes, the wide-row property here to the CPU's vector rows.
/// </summary>
public sealed class CpuLrnAndPoolingTests
{
    [Theory]
    [InlineData(1, 0.75)]
    [InlineData(2, 0.75)]
    [InlineData(2, 0.6)]
    public void Lrn_on_a_27x27_plane_matches_the_reference(int threads, double beta)
    {
        var s = new LrnShape(2, 20, 27, 27, 5, 1e-2, beta, 2);
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
        var random = new Random(17);
        float[] values = TestData.Uniform(random, s.Length, -3, 3), gradients = TestData.Uniform(random, s.Length);
        using var x = backend.Tensor(Shapes.X(s), values, "x");
        using var y = backend.Allocate(Shapes.X(s), "y");
        using var dy = backend.Tensor(Shapes.X(s), gradients, "dy");
        using var dx = backend.Allocate(Shapes.X(s), "dx");

        backend.LrnForward(x, Shapes.Lrn(s), y);
        backend.LrnBackward(x, y, dy, Shapes.Lrn(s), dx);

        Compare.Close("LrnForward y", y.Shape, y.ToArray(), ReferenceBackend.LrnForward(values.ToDouble(), s), Tolerances.SumOf(s.Size), Tolerances.Relative);
        Compare.Close("LrnBackward dx", dx.Shape, dx.ToArray(), ReferenceBackend.LrnBackward(values.ToDouble(), gradients.ToDouble(), s),
            Tolerances.SumOf(2 * s.Size), Tolerances.Relative);
    }

    [Theory]
    [InlineData(1, 3, 2, 0)]
    [InlineData(2, 3, 2, 0)]
    [InlineData(2, 2, 2, 0)]
    [InlineData(2, 3, 2, 1)]
    public void Max_pooling_a_55x55_plane_equals_the_reference(int threads, int kernel, int stride, int padding)
    {
        var s = new PoolingShape(2, 5, 55, 55, kernel, stride, padding);
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
        var random = new Random(23);
        // Few distinct values, so windows are full of ties; dy powers of two, so sums are exact.
        float[] values = [.. Enumerable.Range(0, s.XLength).Select(_ => (float)random.Next(-3, 4))];
        float[] gradients = [.. Enumerable.Range(0, s.YLength).Select(_ => MathF.Pow(2, random.Next(-4, 5)))];
        using var x = backend.Tensor(Shapes.X(s), values, "x");
        using var y = backend.Allocate(Shapes.Y(s), "y");
        using var dy = backend.Tensor(Shapes.Y(s), gradients, "dy");
        using var dx = backend.Allocate(Shapes.X(s), "dx");

        backend.MaxPool2dForward(x, Shapes.Pooling(s), y);
        backend.MaxPool2dBackward(x, dy, Shapes.Pooling(s), dx);

        Compare.Exact("MaxPool2dForward y", y.Shape, y.ToArray(), Array.ConvertAll(ReferenceBackend.MaxPool2dForward(values.ToDouble(), s), v => (float)v));
        Compare.Exact("MaxPool2dBackward dx", dx.Shape, dx.ToArray(),
            Array.ConvertAll(ReferenceBackend.MaxPool2dBackward(values.ToDouble(), gradients.ToDouble(), s), v => (float)v));
    }

    /// <summary>
    /// Wide rows, where the CPU computes 16 windows at a time: forward, backward and the fused
    /// ReLU-pool backward equal the reference exactly, ties and windows of zeros included.
    /// </summary>
    [Fact]
    public void Max_pooling_wide_rows_16_windows_at_a_time_equals_the_reference() => Properties.Check(Cases.WidePooling, c =>
    {
        var s = c.Shape;
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 2 });
        var random = new Random(c.Seed);
        float[] values = [.. Enumerable.Range(0, s.XLength).Select(_ => (float)Math.Max(random.Next(-6, 4), random.Next(2) * -1))];
        float[] gradients = [.. Enumerable.Range(0, s.YLength).Select(_ => MathF.Pow(2, random.Next(-4, 5)) * ((random.Next(2) * 2) - 1))];
        using var x = backend.Tensor(Shapes.X(s), values, "x");
        using var y = backend.Allocate(Shapes.Y(s), "y");
        using var dy = backend.Tensor(Shapes.Y(s), gradients, "dy");
        using var dx = backend.Allocate(Shapes.X(s), "dx");
        using var fused = backend.Allocate(Shapes.X(s), "fused dx");

        backend.MaxPool2dForward(x, Shapes.Pooling(s), y);
        backend.MaxPool2dBackward(x, dy, Shapes.Pooling(s), dx);
        backend.MaxPool2dReluBackward(x, dy, Shapes.Pooling(s), fused);

        double[] pooled = ReferenceBackend.MaxPool2dBackward(values.ToDouble(), gradients.ToDouble(), s);
        Compare.Exact("MaxPool2dForward y", y.Shape, y.ToArray(), Array.ConvertAll(ReferenceBackend.MaxPool2dForward(values.ToDouble(), s), v => (float)v));
        Compare.Exact("MaxPool2dBackward dx", dx.Shape, dx.ToArray(), Array.ConvertAll(pooled, v => (float)v));
        Compare.Exact("MaxPool2dReluBackward dx", fused.Shape, fused.ToArray(), Array.ConvertAll(ReferenceBackend.ReluBackward(values.ToDouble(), pooled), v => (float)v));
    });
}
