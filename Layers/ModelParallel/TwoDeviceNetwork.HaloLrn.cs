using AlexNet.Tensors;

namespace AlexNet.Layers.ModelParallel;

public sealed partial class TwoDeviceNetwork
{
    /// <summary>
    /// Local response normalization on split channels. The window of a map near the middle reaches
    /// into the other device's half, so each device first borrows the other's <see cref="Halo"/>
    /// border maps (device 0 the first ones of device 1, device 1 the last ones of device 0),
    /// normalizes its extended block, and keeps its own maps. Backward: the gradient that lands on
    /// a borrowed map belongs to the other device, which adds it to its own.
    /// </summary>
    private sealed class HaloLrn : Stage
    {
        private readonly LocalResponseNormalization[] _layers;
        private readonly Tensor?[] _extended = new Tensor?[2];
        private readonly Tensor?[] _gradients = new Tensor?[2];
        private readonly Tensor?[] _outputs = new Tensor?[2];
        private readonly Tensor?[] _inputGradients = new Tensor?[2];
        private int _channels; // per device

        public HaloLrn(TwoDeviceNetwork network, LocalResponseNormalization lrn, Shape oneImage)
            : base(network)
        {
            Halo = lrn.Settings.Size / 2;
            if (oneImage.C % 2 != 0 || Halo > oneImage.C / 2)
            {
                throw new NotSupportedException($"{lrn.Name}: the split needs an even number of maps, at least {2 * Halo}.");
            }
            _layers = [.. network.Devices.Select(device => new LocalResponseNormalization(device, lrn.Name, lrn.Settings))];
        }

        /// <summary>Border maps borrowed from the other device.</summary>
        public int Halo { get; }

        public override IEnumerable<Layer> Layers => _layers;

        public override Tensor?[] Forward(Tensor?[] x)
        {
            var half = x[0]!.Shape;
            _channels = half[1];
            int images = half[0], inner = half[2] * half[3];
            float[] own0 = ChannelHalves.Read(x[0]!), own1 = ChannelHalves.Read(x[1]!);
            float[] borrowed0 = ChannelHalves.Slice(own1, half, 0, Halo);              // device 1's first maps, to device 0
            float[] borrowed1 = ChannelHalves.Slice(own0, half, _channels - Halo, Halo); // device 0's last maps, to device 1
            Network._halves.Moved(borrowed0.Length + borrowed1.Length);
            var extendedShape = new Shape(images, _channels + Halo, half[2], half[3]);
            float[][] blocks =
            [
                ChannelHalves.Concat([(own0, _channels), (borrowed0, Halo)], images, inner),
                ChannelHalves.Concat([(borrowed1, Halo), (own1, _channels)], images, inner),
            ];
            var result = new Tensor?[2];
            for (int d = 0; d < 2; d++)
            {
                var y = _layers[d].Forward(ChannelHalves.Write(Network.Devices[d], ref _extended[d], extendedShape, blocks[d], "extended"));
                float[] own = ChannelHalves.Slice(ChannelHalves.Read(y), extendedShape, d == 0 ? 0 : Halo, _channels);
                result[d] = ChannelHalves.Write(Network.Devices[d], ref _outputs[d], half, own, _layers[d].Name + ".output");
            }
            return result;
        }

        public override Tensor?[] Backward(Tensor?[] dy, bool computeInputGradient)
        {
            var half = dy[0]!.Shape;
            var extendedShape = _extended[0]!.Shape;
            int images = half[0], inner = half[2] * half[3];
            var zeros = new float[images * Halo * inner];
            float[][] padded =
            [
                ChannelHalves.Concat([(ChannelHalves.Read(dy[0]!), _channels), (zeros, Halo)], images, inner),
                ChannelHalves.Concat([(zeros, Halo), (ChannelHalves.Read(dy[1]!), _channels)], images, inner),
            ];
            var dx = new float[2][];
            for (int d = 0; d < 2; d++)
            {
                dx[d] = ChannelHalves.Read(_layers[d].Backward(ChannelHalves.Write(Network.Devices[d], ref _gradients[d], extendedShape, padded[d], "dExtended"))!);
            }
            float[] own0 = ChannelHalves.Slice(dx[0], extendedShape, 0, _channels), lent0 = ChannelHalves.Slice(dx[1], extendedShape, 0, Halo);
            float[] own1 = ChannelHalves.Slice(dx[1], extendedShape, Halo, _channels), lent1 = ChannelHalves.Slice(dx[0], extendedShape, _channels, Halo);
            Network._halves.Moved(lent0.Length + lent1.Length);
            AddIntoChannels(own0, lent0, half, _channels - Halo); // device 0's last maps were lent to device 1
            AddIntoChannels(own1, lent1, half, 0);                // device 1's first maps were lent to device 0
            return [ChannelHalves.Write(Network.Devices[0], ref _inputGradients[0], half, own0, "dInput"), ChannelHalves.Write(Network.Devices[1], ref _inputGradients[1], half, own1, "dInput")];
        }

        public override void Dispose()
        {
            foreach (var tensor in _extended.Concat(_gradients).Concat(_outputs).Concat(_inputGradients))
            {
                tensor?.Dispose();
            }
            foreach (var layer in _layers)
            {
                layer.Dispose();
            }
        }

        /// <summary>target's channels [first, first + Halo) += part.</summary>
        private void AddIntoChannels(float[] target, float[] part, Shape shape, int first)
        {
            int inner = shape[2] * shape[3];
            for (int n = 0; n < shape[0]; n++)
            {
                var into = target.AsSpan(((n * shape[1]) + first) * inner, Halo * inner);
                System.Numerics.Tensors.TensorPrimitives.Add(into, part.AsSpan(n * Halo * inner, Halo * inner), into);
            }
        }
    }
}
