using AlexNet.Tensors;

namespace AlexNet.Layers.ModelParallel;

public sealed partial class TwoDeviceNetwork
{
    /// <summary>
    /// Where the next layer reads every channel: each device sends its half to the other, and both
    /// then hold the whole activation (conv3, fc6, fc7 and the loss in the paper's Figure 2).
    /// Backward: each device's layer above returns a gradient for the whole activation, its own
    /// contribution; the true gradient of a half is the sum of both devices' contributions to it,
    /// so each device sends the other the part that belongs to the other's half and adds what it receives.
    /// </summary>
    private sealed class Gather(TwoDeviceNetwork network, Shape oneImage) : Stage(network)
    {
        private readonly Tensor?[] _whole = new Tensor?[2];
        private readonly Tensor?[] _halfGradients = new Tensor?[2];
        private Shape[] _halfShapes = [];

        public override IEnumerable<Layer> Layers => [];

        public override Tensor?[] Forward(Tensor?[] x)
        {
            _halfShapes = [x[0]!.Shape, x[1]!.Shape];
            int images = x[0]!.Shape[0], inner = oneImage.Length / oneImage.C;
            float[] half0 = ChannelHalves.Read(x[0]!), half1 = ChannelHalves.Read(x[1]!);
            float[] whole = ChannelHalves.Concat([(half0, x[0]!.Shape[1]), (half1, x[1]!.Shape[1])], images, inner);
            Network._halves.Moved(half0.Length + half1.Length);
            var shape = WholeShape(x[0]!.Shape, oneImage.C);
            return [ChannelHalves.Write(Network.Devices[0], ref _whole[0], shape, whole, "gathered"), ChannelHalves.Write(Network.Devices[1], ref _whole[1], shape, whole, "gathered")];
        }

        public override Tensor?[] Backward(Tensor?[] dy, bool computeInputGradient)
        {
            var shape = _whole[0]!.Shape;
            int c0 = _halfShapes[0][1], c1 = _halfShapes[1][1];
            float[] mine0 = ChannelHalves.Read(dy[0]!);
            // The loss's gradient exists on device 0 only: device 1 contributes nothing there.
            float[] mine1 = dy[1] is null ? new float[mine0.Length] : ChannelHalves.Read(dy[1]!);
            float[] d0 = ChannelHalves.Slice(mine0, shape, 0, c0), fromOther0 = ChannelHalves.Slice(mine1, shape, 0, c0);
            float[] d1 = ChannelHalves.Slice(mine1, shape, c0, c1), fromOther1 = ChannelHalves.Slice(mine0, shape, c0, c1);
            Network._halves.Moved(dy[1] is null ? fromOther1.Length : fromOther0.Length + fromOther1.Length);
            System.Numerics.Tensors.TensorPrimitives.Add(d0, fromOther0, d0);
            System.Numerics.Tensors.TensorPrimitives.Add(d1, fromOther1, d1);
            return [ChannelHalves.Write(Network.Devices[0], ref _halfGradients[0], _halfShapes[0], d0, "dHalf"), ChannelHalves.Write(Network.Devices[1], ref _halfGradients[1], _halfShapes[1], d1, "dHalf")];
        }

        public override void Dispose()
        {
            foreach (var tensor in _whole.Concat(_halfGradients))
            {
                tensor?.Dispose();
            }
        }

        private static Shape WholeShape(Shape half, int channels) => half.Rank == 4
            ? new Shape(half[0], channels, half[2], half[3])
            : new Shape(half[0], channels);
    }
}
