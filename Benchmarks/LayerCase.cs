using AlexNet.Backends.Cpu;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;

namespace AlexNet.Benchmarks;

/// <summary>
/// One layer of an AlexNet variant at its real shapes: the variant is built on a CPU backend, the
/// layer found by name, and given a random input of the shape it sees in the network and a random
/// output gradient. One forward pass runs at setup so the layer holds what its backward needs.
/// Cases are named <c>variant/layer</c>, e.g. <c>alexnet/conv2</c> or <c>keras-blog/bn6</c>.
/// </summary>
public sealed class LayerCase : IDisposable
{
    /// <summary>Creates the case <paramref name="id"/> for a batch of <paramref name="batchSize"/> images.</summary>
    public LayerCase(string id, int batchSize, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(id);
        string[] parts = id.Split('/');
        var variant = ModelVariants.Get(parts[0]);
        Backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
        Model = variant.Build(Backend, variant.Name == "keras-blog" ? 17 : 1000, seed: 1);
        Layer = Model[parts[1]];
        var shape = new Shape(batchSize, variant.InputShape[0], variant.InputShape[1], variant.InputShape[2]);
        foreach (var layer in Model.Layers.TakeWhile(layer => layer != Layer))
        {
            shape = layer.OutputShape(shape);
        }
        var random = new Random(7);
        Input = Random(shape, random, "x");
        OutputGradient = Random(Layer.OutputShape(shape), random, "dy");
        Layer.Forward(Input);
    }

    /// <summary>The backend everything runs on.</summary>
    public CpuBackend Backend { get; }

    /// <summary>The whole variant (its other layers only give the shapes).</summary>
    public Sequential Model { get; }

    /// <summary>The layer under test.</summary>
    public Layer Layer { get; }

    /// <summary>A random input of the layer's shape in the network.</summary>
    public Tensor Input { get; }

    /// <summary>A random gradient of the layer's output.</summary>
    public Tensor OutputGradient { get; }

    /// <summary>Uniform values in [−1, 1) on the case's backend.</summary>
    public Tensor Random(Shape shape, Random random, string name)
    {
        ArgumentNullException.ThrowIfNull(random);
        var values = new float[shape.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (2 * random.NextSingle()) - 1;
        }
        var tensor = Backend.Allocate(shape, name);
        Backend.Upload(values, tensor);
        return tensor;
    }

    public void Dispose()
    {
        Input.Dispose();
        OutputGradient.Dispose();
        Model.Dispose();
        Backend.Dispose();
    }
}
