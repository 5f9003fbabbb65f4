using System.Diagnostics;
using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Layers;

/// <summary>
/// The classifier's loss: softmax of the logits, then the cross-entropy with integer labels,
/// averaged over the batch — loss = −(1/N)·Σ_n log softmax(z_n)[label_n], the paper's "multinomial
/// logistic regression objective". Kept outside the model, as in Caffe's SoftmaxWithLoss: the model
/// ends with the logits, and the softmax and the loss are fused, which is both numerically stable
/// and gives the simple gradient (p − onehot(label))/N.
/// <para>Shapes: logits [N, K], labels [N] (whole numbers 0 … K−1 stored as floats) → loss [1];
/// probabilities [N, K] are kept for the backward pass and for accuracy.</para>
/// <para>Given target distributions q [N, K] in place of labels (label smoothing, mixup, cutmix), the
/// loss is −(1/N)·Σ_n Σ_k q[n, k]·log p[n, k] and its gradient (p − q)/N
/// (<see cref="IBackend.SoftTargetCrossEntropyForward"/>); one-hot q gives the same numbers as the labels.</para>
/// </summary>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
public sealed class SoftmaxCrossEntropy(IBackend backend) : IDisposable
{
    private Tensor? _probabilities;
    private Tensor? _labels;
    private Tensor? _logitsGradient;
    private Tensor? _loss;

    /// <summary>The backend every tensor of the loss lives on.</summary>
    public IBackend Backend { get; } = backend ?? throw new ArgumentNullException(nameof(backend));

    /// <summary>softmax(logits) [N, K] of the last forward pass, or null before the first.</summary>
    public Tensor? Probabilities => _probabilities;

    /// <summary>The mean loss [1] of the last forward pass, or null before the first.</summary>
    public Tensor? Loss => _loss;

    /// <summary>Computes the probabilities and the mean loss, returned as a [1] tensor owned by this object.</summary>
    /// <param name="logits">[N, K]</param>
    /// <param name="labels">[N], whole numbers 0 … K−1; or target distributions [N, K], each row summing to 1</param>
    public Tensor Forward(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        bool soft = labels.Shape.Rank == 2;
        if (logits.Shape.Rank != 2 || (soft ? labels.Shape != logits.Shape : labels.Shape.Rank != 1 || labels.Shape.N != logits.Shape.N))
        {
            throw new ArgumentException($"loss: expects logits [N, K] and labels [N] or targets [N, K] but got {logits.Describe()} and {labels.Describe()}.");
        }
        if (!ReferenceEquals(logits.Device, Backend) || !ReferenceEquals(labels.Device, Backend))
        {
            throw new ArgumentException($"loss: {logits.Describe()} and {labels.Describe()} must live on {Backend.Name}.");
        }
        var probabilities = Reuse(ref _probabilities, logits.Shape, "loss.probabilities");
        var loss = Reuse(ref _loss, new Shape(1), "loss");
        _labels = labels;
        if (soft)
        {
            Backend.SoftTargetCrossEntropyForward(logits, labels, probabilities, loss);
        }
        else
        {
            Backend.SoftmaxCrossEntropyForward(logits, labels, probabilities, loss);
        }
        return loss;
    }

    /// <summary>dLoss/dLogits = (p − onehot(label))/N, or (p − q)/N for targets, for the last forward pass, owned by this object.</summary>
    public Tensor Backward()
    {
        var probabilities = _probabilities ?? throw new InvalidOperationException("loss: Backward was called before Forward.");
        var logitsGradient = Reuse(ref _logitsGradient, probabilities.Shape, "loss.dLogits");
        if (_labels!.Shape.Rank == 2)
        {
            Backend.SoftTargetCrossEntropyBackward(probabilities, _labels, logitsGradient);
        }
        else
        {
            Backend.SoftmaxCrossEntropyBackward(probabilities, _labels, logitsGradient);
        }
        return logitsGradient;
    }

    public void Dispose()
    {
        _probabilities?.Dispose();
        _logitsGradient?.Dispose();
        _loss?.Dispose();
    }

    private Tensor Reuse(ref Tensor? tensor, Shape shape, string name)
    {
        if (tensor is null || tensor.Shape != shape)
        {
            tensor?.Dispose();
            tensor = Backend.Allocate(shape, name);
        }
        return tensor;
    }

    private string DebuggerDisplay => _probabilities is null ? "softmax cross-entropy (not run yet)" : $"softmax cross-entropy over {_probabilities.Shape}";
}
