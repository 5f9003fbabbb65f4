using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.Variants;

/// <summary>
/// <c>alexnet</c> — the network of Krizhevsky, Sutskever &amp; Hinton, "ImageNet Classification with
/// Deep Convolutional Neural Networks" (NIPS 2012), section 3 and figure 2, as one tower: the paper's
/// two GPUs become <c>groups = 2</c> in conv2, conv4 and conv5, whose kernels see only the half of the
/// previous layer's maps that lived on their own GPU (conv3 and the dense layers saw both halves).
/// <para>
/// Input 227×227, not the 224 the paper states: only 227 makes conv1's arithmetic,
/// (227 − 11)/4 + 1 = 55, give the 55×55 maps the paper describes. LRN follows ReLU in layers 1 and 2
/// with the paper's constants k = 2, n = 5, α = 1e-4, β = 0.75, and precedes the overlapping 3×3/2
/// max pooling. Initialization as section 5: weights N(0, 0.01); biases 1 in conv2, conv4, conv5,
/// fc6 and fc7 ("to accelerate the early stages of learning by providing the ReLUs with positive
/// inputs"), 0 elsewhere.
/// </para>
/// <para>
/// <c>--norm batch</c> (not the paper's): batch normalization after each of the five convolutions,
/// before its ReLU, and no LRN; those convolutions lose their biases, which the normalization would
/// cancel (<see cref="ConvBlocks"/>). <c>--norm none</c> leaves LRN out and nothing in its place.
/// </para>
/// </summary>
public static class AlexNetPaper
{
    /// <summary>The variant: 227×227 input (its training recipe: Training/Run/Recipes.cs, <c>PaperOnSmallData</c>).</summary>
    public static ModelVariant Variant { get; } = new(
        "alexnet",
        "Krizhevsky et al. 2012 as one tower (groups=2 for the two GPUs), LRN then overlapping max pooling, 227x227 input",
        new Shape(3, 227, 227), 256, InputScale.CentredPixels,
        AlexNetInitialization.Names, Normalization.LrnFirst, Layers);

    private static IEnumerable<Layer> Layers(IBackend backend, int classes, ulong seed, string initialization, string normalization)
    {
        var init = AlexNetInitialization.Get(initialization);
        var (weights, hiddenDense, positive) = (init.Weights, init.HiddenDenseWeights, init.PositiveBias);
        var zero = Initializer.Zeros;
        var lrn = LocalResponseNorm.Paper;
        var pool = new Pooling(Kernel: 3, Stride: 2);
        var blocks = new ConvBlocks(backend, normalization);   // conv → ReLU (→ LRN), or conv → BN → ReLU
        return
        [
            // Layer 1: 96 kernels 11×11×3, stride 4.                                  [3, 227, 227] → [96, 55, 55]
            .. blocks.ConvReLU(1, 3, 96, 11, new Convolution(Stride: 4), weights, zero),
            .. blocks.Lrn(1, lrn),
            new MaxPool2d(backend, "pool1", pool),                                     // → [96, 27, 27]
            // Layer 2: 256 kernels 5×5×48 — each half of the filters sees one half of the maps.
            .. blocks.ConvReLU(2, 96, 256, 5, new Convolution(Padding: 2, Groups: 2), weights, positive),
            .. blocks.Lrn(2, lrn),
            new MaxPool2d(backend, "pool2", pool),                                     // → [256, 13, 13]
            // Layer 3: 384 kernels 3×3×256, connected to both GPUs' maps.
            .. blocks.ConvReLU(3, 256, 384, 3, new Convolution(Padding: 1), weights, zero),
            // Layer 4: 384 kernels 3×3×192.
            .. blocks.ConvReLU(4, 384, 384, 3, new Convolution(Padding: 1, Groups: 2), weights, positive),
            // Layer 5: 256 kernels 3×3×192.
            .. blocks.ConvReLU(5, 384, 256, 3, new Convolution(Padding: 1, Groups: 2), weights, positive),
            new MaxPool2d(backend, "pool5", pool),                                     // → [256, 6, 6]
            new Flatten(backend, "flatten"),                                           // → [9216]
            // Layers 6 and 7: 4096 neurons each, dropout 0.5 (section 4.2).
            new Dense(backend, "fc6", 256 * 6 * 6, 4096, hiddenDense, positive),
            new ReLU(backend, "relu6"),
            new Dropout(backend, "drop6", 0.5f, seed),
            new Dense(backend, "fc7", 4096, 4096, hiddenDense, positive),
            new ReLU(backend, "relu7"),
            new Dropout(backend, "drop7", 0.5f, seed),
            // Layer 8: one logit per class; the softmax is part of the loss (SoftmaxCrossEntropy).
            new Dense(backend, "fc8", 4096, classes, weights, zero),
        ];
    }
}
