using BenchmarkDotNet.Attributes;

namespace AlexNet.Benchmarks;

/// <summary>
/// Forward and backward of every kind of layer of the paper's network at its shape there (LRN,
/// overlapping pooling, ReLU, dropout, dense), at batch 1 (inference latency) and 64 (training).
/// Convolutions have their own op-by-op benchmarks, batch norm its own below.
/// </summary>
[MemoryDiagnoser]
public class LayerBenchmarks
{
    private LayerCase _case = null!;

    public static IEnumerable<string> Layers =>
    [
        "alexnet/relu1", "alexnet/norm1", "alexnet/pool1", "alexnet/norm2", "alexnet/pool2", "alexnet/pool5",
        "alexnet/fc6", "alexnet/relu6", "alexnet/drop6", "alexnet/fc7", "alexnet/fc8",
    ];

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    [Params(1, 64)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup() => _case = new LayerCase(Layer, BatchSize);

    [GlobalCleanup]
    public void Cleanup() => _case.Dispose();

    [Benchmark]
    public void Forward() => _case.Layer.Forward(_case.Input);

    [Benchmark]
    public void Backward() => _case.Layer.Backward(_case.OutputGradient, computeInputGradient: true);
}

/// <summary>
/// The Keras tutorial's batch norm in training mode, per channel of [N, 96, 27, 27] (bn1) and per
/// feature of [N, 4096] (bn6). Training mode needs more than one image, so only batch 64.
/// </summary>
[MemoryDiagnoser]
public class BatchNormBenchmarks
{
    private LayerCase _case = null!;

    [Params("keras-blog/bn1", "keras-blog/bn6")]
    public string Layer { get; set; } = "";

    [Params(64)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup() => _case = new LayerCase(Layer, BatchSize);

    [GlobalCleanup]
    public void Cleanup() => _case.Dispose();

    [Benchmark]
    public void Forward() => _case.Layer.Forward(_case.Input);

    [Benchmark]
    public void Backward() => _case.Layer.Backward(_case.OutputGradient, computeInputGradient: true);
}
