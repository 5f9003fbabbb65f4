using AlexNet.Backends;

namespace AlexNet.Layers.Variants;

/// <summary>
/// How a variant normalizes its convolutions (<c>--norm</c>): <see cref="LocalResponse"/> (the
/// paper's LRN after the ReLUs of layers 1 and 2), <see cref="Batch"/> (batch normalization after
/// every convolution, before its ReLU, in place of LRN) or <see cref="None"/>. Each variant lists
/// the ones it can be built with, its own first (<see cref="ModelVariant.Normalizations"/>).
/// </summary>
public static class Normalization
{
    /// <summary>No normalization: torchvision's own; for alexnet, the paper's network without LRN.</summary>
    public const string None = "none";

    /// <summary>Local response normalization, the paper's (section 3.3).</summary>
    public const string LocalResponse = "lrn";

    /// <summary>Batch normalization after each convolution (Ioffe &amp; Szegedy 2015).</summary>
    public const string Batch = "batch";

    /// <summary>
    /// What alexnet, caffenet and mini can be built with: their LRN, batch norm in its place, or neither.
    /// </summary>
    public static IReadOnlyList<string> LrnFirst { get; } = [LocalResponse, Batch, None];

    /// <summary>
    /// batch norm's momentum and ε for the AlexNet variants: PyTorch's <c>BatchNorm2d</c> defaults, as in
    /// torchvision's batch-normalized networks (<c>vgg11_bn</c> and the others).
    /// </summary>
    public const float BatchMomentum = 0.1f;

    /// <inheritdoc cref="BatchMomentum"/>
    public const float BatchEpsilon = 1e-5f;
}

/// <summary>
/// Builds the convolution blocks of a variant under a <see cref="Normalization"/>: conv → ReLU, or
/// conv (without bias) → BatchNorm → ReLU under batch norm, and the LRN layers that only
/// <see cref="Normalization.LocalResponse"/> keeps. Layer names follow the paper's numbering: conv1,
/// bn1, relu1, norm1.
/// </summary>
/// <param name="backend">where the layers compute</param>
/// <param name="normalization">one of <see cref="Normalization"/>'s names</param>
public sealed class ConvBlocks(IBackend backend, string normalization)
{
    /// <summary>Layer <paramref name="layer"/>'s convolution and ReLU, with batch norm between them under <see cref="Normalization.Batch"/>.</summary>
    /// <remarks>
    /// Under batch norm the convolution has no bias and <paramref name="biases"/> is not used: the
    /// normalization subtracts the channel's mean, so a bias would cancel out (and get a zero
    /// gradient); batch norm's β is the shift instead.
    /// </remarks>
    public IEnumerable<Layer> ConvReLU(int layer, int inChannels, int outChannels, int kernelSize, Convolution convolution, Initializer weights, Initializer biases)
    {
        bool batch = normalization == Normalization.Batch;
        yield return new Conv2d(backend, $"conv{layer}", inChannels, outChannels, kernelSize, convolution, weights, biases, bias: !batch);
        if (batch)
        {
            yield return new BatchNorm(backend, $"bn{layer}", outChannels, Normalization.BatchMomentum, Normalization.BatchEpsilon);
        }
        yield return new ReLU(backend, $"relu{layer}");
    }

    /// <summary>Layer <paramref name="layer"/>'s LRN under <see cref="Normalization.LocalResponse"/>; nothing otherwise.</summary>
    public IEnumerable<Layer> Lrn(int layer, LocalResponseNorm settings)
    {
        if (normalization == Normalization.LocalResponse)
        {
            yield return new LocalResponseNormalization(backend, $"norm{layer}", settings);
        }
    }
}
