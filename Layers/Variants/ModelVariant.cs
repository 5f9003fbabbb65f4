using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers.Variants;

/// <summary>
/// One way to build AlexNet: its name, input size, initializations and layer list (see the
/// variant's own file, e.g. <see cref="AlexNetPaper"/>). <see cref="Build"/> makes an initialized
/// <see cref="Sequential"/> for any number of classes on any backend. How each variant is trained
/// (its recipe) belongs to the app: Training/Run/Recipes.cs.
/// </summary>
public sealed class ModelVariant
{
    private readonly Func<IBackend, int, ulong, string, IEnumerable<Layer>> _layers;

    /// <summary>Describes a variant.</summary>
    /// <param name="name">what the user types: <c>alexnet</c>, <c>keras-blog</c>, …</param>
    /// <param name="description">one line on what the variant is</param>
    /// <param name="inputShape">one image, [C, H, W]</param>
    /// <param name="imageSize">the side of the square images that training crops of <paramref name="inputShape"/> are taken from (256 in the paper)</param>
    /// <param name="inputScale">the scale of pixels its initialization expects</param>
    /// <param name="initializations">the names of the ways it can draw its starting weights, the default first</param>
    /// <param name="layers">builds the layers for (backend, classes, seed, initialization)</param>
    public ModelVariant(string name, string description, Shape inputShape, int imageSize, InputScale inputScale,
        IReadOnlyList<string> initializations, Func<IBackend, int, ulong, string, IEnumerable<Layer>> layers)
    {
        if (inputShape.Rank != 3 || imageSize < inputShape[1] || imageSize < inputShape[2])
        {
            throw new ArgumentException($"{name}: the input shape must be [C, H, W] no larger than the {imageSize}-pixel images, but is {inputShape}.");
        }
        if (initializations.Count == 0)
        {
            throw new ArgumentException($"{name}: a variant needs at least one initialization.", nameof(initializations));
        }
        Name = name;
        Description = description;
        InputShape = inputShape;
        ImageSize = imageSize;
        InputScale = inputScale;
        Initializations = initializations;
        _layers = layers;
    }

    /// <summary>The name the command line selects it by.</summary>
    public string Name { get; }

    /// <summary>One line on what the variant is.</summary>
    public string Description { get; }

    /// <summary>One image, [C, H, W]: [3, 227, 227] or [3, 224, 224] for the full-size variants.</summary>
    public Shape InputShape { get; }

    /// <summary>
    /// The side of the square images (shorter side resized to it, then centre-cropped) from which the
    /// input-sized crops are cut: 256 for the full-size variants, as in the paper.
    /// </summary>
    public int ImageSize { get; }

    /// <summary>The scale of pixels the variant's initialization expects.</summary>
    public InputScale InputScale { get; }

    /// <summary>
    /// The ways the variant can draw its starting weights, the default first: <c>paper</c> and
    /// <c>caffe</c> for the paper's network (see <see cref="AlexNetInitialization"/>), one each for the others.
    /// </summary>
    public IReadOnlyList<string> Initializations { get; }

    /// <summary>
    /// Builds the network for <paramref name="classes"/> classes on <paramref name="backend"/> and
    /// initializes it from <paramref name="seed"/> (the same seed gives the same weights on every
    /// backend) drawn as <paramref name="initialization"/> says (null: the variant's default, the first
    /// of <see cref="Initializations"/>). <paramref name="dropout"/>, when given, is the probability of
    /// every Dropout layer instead of the variant's (0.5 in the paper; 0 turns them into the identity).
    /// The model starts in training mode.
    /// </summary>
    public Sequential Build(IBackend backend, int classes, ulong seed, string? initialization = null, float? dropout = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (classes < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"{Name}: a classifier needs at least 2 classes.");
        }
        initialization ??= Initializations[0];
        if (!Initializations.Contains(initialization))
        {
            throw new ArgumentException($"{Name} has no initialization '{initialization}'; it starts from {string.Join(" or ", Initializations.Select(known => $"'{known}'"))}.", nameof(initialization));
        }
        var layers = new List<Layer>();
        try
        {
            foreach (var layer in _layers(backend, classes, seed, initialization))
            {
                if (layer is Dropout own && dropout is float p)
                {
                    own.Dispose();
                    layers.Add(new Dropout(backend, own.Name, p, seed));
                }
                else
                {
                    layers.Add(layer);
                }
            }
            var model = new Sequential(Name, InputShape, layers);
            model.Initialize(seed);
            return model;
        }
        catch
        {
            foreach (var layer in layers)
            {
                layer.Dispose();
            }
            throw;
        }
    }

    public override string ToString() => $"{Name}: {Description}";
}
