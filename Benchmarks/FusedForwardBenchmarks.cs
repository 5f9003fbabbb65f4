using BenchmarkDotNet.Attributes;
using AlexNet.Layers;

namespace AlexNet.Benchmarks;

/// <summary>
/// A convolution or dense layer and the ReLU after it, forward, as two ops (the layer writes y, the
/// ReLU reads it back and writes its own) and fused (the ReLU taken in the layer's write-out,
/// <see cref="Conv2d.ForwardThroughRelu"/>), at the shapes where the ReLU's pass is largest
/// relative to the layer: the first convolutions and fc6, at batch 1 and 16.
/// </summary>
[MemoryDiagnoser]
public class FusedForwardBenchmarks
{
    private LayerCase _case = null!;
    private ReLU _relu = null!;

    public static IEnumerable<string> Layers => ["alexnet/conv1", "torchvision/conv1", "torchvision/conv2", "keras-blog/conv1", "alexnet/fc6"];

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    [Params(1, 16)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _case = new LayerCase(Layer, BatchSize);
        _relu = (ReLU)_case.Model.Layers[_case.Model.Layers.ToList().IndexOf(_case.Layer) + 1];
    }

    [GlobalCleanup]
    public void Cleanup() => _case.Dispose();

    [Benchmark(Baseline = true)]
    public void Unfused() => _relu.Forward(_case.Layer.Forward(_case.Input));

    [Benchmark]
    public void Fused()
    {
        if (_case.Layer is Conv2d conv)
        {
            conv.ForwardThroughRelu(_case.Input, _relu);
        }
        else
        {
            ((Dense)_case.Layer).ForwardThroughRelu(_case.Input, _relu);
        }
    }
}
