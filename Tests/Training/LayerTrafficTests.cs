using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Tests.Layers;
using AlexNet.Training.Benchmarking;

namespace AlexNet.Tests.Training;

/// <summary>The bytes <c>bench --layers</c> divides by the times: every tensor an op must read or write, counted by hand here.</summary>
public sealed class LayerTrafficTests
{
    private static IBackend Backend => LayerTestData.Cpu;

    [Fact]
    public void A_relu_reads_x_and_writes_y_and_its_backward_reads_y_and_dy_and_writes_dx_unless_the_layers_beside_it_do()
    {
        using var relu = new ReLU(Backend, "relu");
        var shape = new Shape(2, 3, 4, 5);   // 120 floats
        Assert.Equal((4L * 240, 4L * 360), LayerTraffic.Bytes(relu, shape, inputGradient: true, fusedIntoNext: false));
        Assert.Equal((4L * 240, 0L), LayerTraffic.Bytes(relu, shape, inputGradient: true, fusedIntoNext: true));
        Assert.Equal((4L * 240, 4L * 240), LayerTraffic.Bytes(relu, shape, inputGradient: false, fusedIntoNext: false));
        // A convolution before it does its forward in its own write-out: nothing more moves.
        Assert.Equal((0L, 4L * 360), LayerTraffic.Bytes(relu, shape, inputGradient: true, fusedIntoNext: false, fusedIntoPrevious: true));
    }

    [Fact]
    public void A_dense_layer_moves_its_input_weights_and_output_and_its_backward_also_reads_and_writes_the_gradients()
    {
        using var dense = new Dense(Backend, "fc", 4, 3, Initializer.Zeros, Initializer.Zeros);
        var shape = new Shape(2, 4);         // x 8, weights 12 + bias 3, y 6
        long forward = 8 + 15 + 6;
        long backward = 6 + 8 + 15 + (2 * 15) + 8;   // dy, x, weights (for dx), dWeight and dBias read and written, dx
        Assert.Equal((4 * forward, 4 * backward), LayerTraffic.Bytes(dense, shape, inputGradient: true, fusedIntoNext: false));
        Assert.Equal(4L * 6 * 100, LayerTraffic.UpdateBytes(100));
        // Adam and AdamW: zero g, then read g, m, v, w and write m, v, w.
        Assert.Equal(4L * 8 * 100, LayerTraffic.UpdateBytes(100, AlexNet.Training.Run.OptimizerKind.Adam));
        Assert.Equal(4L * 8 * 100, LayerTraffic.UpdateBytes(100, AlexNet.Training.Run.OptimizerKind.AdamW));
    }
}
