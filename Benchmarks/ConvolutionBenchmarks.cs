using AlexNet.Layers;
using BenchmarkDotNet.Attributes;

namespace AlexNet.Benchmarks;

/// <summary>
/// The four convolution ops of each of the paper network's five convolutions (and the Keras
/// tutorial's 11×11 conv2), called on the backend directly with the layer's own weights.
/// </summary>
[MemoryDiagnoser]
public class ConvolutionBenchmarks
{
    private LayerCase _case = null!;
    private Conv2d _conv = null!;
    private AlexNet.Tensors.Tensor _output = null!;
    private AlexNet.Tensors.Tensor _inputGradient = null!;

    public static IEnumerable<string> Layers => ["alexnet/conv1", "alexnet/conv2", "alexnet/conv3", "alexnet/conv4", "alexnet/conv5", "keras-blog/conv2"];

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "";

    [Params(1, 64)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _case = new LayerCase(Layer, BatchSize);
        _conv = (Conv2d)_case.Layer;
        _output = _case.Backend.Allocate(_case.OutputGradient.Shape, "y");
        _inputGradient = _case.Backend.Allocate(_case.Input.Shape, "dx");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _output.Dispose();
        _inputGradient.Dispose();
        _case.Dispose();
    }

    [Benchmark]
    public void Forward() => _case.Backend.Conv2dForward(_case.Input, _conv.Weight.Value, _conv.Bias?.Value, _conv.Convolution, _output);

    [Benchmark]
    public void BackwardData() => _case.Backend.Conv2dBackwardData(_case.OutputGradient, _conv.Weight.Value, _conv.Convolution, _inputGradient);

    [Benchmark]
    public void BackwardFilter() => _case.Backend.Conv2dBackwardFilter(_case.Input, _case.OutputGradient, _conv.Convolution, _conv.Weight.Gradient);

    [Benchmark]
    public void BackwardBias() => _case.Backend.Conv2dBackwardBias(_case.OutputGradient, _conv.Bias!.Gradient);
}
