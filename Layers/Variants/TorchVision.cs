using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.Variants;

/// <summary>
/// <c>torchvision</c> — <c>torchvision.models.alexnet</c>, which follows Krizhevsky's later one-GPU
/// network ("One weird trick for parallelizing convolutional neural networks", 2014) rather than the
/// 2012 paper: 64-192-384-256-256 filters, conv1 padded by 2 so a 224×224 input gives 55×55 maps,
/// no LRN, no groups, and dropout <i>before</i> fc6 and fc7.
/// <para>
/// torchvision puts <c>AdaptiveAvgPool2d((6, 6))</c> between pool5 and the classifier so that other
/// input sizes still give 6×6 maps. On the 224×224 input this variant accepts, pool5 already
/// outputs 6×6, and an adaptive average pool from 6×6 to 6×6 averages 1×1 windows: the identity. It
/// is therefore left out; the parameter count (61,100,840 for 1000 classes) and every output are
/// unchanged.
/// </para>
/// <para>
/// Initialization: torchvision keeps PyTorch's defaults — weights and biases uniform in ±1/√fan_in
/// (<see cref="Initializer.PyTorchDefault"/>). It is trained by torchvision's reference recipe
/// (<c>references/classification</c>, batch 256 as 32 on each of 8 GPUs; Training/Run/Recipes.cs).
/// </para>
/// <para>
/// <c>--norm batch</c> (torchvision has no batch-normalized AlexNet; its <c>vgg11_bn</c> is built the
/// same way): batch normalization after each convolution, before its ReLU, and those convolutions
/// without biases (<see cref="ConvBlocks"/>).
/// </para>
/// </summary>
public static class TorchVision
{
    /// <summary>The variant: 224×224 input.</summary>
    public static ModelVariant Variant { get; } = new(
        "torchvision",
        "torchvision.models.alexnet: 64-192-384-256-256 filters, no LRN, no groups, dropout before fc6/fc7, 224x224 input",
        new Shape(3, 224, 224), 256, InputScale.Standardized,
        ["pytorch"], [Normalization.None, Normalization.Batch], Layers);

    private static IEnumerable<Layer> Layers(IBackend backend, int classes, ulong seed, string initialization, string normalization)
    {
        var init = Initializer.PyTorchDefault;
        var pool = new Pooling(Kernel: 3, Stride: 2);
        var blocks = new ConvBlocks(backend, normalization);
        return
        [
            .. blocks.ConvReLU(1, 3, 64, 11, new Convolution(Stride: 4, Padding: 2), init, init),                 // [3, 224, 224] → [64, 55, 55]
            new MaxPool2d(backend, "pool1", pool),                                                         // → [64, 27, 27]
            .. blocks.ConvReLU(2, 64, 192, 5, new Convolution(Padding: 2), init, init),
            new MaxPool2d(backend, "pool2", pool),                                                         // → [192, 13, 13]
            .. blocks.ConvReLU(3, 192, 384, 3, new Convolution(Padding: 1), init, init),
            .. blocks.ConvReLU(4, 384, 256, 3, new Convolution(Padding: 1), init, init),
            .. blocks.ConvReLU(5, 256, 256, 3, new Convolution(Padding: 1), init, init),
            new MaxPool2d(backend, "pool5", pool),                                                         // → [256, 6, 6]
            // (torchvision's AdaptiveAvgPool2d((6, 6)) would sit here: the identity on 6×6 maps.)
            new Flatten(backend, "flatten"),
            new Dropout(backend, "drop6", 0.5f, seed),
            new Dense(backend, "fc6", 256 * 6 * 6, 4096, init, init),
            new ReLU(backend, "relu6"),
            new Dropout(backend, "drop7", 0.5f, seed),
            new Dense(backend, "fc7", 4096, 4096, init, init),
            new ReLU(backend, "relu7"),
            new Dense(backend, "fc8", 4096, classes, init, init),
        ];
    }
}
