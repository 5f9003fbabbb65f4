using System.Globalization;
using AlexNet.Backends.Cpu;
using AlexNet.Tensors;
using BenchmarkDotNet.Attributes;

namespace AlexNet.Benchmarks;

/// <summary>
/// fp32 GEMM, C = op(A)·op(B), at the sizes that matter: square n³ (4096³ is the figure compared
/// with torch.matmul) and the products AlexNet's layers actually run — a convolution's
/// weights × im2col columns per image and group, a dense layer's batch × weights, and their
/// backward products with the transposes they need (N = as stored, T = transposed).
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private CpuBackend _backend = null!;
    private Tensor _a = null!, _b = null!, _c = null!;
    private bool _transposeA, _transposeB;

    /// <summary>"name M×N×K AB": the product, its size, and whether A and B are transposed.</summary>
    public static IEnumerable<string> Shapes =>
    [
        "square 256x256x256 NN",
        "square 1024x1024x1024 NN",
        "square 4096x4096x4096 NN",
        "conv1-forward 96x3025x363 NN",
        "conv2-forward 128x729x1200 NN",
        "conv2-backward-data 1200x729x128 TN",
        "conv2-backward-filter 128x1200x729 NT",
        "conv3-forward 384x169x2304 NN",
        "conv4-forward 192x169x1728 NN",
        "fc6-forward-b64 64x4096x9216 NT",
        "fc6-backward-data-b64 64x9216x4096 NN",
        "fc6-backward-weight-b64 4096x9216x64 TN",
        "fc7-forward-b1 1x4096x4096 NT",
    ];

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split(' ');
        int[] size = [.. parts[1].Split('x').Select(t => int.Parse(t, CultureInfo.InvariantCulture))];
        int m = size[0], n = size[1], k = size[2];
        _transposeA = parts[2][0] == 'T';
        _transposeB = parts[2][1] == 'T';
        _backend = new CpuBackend(new CpuBackendOptions { Threads = Threads });
        var random = new Random(3);
        _a = Random(_transposeA ? new Shape(k, m) : new Shape(m, k), random);
        _b = Random(_transposeB ? new Shape(n, k) : new Shape(k, n), random);
        _c = _backend.Allocate(new Shape(m, n));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
        _backend.Dispose();
    }

    [Benchmark]
    public void Gemm() => _backend.Gemm(_a, _b, _transposeA, _transposeB, 1f, 0f, _c);

    private Tensor Random(Shape shape, Random random)
    {
        var values = new float[shape.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (2 * random.NextSingle()) - 1;
        }
        var tensor = _backend.Allocate(shape);
        _backend.Upload(values, tensor);
        return tensor;
    }
}
