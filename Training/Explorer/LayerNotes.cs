using System.Globalization;
using AlexNet.Layers;

namespace AlexNet.Training.Explorer;

/// <summary>What the explorer says about a kind of layer: its formula in the paper's notation, with the layer's own numbers, and where to read more.</summary>
/// <param name="Formula">plain text, one or more lines</param>
/// <param name="DocPage">the layer's page, relative to the repository root (null: none)</param>
/// <param name="ReferenceCode">the readable reference of the op, relative to the repository root</param>
/// <param name="LayerCode">the layer's own file, relative to the repository root</param>
public sealed record LayerNote(string Formula, string? DocPage, string ReferenceCode, string LayerCode);

/// <summary>The <see cref="LayerNote"/> of each layer type, written once here.</summary>
public static class LayerNotes
{
    /// <summary>The softmax that turns the last layer's scores into the top-5 probabilities.</summary>
    public static LayerNote Softmax { get; } = new(
        "p_i = exp(z_i) / Σ_j exp(z_j)        z = the last layer's scores (logits), one per class",
        "Docs/layers/softmax-cross-entropy.md", "Backends/Reference/ReferenceBackend.Softmax.cs", "Layers/SoftmaxCrossEntropy.cs");

    /// <summary>The note for <paramref name="layer"/>; every layer type of the project has one.</summary>
    public static LayerNote For(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        return layer switch
        {
            Conv2d c => new(
                Text($"y[k, i, j] = b_k + Σ_c Σ_u Σ_v w[k, c, u, v] · x[c, {c.Convolution.Stride}·i + u − {c.Convolution.Padding}, {c.Convolution.Stride}·j + v − {c.Convolution.Padding}]")
                + Text($"\n  k = 1 … {c.OutChannels} kernels of {c.KernelSize}×{c.KernelSize}; u, v = 0 … {c.KernelSize - 1}; stride {c.Convolution.Stride}, padding {c.Convolution.Padding}")
                + (c.Convolution.Groups > 1
                    ? Text($"\n  c runs over the {c.InChannels / c.Convolution.Groups} input channels of kernel k's group ({c.Convolution.Groups} groups: the paper's two GPUs)")
                    : Text($"\n  c = 1 … {c.InChannels} input channels")),
                "Docs/layers/convolution.md", "Backends/Reference/ReferenceBackend.Convolution.cs", "Layers/Conv2d.cs"),
            ReLU => new("f(x) = max(0, x)        the paper's rectified linear unit (section 3.1), applied to every value",
                "Docs/layers/relu.md", "Backends/Reference/ReferenceBackend.Relu.cs", "Layers/ReLU.cs"),
            LocalResponseNormalization n => new(
                Text($"b^i_(x,y) = a^i_(x,y) / ( k + α · Σ_(j = max(0, i − n/2))^(min(N − 1, i + n/2)) (a^j_(x,y))² )^β")
                + Text($"\n  k = {n.Settings.K:G4}, n = {n.Settings.Size}, α = {n.Settings.Alpha:G4}, β = {n.Settings.Beta:G4}; N = the number of channels (section 3.3)"),
                "Docs/layers/local-response-normalization.md", "Backends/Reference/ReferenceBackend.Lrn.cs", "Layers/LocalResponseNormalization.cs"),
            MaxPool2d p => new(
                Text($"y[c, i, j] = max_(0 ≤ u, v < {p.Pooling.Kernel}) x[c, {p.Pooling.Stride}·i + u, {p.Pooling.Stride}·j + v]")
                + Text($"\n  z = {p.Pooling.Kernel}, s = {p.Pooling.Stride}") + (p.Pooling.Kernel > p.Pooling.Stride ? ": s < z, the paper's overlapping pooling (section 3.4)" : ""),
                "Docs/layers/max-pooling.md", "Backends/Reference/ReferenceBackend.Pooling.cs", "Layers/MaxPool2d.cs"),
            Dense d => new(
                Text($"y_k = b_k + Σ_i W[k, i] · x_i        k = 1 … {d.OutFeatures}, i = 1 … {d.InFeatures} (a fully connected layer)"),
                "Docs/layers/dense.md", "Backends/Reference/ReferenceBackend.Dense.cs", "Layers/Dense.cs"),
            Dropout o => new(
                Text($"training: y = m ⊙ x / (1 − p), m_i ∼ Bernoulli(1 − p), p = {o.Probability:G4}\ninference (here): y = x        (section 4.2; scaled while training, so the test pass is the identity)"),
                "Docs/layers/dropout.md", "Backends/Reference/ReferenceBackend.Dropout.cs", "Layers/Dropout.cs"),
            BatchNorm b => new(
                Text($"y = γ · (x − μ) / √(σ² + ε) + β        inference: μ, σ² are the running statistics; ε = {b.Epsilon:G4} (not in the 2012 paper)"),
                "Docs/layers/batch-normalization.md", "Backends/Reference/ReferenceBackend.BatchNorm.cs", "Layers/BatchNorm.cs"),
            Flatten => new("y[c·H·W + h·W + w] = x[c, h, w]        the same values, read as one vector for the dense layers",
                null, "Layers/Flatten.cs", "Layers/Flatten.cs"),
            _ => throw new ArgumentException($"The explorer has no formula for the layer type {layer.GetType().Name} ({layer.Name}); add one to {nameof(LayerNotes)}.", nameof(layer)),
        };
    }
}
