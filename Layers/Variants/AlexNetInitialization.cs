namespace AlexNet.Layers.Variants;

/// <summary>
/// How <c>alexnet</c> and <c>caffenet</c> draw their starting weights: Gaussian weights, and a
/// positive bias in conv2, conv4, conv5, fc6 and fc7 so their ReLUs start active.
/// <para>
/// <see cref="Paper"/> is section 5 of the paper: N(0, 0.01) everywhere and biases of 1. A bias of 1
/// dwarfs what the small weights pass on — at conv5 the part of an activation that depends on the
/// image is about 2% of it — so the network starts out answering the same for every image. On
/// ImageNet that phase lasts a few thousand steps, a fraction of one epoch; on a data set of a few
/// hundred images it lasts hundreds of epochs. <see cref="Caffe"/> is BVLC's reference
/// (<c>models/bvlc_alexnet/train_val.prototxt</c>): biases of 0.1 and N(0, 0.005) for fc6 and fc7;
/// the same network then learns from its first epoch.
/// </para>
/// </summary>
/// <param name="Name">what <c>--init</c> selects it by</param>
/// <param name="Weights">convolution weights and fc8's</param>
/// <param name="HiddenDenseWeights">fc6's and fc7's weights</param>
/// <param name="PositiveBias">the biases of conv2, conv4, conv5, fc6 and fc7 (the others start at 0)</param>
public sealed record AlexNetInitialization(string Name, Initializer Weights, Initializer HiddenDenseWeights, Initializer PositiveBias)
{
    /// <summary>The paper's: weights N(0, 0.01), positive biases 1.</summary>
    public static AlexNetInitialization Paper { get; } = new("paper", Initializer.Normal(0.01f), Initializer.Normal(0.01f), Initializer.Ones);

    /// <summary>BVLC Caffe's reference AlexNet: weights N(0, 0.01), fc6/fc7 N(0, 0.005), positive biases 0.1.</summary>
    public static AlexNetInitialization Caffe { get; } = new("caffe", Initializer.Normal(0.01f), Initializer.Normal(0.005f), Initializer.Constant(0.1f));

    /// <summary>Both, the paper's first (the default).</summary>
    public static IReadOnlyList<AlexNetInitialization> All { get; } = [Paper, Caffe];

    /// <summary>Their names, as <see cref="ModelVariant.Initializations"/> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(initialization => initialization.Name)];

    /// <summary>The scheme called <paramref name="name"/>; the variant has already checked it exists.</summary>
    public static AlexNetInitialization Get(string name) => All.Single(initialization => initialization.Name == name);
}
