using AlexNet.Backends.Cpu;
using AlexNet.Tensors;
using BenchmarkDotNet.Attributes;

namespace AlexNet.Benchmarks;

/// <summary>
/// The memory-bound ops at the end of a training step: the loss over 1000 classes, and the optimizer
/// updates over fc6's 37.7 million weights (the largest parameter).
/// </summary>
[MemoryDiagnoser]
public class UpdateBenchmarks
{
    private const int Fc6Weights = 4096 * 9216;

    private CpuBackend _backend = null!;
    private Tensor _gradient = null!, _velocity = null!, _m = null!, _parameter = null!;
    private Tensor _logits = null!, _labels = null!, _probabilities = null!, _loss = null!, _dLogits = null!;

    [Params(64)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _backend = new CpuBackend();
        var random = new Random(11);
        _gradient = Random(new Shape(Fc6Weights), random);
        _velocity = Random(new Shape(Fc6Weights), random);
        _m = Random(new Shape(Fc6Weights), random);
        _parameter = Random(new Shape(Fc6Weights), random);
        _logits = Random(new Shape(BatchSize, 1000), random);
        _labels = _backend.Allocate(new Shape(BatchSize));
        _backend.Upload([.. Enumerable.Range(0, BatchSize).Select(i => (float)(i * 37 % 1000))], _labels);
        _probabilities = _backend.Allocate(new Shape(BatchSize, 1000));
        _dLogits = _backend.Allocate(new Shape(BatchSize, 1000));
        _loss = _backend.Allocate(new Shape(1));
        _backend.Fill(0.5f, _velocity);
        _backend.Fill(0.5f, _m);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var tensor in new[] { _gradient, _velocity, _m, _parameter, _logits, _labels, _probabilities, _loss, _dLogits })
        {
            tensor.Dispose();
        }
        _backend.Dispose();
    }

    [Benchmark]
    public void SgdMomentumFc6() => _backend.SgdMomentumUpdate(_gradient, 1e-6f, 0.9f, 5e-4f, _velocity, _parameter);

    [Benchmark]
    public void AdamFc6() => _backend.AdamUpdate(_gradient, 1e-6f, 0.9f, 0.999f, 1e-7f, 0f, 10, _m, _velocity, _parameter);

    [Benchmark]
    public void ZeroGradientFc6() => _backend.Fill(0f, _gradient);

    [Benchmark]
    public void SoftmaxCrossEntropy()
    {
        _backend.SoftmaxCrossEntropyForward(_logits, _labels, _probabilities, _loss);
        _backend.SoftmaxCrossEntropyBackward(_probabilities, _labels, _dLogits);
    }

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
