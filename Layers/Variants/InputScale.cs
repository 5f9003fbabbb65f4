namespace AlexNet.Layers.Variants;

/// <summary>
/// The scale of the pixels a variant's initialization was designed for. The paper's networks start
/// from N(0, 0.01) weights that Krizhevsky et al. and Caffe tuned for mean-centred pixels on the
/// 0…255 scale. Networks initialized the way modern libraries do (He, Glorot, PyTorch's defaults)
/// assume inputs of unit variance.
/// </summary>
public enum InputScale
{
    /// <summary>Pixels on the 0…255 scale minus the training set's per-channel mean.</summary>
    CentredPixels,

    /// <summary>Centred pixels divided by the training set's per-channel standard deviation.</summary>
    Standardized,
}
