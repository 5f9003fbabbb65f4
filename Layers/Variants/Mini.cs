using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.Variants;

/// <summary>
/// <c>mini</c> — the paper's network in miniature, for tests and quick demos: the same sequence of
/// layers (conv → ReLU → LRN → overlapping pool, twice; three 3×3 convolutions, two of them grouped;
/// pool; two hidden dense layers with dropout 0.5; classifier) on 64×64 images with a sixth to an
/// eighth of the filters and 1/16 of the dense width, so one training step on a CPU takes
/// milliseconds (about 4.5 million multiply-accumulates per image, under 1% of AlexNet's).
/// <para>
/// Initialization: He-normal weights (std √(2/fan_in), made for ReLU networks) and zero biases —
/// the paper's fixed N(0, 0.01) is tuned for its own layer widths and starts this small network too
/// quietly. Its training recipe (Training/Run/Recipes.cs) is chosen for quick demos, not tuned.
/// <c>--norm batch</c> and <c>--norm none</c> change it as they change <see cref="AlexNetPaper"/>.
/// </para>
/// </summary>
public static class Mini
{
    /// <summary>The variant: 64×64 crops from 72×72 images (the paper's 227/256 ratio).</summary>
    public static ModelVariant Variant { get; } = new(
        "mini",
        "alexnet in miniature for tests and demos: the same layer sequence on 64x64 images with 16-32-48-48-32 filters and 256-wide dense layers",
        new Shape(3, 64, 64), 72, InputScale.Standardized,
        ["he"], Normalization.LrnFirst, Layers);

    private static IEnumerable<Layer> Layers(IBackend backend, int classes, ulong seed, string initialization, string normalization)
    {
        var weights = Initializer.HeNormal;
        var zero = Initializer.Zeros;
        var lrn = LocalResponseNorm.Paper;
        var pool = new Pooling(Kernel: 3, Stride: 2);
        var blocks = new ConvBlocks(backend, normalization);
        return
        [
            .. blocks.ConvReLU(1, 3, 16, 7, new Convolution(Stride: 2), weights, zero),                         // [3, 64, 64] → [16, 29, 29]
            .. blocks.Lrn(1, lrn),
            new MaxPool2d(backend, "pool1", pool),                                                           // → [16, 14, 14]
            .. blocks.ConvReLU(2, 16, 32, 5, new Convolution(Padding: 2, Groups: 2), weights, zero),
            .. blocks.Lrn(2, lrn),
            new MaxPool2d(backend, "pool2", pool),                                                           // → [32, 6, 6]
            .. blocks.ConvReLU(3, 32, 48, 3, new Convolution(Padding: 1), weights, zero),
            .. blocks.ConvReLU(4, 48, 48, 3, new Convolution(Padding: 1, Groups: 2), weights, zero),
            .. blocks.ConvReLU(5, 48, 32, 3, new Convolution(Padding: 1, Groups: 2), weights, zero),
            new MaxPool2d(backend, "pool5", pool),                                                           // → [32, 2, 2]
            new Flatten(backend, "flatten"),                                                                 // → [128]
            new Dense(backend, "fc6", 32 * 2 * 2, 256, weights, zero),
            new ReLU(backend, "relu6"),
            new Dropout(backend, "drop6", 0.5f, seed),
            new Dense(backend, "fc7", 256, 256, weights, zero),
            new ReLU(backend, "relu7"),
            new Dropout(backend, "drop7", 0.5f, seed),
            new Dense(backend, "fc8", 256, classes, weights, zero),
        ];
    }
}
