using System.Diagnostics;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// A named tensor that is part of a model's state but not trained by gradients — batch norm's running
/// mean and variance (PyTorch calls these buffers). Checkpoints save and restore them with the
/// parameters; Keras counts them as "non-trainable parameters".
/// </summary>
[DebuggerDisplay("{Name,nq} {Value.Shape}")]
public sealed class StateTensor(string name, Tensor value)
{
    /// <summary>The layer's name and the tensor's role, e.g. <c>bn1.running_mean</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The values, on the layer's backend.</summary>
    public Tensor Value { get; } = value;

    public override string ToString() => $"{Name} {Value.Shape}";
}

/// <summary>
/// A named 64-bit integer of a model's state that checkpoints save: a dropout layer's seed and the
/// number of masks it has drawn, so a resumed run draws exactly the masks the uninterrupted run would.
/// </summary>
[DebuggerDisplay("{Name,nq} = {Value}")]
public sealed class StateCounter(string name, ulong value = 0)
{
    /// <summary>The layer's name and the counter's role, e.g. <c>drop6.offset</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The current value; set it to restore a checkpoint.</summary>
    public ulong Value { get; set; } = value;

    public override string ToString() => $"{Name} = {Value}";
}
