using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.Variants;

/// <summary>
/// <c>keras-blog</c> — the "AlexNet in Keras" tutorial this project started from (17 Flowers via
/// <c>tflearn.datasets.oxflower17</c>), built as its <i>code</i> builds it, not as its prose describes
/// AlexNet. Its departures from the paper:
/// <list type="bullet">
/// <item>all convolutions unpadded ('valid') on 224×224: conv1 gives 54×54, not 55×55;</item>
/// <item>2×2 non-overlapping max pooling instead of the paper's overlapping 3×3/2;</item>
/// <item>conv2 is 11×11 (the paper's is 5×5), and no layer is grouped;</item>
/// <item>BatchNormalization (Keras defaults: ε = 1e-3, momentum 0.99, i.e. 0.01 here) after every
/// block instead of LRN after the first two;</item>
/// <item>three hidden dense layers (4096, 4096, 1000), each ReLU → Dropout 0.4 → BatchNorm, then
/// the classifier; the paper has two hidden layers with dropout 0.5;</item>
/// <item>with valid padding the maps shrink to 1×1 before Flatten, so the first dense layer sees 256
/// features, not 9216 (its <c>input_shape=(224*224*3,)</c> argument is ignored by Keras, since the
/// layer is not the first).</item>
/// </list>
/// The final <c>Activation('softmax')</c> is folded into the loss (<see cref="SoftmaxCrossEntropy"/>),
/// which is what Keras' categorical cross-entropy computes. Initialization as Keras': Glorot-uniform
/// kernels, zero biases, γ = 1, β = 0. It is trained as the tutorial was, with Keras' Adam
/// (Training/Run/Recipes.cs).
/// </summary>
public static class KerasBlog
{
    private const float BatchNormMomentum = 0.01f;   // Keras' momentum=0.99 in PyTorch's convention
    private const float BatchNormEpsilon = 1e-3f;    // Keras' default

    /// <summary>The variant: 224×224 input.</summary>
    public static ModelVariant Variant { get; } = new(
        "keras-blog",
        "the Keras AlexNet tutorial's code: valid convs, 2x2 pools, 11x11 conv2, BatchNorm for LRN, dense 4096-4096-1000 with dropout 0.4, 224x224 input",
        new Shape(3, 224, 224), 256, InputScale.Standardized,
        ["keras"], [Normalization.Batch], Layers);

    // Its batch norm is its own (after ReLU and pooling, as the tutorial's code has it): the one normalization it is built with.
    private static IEnumerable<Layer> Layers(IBackend backend, int classes, ulong seed, string initialization, string normalization)
    {
        var kernel = Initializer.GlorotUniform;
        var zero = Initializer.Zeros;
        var pool = new Pooling(Kernel: 2, Stride: 2);
        BatchNorm Norm(string name, int channels) => new(backend, name, channels, BatchNormMomentum, BatchNormEpsilon);
        return
        [
            new Conv2d(backend, "conv1", 3, 96, 11, new Convolution(Stride: 4), kernel, zero),   // [3, 224, 224] → [96, 54, 54]
            new ReLU(backend, "relu1"),
            new MaxPool2d(backend, "pool1", pool),                                               // → [96, 27, 27]
            Norm("bn1", 96),
            new Conv2d(backend, "conv2", 96, 256, 11, new Convolution(), kernel, zero),          // → [256, 17, 17]
            new ReLU(backend, "relu2"),
            new MaxPool2d(backend, "pool2", pool),                                               // → [256, 8, 8]
            Norm("bn2", 256),
            new Conv2d(backend, "conv3", 256, 384, 3, new Convolution(), kernel, zero),          // → [384, 6, 6]
            new ReLU(backend, "relu3"),
            Norm("bn3", 384),
            new Conv2d(backend, "conv4", 384, 384, 3, new Convolution(), kernel, zero),          // → [384, 4, 4]
            new ReLU(backend, "relu4"),
            Norm("bn4", 384),
            new Conv2d(backend, "conv5", 384, 256, 3, new Convolution(), kernel, zero),          // → [256, 2, 2]
            new ReLU(backend, "relu5"),
            new MaxPool2d(backend, "pool5", pool),                                               // → [256, 1, 1]
            Norm("bn5", 256),
            new Flatten(backend, "flatten"),                                                     // → [256]
            new Dense(backend, "dense1", 256, 4096, kernel, zero),
            new ReLU(backend, "relu6"),
            new Dropout(backend, "drop1", 0.4f, seed),
            Norm("bn6", 4096),
            new Dense(backend, "dense2", 4096, 4096, kernel, zero),
            new ReLU(backend, "relu7"),
            new Dropout(backend, "drop2", 0.4f, seed),
            Norm("bn7", 4096),
            new Dense(backend, "dense3", 4096, 1000, kernel, zero),
            new ReLU(backend, "relu8"),
            new Dropout(backend, "drop3", 0.4f, seed),
            Norm("bn8", 1000),
            new Dense(backend, "dense4", 1000, classes, kernel, zero),                           // softmax: in the loss
        ];
    }
}
