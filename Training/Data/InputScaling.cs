using AlexNet.Layers.Variants;

namespace AlexNet.Training.Data;

/// <summary>
/// Which input scale a variant's initialization expects. The paper's networks (<c>alexnet</c>,
/// <c>caffenet</c>) start from N(0, 0.01) weights that Krizhevsky et al. and Caffe tuned for
/// mean-centred pixels on the 0…255 scale: their inputs stay on that scale. The other variants are
/// initialized the way modern libraries do (He, Glorot, PyTorch's defaults), which assumes inputs of
/// unit variance: their centred pixels are divided by the training set's per-channel standard deviation.
/// </summary>
public static class InputScaling
{
    private static readonly HashSet<string> PixelScale = new(StringComparer.Ordinal) { "alexnet", "caffenet" };

    /// <summary>True when <paramref name="variant"/>'s inputs are standardized (divided by the per-channel std).</summary>
    public static bool Standardizes(ModelVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        return !PixelScale.Contains(variant.Name);
    }
}
