using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Tensors;

namespace AlexNet.Tests.Layers;

/// <summary>The backend and seeded inputs the layer tests share.</summary>
internal static class LayerTestData
{
    /// <summary>One CPU backend for all layer tests (its ops may be called from several threads at once).</summary>
    public static IBackend Cpu { get; } = new CpuBackend();

    /// <summary>A tensor of values uniform in ±1.</summary>
    public static Tensor Uniform(IBackend backend, Shape shape, int seed, string name = "x")
    {
        var random = new Random(seed);
        return Upload(backend, shape, [.. Enumerable.Range(0, shape.Length).Select(_ => (float)((random.NextDouble() * 2) - 1))], name);
    }

    /// <summary>
    /// A tensor whose values are at least 0.1 away from 0 and from each other by at least 0.05 — far
    /// from ReLU's kink and from max-pool ties compared with the gradient check's step of 0.01.
    /// </summary>
    public static Tensor AwayFromKinks(IBackend backend, Shape shape, int seed, string name = "x")
    {
        var random = new Random(seed);
        // Distinct multiples of 0.05 between 0.1 and 0.1 + 0.05·(L − 1), with random signs, in random order.
        float[] values = [.. Enumerable.Range(0, shape.Length)
            .Select(i => 0.1f + (0.05f * i))
            .OrderBy(_ => random.Next())
            .Select(magnitude => random.Next(2) == 0 ? -magnitude : magnitude)];
        return Upload(backend, shape, values, name);
    }

    /// <summary>Uploads <paramref name="values"/> into a new tensor.</summary>
    public static Tensor Upload(IBackend backend, Shape shape, float[] values, string name = "x")
    {
        var tensor = backend.Allocate(shape, name);
        backend.Upload(values, tensor);
        return tensor;
    }
}
