// FineTuning: train --init-from — which weights are copied, which layers freeze, and at what rate the features learn.

using System.Globalization;
using AlexNet.Layers;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;

namespace AlexNet.Training.Interop;

/// <summary>
/// How a run starts from another checkpoint's weights (<c>train --init-from</c>), recorded in its
/// <see cref="TrainingState"/> so a resumed run trains the same parameters at the same rates. The
/// <i>features</i> are the layers up to and including Flatten (convolutions, pooling, normalization), the
/// <i>classifier</i> the dense layers after it. The last layer is replaced (drawn afresh from the run's
/// seed) when the data's classes differ from the checkpoint's.
/// </summary>
/// <param name="InitFrom">the checkpoint the weights came from</param>
/// <param name="Freeze"><c>features</c> to train the classifier only, or null</param>
/// <param name="FeaturesLearningRateScale">the factor on the learning rate of the features' parameters (1: the same rate)</param>
public sealed record FineTuning(string InitFrom, string? Freeze, double FeaturesLearningRateScale)
{
    /// <summary>The one part of a network <c>--freeze</c> can name.</summary>
    public const string Features = "features";

    /// <summary>Checks the settings as the command line gives them.</summary>
    /// <exception cref="AppException">Freezing and a features rate scale together, an unknown part, or a scale that is not a positive number.</exception>
    public FineTuning Validated()
    {
        if (Freeze is not null && Freeze != Features)
        {
            throw new AppException($"--freeze {Freeze} is not a part of the network; the one that can be frozen is '{Features}' (every layer up to Flatten).");
        }
        if (!(FeaturesLearningRateScale > 0) || !double.IsFinite(FeaturesLearningRateScale))
        {
            throw new AppException(string.Create(CultureInfo.InvariantCulture,
                $"--features-lr-scale {FeaturesLearningRateScale} is out of range; expected a positive number such as 0.1 (to stop the features learning, use --freeze features)."));
        }
        if (Freeze is not null && FeaturesLearningRateScale != 1)
        {
            throw new AppException("--freeze features and --features-lr-scale exclude each other: frozen features have no learning rate to scale.");
        }
        return this;
    }

    /// <summary>The number of layers that make up the features: up to and including the Flatten.</summary>
    /// <exception cref="AppException">The model has no Flatten, so features and classifier cannot be told apart.</exception>
    public static int FeatureLayers(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int flatten = model.Layers.ToList().FindIndex(layer => layer is Flatten);
        return flatten >= 0 ? flatten + 1
            : throw new AppException($"{model.Name} has no Flatten layer, so its features and classifier cannot be told apart for fine-tuning.");
    }

    /// <summary>Freezes the features in <paramref name="model"/> when asked; returns the parameters to train and their learning-rate scales.</summary>
    public (IReadOnlyList<Parameter> Parameters, IReadOnlyList<float> RateScales) Apply(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int features = FeatureLayers(model);
        model.FrozenLayers = Freeze == Features ? features : 0;
        var parameters = new List<Parameter>();
        var scales = new List<float>();
        for (int i = model.FrozenLayers; i < model.Layers.Count; i++)
        {
            foreach (var parameter in model.Layers[i].Parameters)
            {
                parameters.Add(parameter);
                scales.Add(i < features ? (float)FeaturesLearningRateScale : 1f);
            }
        }
        return (parameters, scales);
    }

    /// <summary>
    /// Copies every parameter and batch-norm statistic of <paramref name="init"/> into <paramref name="model"/>,
    /// except the last layer's when <paramref name="classNames"/> differ from the checkpoint's (it keeps
    /// its fresh initialization). Returns the name of the replaced layer, or null when all was copied.
    /// </summary>
    /// <exception cref="AppException">The checkpoint's tensors do not fit the model; every mismatch is named.</exception>
    public static string? LoadWeights(Sequential model, Checkpoint init, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(classNames);
        var last = model.Layers.Last(layer => layer.Parameters.Count > 0);
        bool replace = !init.State.ClassNames.SequenceEqual(classNames);
        var targets = model.Layers.Where(layer => !(replace && ReferenceEquals(layer, last)))
            .SelectMany(layer => layer.Parameters.Select(p => (p.Name, p.Value)).Concat(layer.Buffers.Select(b => (b.Name, b.Value))))
            .ToList();
        var problems = new List<string>();
        foreach (var (name, tensor) in targets)
        {
            if (!init.Tensors.TryGetValue(name, out var stored))
            {
                problems.Add($"{name} is missing");
            }
            else if (stored.DType != "F32" || !stored.Shape.SequenceEqual(tensor.Shape.ToArray()))
            {
                problems.Add($"{name} is {stored.DType} [{string.Join(", ", stored.Shape)}], the model needs F32 {tensor.Shape}");
            }
        }
        if (problems.Count > 0)
        {
            throw new AppException($"--init-from {init.Path} ({init.State.Model}) does not fit {model.Name}: {string.Join("; ", problems)}.");
        }
        foreach (var (name, tensor) in targets)
        {
            tensor.Device.Upload(init.Tensors[name].AsFloats(), tensor);
        }
        return replace ? last.Name : null;
    }

    /// <summary>
    /// The preprocessing of a fine-tuning run: the new training set's sizes and PCA, but the mean and
    /// scale the checkpoint's features were trained with (for ImageNet weights, ImageNet's).
    /// </summary>
    public static Preprocessing KeepInputScale(Preprocessing measured, Preprocessing init)
    {
        ArgumentNullException.ThrowIfNull(measured);
        ArgumentNullException.ThrowIfNull(init);
        return measured with { Mean = init.Mean, Scale = init.Scale };
    }

    /// <summary>One line on what the run starts from, e.g. "Fine-tuning from imagenet.safetensors: fc8 drawn afresh for 17 classes, features frozen".</summary>
    public string Describe(string? replaced, int classes) =>
        $"Fine-tuning from {InitFrom}: {(replaced is null ? "every layer loaded" : $"{replaced} drawn afresh for {classes} classes")}, " +
        (Freeze == Features ? "features frozen (only the classifier trains)"
            : FeaturesLearningRateScale != 1 ? string.Create(CultureInfo.InvariantCulture, $"features at {FeaturesLearningRateScale:G4}× the learning rate")
            : "every layer at the full learning rate");
}
