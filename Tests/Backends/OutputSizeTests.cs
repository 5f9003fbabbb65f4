using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>The output-size formula (W − F + 2P)/S + 1 on AlexNet's own layers: 227 → 55 → 27 → 13 → 6.</summary>
public sealed class OutputSizeTests
{
    [Fact]
    public void AlexNets_feature_maps_shrink_from_227_to_6()
    {
        var overlappingPool = new Pooling(Kernel: 3, Stride: 2);
        int conv1 = new Convolution(Stride: 4).OutputSize(227, kernelSize: 11);
        Assert.Equal(55, conv1);
        int pool1 = overlappingPool.OutputSize(conv1);
        Assert.Equal(27, pool1);
        int conv2 = new Convolution(Padding: 2, Groups: 2).OutputSize(pool1, kernelSize: 5);
        Assert.Equal(27, conv2);
        int pool2 = overlappingPool.OutputSize(conv2);
        Assert.Equal(13, pool2);
        int conv3to5 = new Convolution(Padding: 1).OutputSize(pool2, kernelSize: 3);
        Assert.Equal(13, conv3to5);
        Assert.Equal(6, overlappingPool.OutputSize(conv3to5));
    }

    [Fact]
    public void A_kernel_larger_than_the_padded_input_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Convolution(Padding: 1).OutputSize(3, kernelSize: 6));
        Assert.Throws<ArgumentException>(() => new Pooling(3, 2).OutputSize(2));
    }

    /// <summary>conv1 of the paper on one 227×227 image: the backends accept exactly the 55×55 output.</summary>
    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Conv1_maps_a_227_image_to_55x55(string backend) => TestBackends.Run(backend, b =>
    {
        using var x = b.Allocate(new Shape(1, 3, 227, 227), "image");
        using var weight = b.Allocate(new Shape(96, 3, 11, 11), "conv1.weight");
        using var y = b.Allocate(new Shape(1, 96, 55, 55), "conv1.output");
        using var wrong = b.Allocate(new Shape(1, 96, 56, 56), "wrong");
        b.Conv2dForward(x, weight, null, new Convolution(Stride: 4), y);
        Assert.Throws<ArgumentException>(() => b.Conv2dForward(x, weight, null, new Convolution(Stride: 4), wrong));
    });
}
