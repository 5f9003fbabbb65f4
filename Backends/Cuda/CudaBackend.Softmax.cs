using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Softmax, the cross-entropy loss and top-k: Kernels/softmax.cu. The loss is reduced on the device
// (one row-loss per image, then their mean), so reading it is one 4-byte download.
// Mirrors Cpu/CpuBackend.Softmax.cs.
public sealed partial class CudaBackend
{
    public void Softmax(Tensor logits, Tensor probabilities)
    {
        const string op = nameof(Softmax);
        var (rows, classes) = AsMatrix(logits);
        ExpectShape(op, nameof(probabilities), probabilities, logits.Shape);
        LaunchBlocks(Kernel.SoftmaxForward, rows, Address(logits, op), rows, classes, Address(probabilities, op));
    }

    public void SoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probabilities, Tensor loss)
    {
        const string op = nameof(SoftmaxCrossEntropyForward);
        var (rows, classes) = AsMatrix(logits);
        ExpectLength(op, nameof(labels), labels, rows);
        ExpectShape(op, nameof(probabilities), probabilities, logits.Shape);
        ExpectDistinct(op, probabilities, nameof(probabilities), logits, nameof(logits));
        ExpectLength(op, nameof(loss), loss, 1);
        using var rowLoss = Scratch(rows);
        LaunchBlocks(Kernel.SoftmaxCrossEntropyForward, rows, Address(logits, op), Address(labels, op), rows, classes,
            Address(probabilities, op), rowLoss.Pointer);
        LaunchBlocks(Kernel.SoftmaxCrossEntropyLoss, 1, rowLoss.Pointer, rows, Address(loss, op));
    }

    public void SoftmaxCrossEntropyBackward(Tensor probabilities, Tensor labels, Tensor dLogits)
    {
        const string op = nameof(SoftmaxCrossEntropyBackward);
        var (rows, classes) = AsMatrix(probabilities);
        ExpectLength(op, nameof(labels), labels, rows);
        ExpectShape(op, nameof(dLogits), dLogits, probabilities.Shape);
        LaunchElements(Kernel.SoftmaxCrossEntropyBackward, probabilities.Length, Address(probabilities, op), Address(labels, op),
            rows, classes, Address(dLogits, op));
    }

    public void TopK(Tensor scores, int k, Tensor indices)
    {
        const string op = nameof(TopK);
        var (rows, classes) = AsMatrix(scores);
        if (k < 1 || k > classes)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"{op}: k must be between 1 and the {classes} classes of {scores.Describe()}.");
        }
        ExpectShape(op, nameof(indices), indices, new Shape(rows, k));
        ExpectDistinct(op, indices, nameof(indices), scores, nameof(scores));
        LaunchElements(Kernel.TopkForward, rows, Address(scores, op), rows, classes, k, Address(indices, op));
    }
}
