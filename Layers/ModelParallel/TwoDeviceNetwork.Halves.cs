using AlexNet.Tensors;

namespace AlexNet.Layers.ModelParallel;

public sealed partial class TwoDeviceNetwork
{
    /// <summary>
    /// A convolution or dense layer whose kernels (output channels) are split, or a batch norm whose
    /// channels are: device d holds output channels [offset_d, offset_d + count_d) — for a grouped
    /// convolution exactly group d. The weights (and batch norm's running statistics) are copied from
    /// the single-device layer's rows; a tensor [O, …] keeps each output channel's values together,
    /// so every half is a block of rows.
    /// </summary>
    private sealed class Halves : Stage
    {
        private readonly Layer[] _layers;
        private readonly int[] _outputs;
        private readonly Layer _source;

        public Halves(TwoDeviceNetwork network, Layer source, Layer[] layers, int[] outputs)
            : base(network)
        {
            _layers = layers;
            _outputs = outputs;
            _source = source;
            Load();
        }

        /// <summary>Copies the single-device layer's weights and running statistics, device d getting its block of rows.</summary>
        public void Load()
        {
            for (int p = 0; p < _source.Parameters.Count; p++)
            {
                Split(_source.Parameters[p].Value, d => _layers[d].Parameters[p].Value);
            }
            for (int b = 0; b < _source.Buffers.Count; b++)
            {
                Split(_source.Buffers[b].Value, d => _layers[d].Buffers[b].Value);
            }
        }

        /// <summary>Puts the halves' running statistics (batch norm's, updated by their forward passes) back together in the single-device layer.</summary>
        public void BuffersToSource()
        {
            for (int b = 0; b < _source.Buffers.Count; b++)
            {
                _source.Backend.Upload([.. Enumerable.Range(0, 2).SelectMany(d => ChannelHalves.Read(_layers[d].Buffers[b].Value))], _source.Buffers[b].Value);
            }
        }

        private void Split(Tensor whole, Func<int, Tensor> half)
        {
            float[] values = ChannelHalves.Read(whole);
            int rowLength = whole.Length / whole.Shape[0];
            for (int d = 0; d < 2; d++)
            {
                half(d).Device.Upload(values.AsSpan(Offset(d) * rowLength, _outputs[d] * rowLength), half(d));
            }
        }

        public override IEnumerable<Layer> Layers => _layers;

        public override Tensor?[] Forward(Tensor?[] x) => [_layers[0].Forward(x[0]!), _layers[1].Forward(x[1]!)];

        public override Tensor?[] Backward(Tensor?[] dy, bool computeInputGradient) =>
            [_layers[0].Backward(dy[0]!, computeInputGradient), _layers[1].Backward(dy[1]!, computeInputGradient)];

        /// <summary>The single-device parameter <paramref name="name"/> from the two halves, or null when this layer does not hold it.</summary>
        public float[]? Assemble(string name, bool gradient)
        {
            int p = _layers[0].Parameters.ToList().FindIndex(parameter => parameter.Name == name);
            if (p < 0)
            {
                return null;
            }
            return [.. Enumerable.Range(0, 2).SelectMany(d => ChannelHalves.Read(gradient ? _layers[d].Parameters[p].Gradient : _layers[d].Parameters[p].Value))];
        }

        public override void Dispose()
        {
            foreach (var layer in _layers)
            {
                layer.Dispose();
            }
        }

        private int Offset(int device) => device == 0 ? 0 : _outputs[0];

        public override string ToString() => _source.Name;
    }
}
