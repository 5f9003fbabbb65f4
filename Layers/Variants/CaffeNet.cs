using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.Variants;

/// <summary>
/// <c>caffenet</c> — AlexNet as BVLC's reference CaffeNet arranges it
/// (<c>models/bvlc_reference_caffenet</c>): the same layers, but max pooling <i>before</i> LRN in layers 1
/// and 2. Normalizing the pooled 27×27 and 13×13 maps instead of the 55×55 and 27×27 ones costs about
/// a quarter of the LRN work and changes accuracy little. Everything else is kept as in
/// <see cref="AlexNetPaper"/> — LRN constants, initialization, training settings — so the order is the
/// one difference. (Caffe's own prototxt leaves LRN's k at its default 1, writes alpha = 1e-4 in its
/// alpha/n convention, i.e. the paper's 2e-5, and starts fc6/fc7 at N(0, 0.005).)
/// <c>--norm batch</c> and <c>--norm none</c> change it as they change <see cref="AlexNetPaper"/>.
/// </summary>
public static class CaffeNet
{
    /// <summary>The variant: 227×227 input (Caffe's crop size), trained by the paper's recipe (Training/Run/Recipes.cs).</summary>
    public static ModelVariant Variant { get; } = new(
        "caffenet",
        "BVLC reference CaffeNet: alexnet with max pooling before LRN, 227x227 input",
        new Shape(3, 227, 227), 256, InputScale.CentredPixels,
        AlexNetInitialization.Names, Normalization.LrnFirst, Layers);

    private static IEnumerable<Layer> Layers(IBackend backend, int classes, ulong seed, string initialization, string normalization)
    {
        var init = AlexNetInitialization.Get(initialization);
        var (weights, hiddenDense, positive) = (init.Weights, init.HiddenDenseWeights, init.PositiveBias);
        var zero = Initializer.Zeros;
        var lrn = LocalResponseNorm.Paper;
        var pool = new Pooling(Kernel: 3, Stride: 2);
        var blocks = new ConvBlocks(backend, normalization);
        return
        [
            .. blocks.ConvReLU(1, 3, 96, 11, new Convolution(Stride: 4), weights, zero),              // → [96, 55, 55]
            new MaxPool2d(backend, "pool1", pool),                                                // → [96, 27, 27]
            .. blocks.Lrn(1, lrn),
            .. blocks.ConvReLU(2, 96, 256, 5, new Convolution(Padding: 2, Groups: 2), weights, positive),
            new MaxPool2d(backend, "pool2", pool),                                                // → [256, 13, 13]
            .. blocks.Lrn(2, lrn),
            .. blocks.ConvReLU(3, 256, 384, 3, new Convolution(Padding: 1), weights, zero),
            .. blocks.ConvReLU(4, 384, 384, 3, new Convolution(Padding: 1, Groups: 2), weights, positive),
            .. blocks.ConvReLU(5, 384, 256, 3, new Convolution(Padding: 1, Groups: 2), weights, positive),
            new MaxPool2d(backend, "pool5", pool),                                                // → [256, 6, 6]
            new Flatten(backend, "flatten"),
            new Dense(backend, "fc6", 256 * 6 * 6, 4096, hiddenDense, positive),
            new ReLU(backend, "relu6"),
            new Dropout(backend, "drop6", 0.5f, seed),
            new Dense(backend, "fc7", 4096, 4096, hiddenDense, positive),
            new ReLU(backend, "relu7"),
            new Dropout(backend, "drop7", 0.5f, seed),
            new Dense(backend, "fc8", 4096, classes, weights, zero),
        ];
    }
}
