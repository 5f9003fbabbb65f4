using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.ModelParallel;

/// <summary>
/// Moving parts of activations between the two devices of <see cref="TwoDeviceNetwork"/>. A tensor
/// [N, C, …] is split along C (channels, or the features of a dense layer); element (n, c, i) sits
/// at (n·C + c)·inner + i. Every crossing goes through the host with the devices' Download and
/// Upload, as the paper's two GPUs exchanged through PCIe, and is counted in <see cref="FloatsMoved"/>.
/// </summary>
internal sealed class ChannelHalves
{
    /// <summary>Floats that crossed from one device to the other so far.</summary>
    public long FloatsMoved { get; private set; }

    /// <summary>Channels [first, first + count) of <paramref name="x"/>, on the host.</summary>
    public static float[] Slice(float[] x, Shape shape, int first, int count)
    {
        int channels = shape[1], inner = shape.Length / shape[0] / channels;
        var part = new float[shape[0] * count * inner];
        for (int n = 0; n < shape[0]; n++)
        {
            x.AsSpan(((n * channels) + first) * inner, count * inner).CopyTo(part.AsSpan(n * count * inner));
        }
        return part;
    }

    /// <summary>The channels of <paramref name="parts"/> one after the other: the concatenation along C.</summary>
    public static float[] Concat(IReadOnlyList<(float[] Values, int Channels)> parts, int images, int inner)
    {
        int channels = parts.Sum(p => p.Channels);
        var whole = new float[images * channels * inner];
        for (int n = 0; n < images; n++)
        {
            int at = n * channels * inner;
            foreach (var (values, count) in parts)
            {
                values.AsSpan(n * count * inner, count * inner).CopyTo(whole.AsSpan(at));
                at += count * inner;
            }
        }
        return whole;
    }

    /// <summary>Downloads <paramref name="tensor"/> from its device.</summary>
    public static float[] Read(Tensor tensor)
    {
        var values = new float[tensor.Length];
        tensor.Device.Download(tensor, values);
        return values;
    }

    /// <summary>Counts <paramref name="floats"/> that went from one device to the other.</summary>
    public void Moved(long floats) => FloatsMoved += floats;

    /// <summary>Uploads <paramref name="values"/> into a (reused) tensor of <paramref name="shape"/> on <paramref name="backend"/>.</summary>
    public static Tensor Write(IBackend backend, ref Tensor? tensor, Shape shape, float[] values, string name)
    {
        if (tensor is null || tensor.Shape != shape)
        {
            tensor?.Dispose();
            tensor = backend.Allocate(shape, name);
        }
        backend.Upload(values, tensor);
        return tensor;
    }
}
