using AlexNet.Layers;
using AlexNet.Tensors;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// The bytes a layer's forward and backward must move to and from memory at least — every tensor
/// they read once and every tensor they write once (an accumulated gradient is read and written),
/// 4 bytes a float — for <c>bench --layers</c> to turn times into GB/s and place each layer on the
/// roofline. What a layer moves beyond this (im2col re-reads, a second pass) is what the measured
/// rate loses against the machine's bandwidth.
/// </summary>
public static class LayerTraffic
{
    /// <summary>Bytes of one forward and one backward of <paramref name="layer"/> on a batch of <paramref name="input"/>.</summary>
    /// <param name="layer">the layer</param>
    /// <param name="input">its input shape, batch included</param>
    /// <param name="inputGradient">whether the backward computes the input's gradient (not in the first layer)</param>
    /// <param name="fusedIntoNext">whether the next layer's backward does this one's too (a ReLU before a max-pool): then its backward moves nothing</param>
    /// <param name="fusedIntoPrevious">whether the previous layer's forward does this one's too (a ReLU after a convolution or dense layer): then its forward moves nothing</param>
    public static (long Forward, long Backward) Bytes(Layer layer, Shape input, bool inputGradient, bool fusedIntoNext, bool fusedIntoPrevious = false)
    {
        ArgumentNullException.ThrowIfNull(layer);
        long x = input.Length, y = layer.OutputShape(input).Length;
        long parameters = layer.Parameters.Sum(p => (long)p.Length);
        long dx = inputGradient ? x : 0;
        (long forward, long backward) = layer switch
        {
            // Read x and the weights, write y; backward: read dy, x, the weights (for dx), read and write dWeight and dBias, write dx.
            Conv2d or Dense => (x + parameters + y, y + x + (inputGradient ? parameters : 0) + (2 * parameters) + dx),
            // Read x, write y; backward: read y and dy, write dx.
            ReLU => (fusedIntoPrevious ? 0 : x + y, fusedIntoNext ? 0 : y + y + dx),
            // Read x, write y; backward: read x and dy, write dx (the winners are found again in x).
            MaxPool2d => (x + y, x + y + dx),
            // Read x, write y; backward: read x, y and dy, write dx.
            LocalResponseNormalization => (x + y, x + y + y + dx),
            // Read x, write y (the mask is recomputed, never stored); backward: read dy, write dx.
            Dropout => (x + y, y + dx),
            // Statistics and normalization: read x twice, write y; backward: read x and dy twice, write dx; the per-channel values are negligible.
            BatchNorm => (x + x + y, (2 * (x + y)) + dx),
            // A view: nothing moves.
            _ => (0, 0),
        };
        return (4 * forward, 4 * backward);
    }

    /// <summary>
    /// Bytes of the optimizer's part of a step: zero each gradient (write), then the update in one
    /// pass: SGD momentum reads g, v, w and writes v, w; Adam and AdamW read g, m, v, w and write m, v, w.
    /// </summary>
    /// <param name="parameters">the model's trainable scalars</param>
    /// <param name="optimizer">which update</param>
    public static long UpdateBytes(long parameters, Run.OptimizerKind optimizer = Run.OptimizerKind.Sgd) =>
        4 * parameters * (1 + (optimizer == Run.OptimizerKind.Sgd ? 5 : 7));
}
