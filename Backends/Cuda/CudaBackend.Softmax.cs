using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Softmax, the cross-entropy loss (integer labels and soft targets) and top-k: Kernels/softmax.cu. The loss is reduced on the device
// (one row-loss per image, then their mean), so reading it is one 4-byte download.
// Mirrors Cpu/CpuBackend.Softmax.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Softmax.cs.
public sealed partial class CudaBackend
{
    public void Softmax(Tensor logits, Tensor probabilities)
    {
        const string op = nameof(Softmax);
        var (rows, classes) = OpContract.Softmax(logits, probabilities);
        LaunchBlocks(Kernel.SoftmaxForward, rows, Address(logits, op), rows, classes, Address(probabilities, op));
    }

    public void SoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probabilities, Tensor loss)
    {
        const string op = nameof(SoftmaxCrossEntropyForward);
        var (rows, classes) = OpContract.SoftmaxCrossEntropyForward(logits, labels, probabilities, loss);
        using var rowLoss = Scratch(rows);
        LaunchBlocks(Kernel.SoftmaxCrossEntropyForward, rows, Address(logits, op), Address(labels, op), rows, classes,
            Address(probabilities, op), rowLoss.Pointer);
        LaunchBlocks(Kernel.SoftmaxCrossEntropyLoss, 1, rowLoss.Pointer, rows, Address(loss, op));
    }

    public void SoftmaxCrossEntropyBackward(Tensor probabilities, Tensor labels, Tensor dLogits)
    {
        const string op = nameof(SoftmaxCrossEntropyBackward);
        var (rows, classes) = OpContract.SoftmaxCrossEntropyBackward(probabilities, labels, dLogits);
        LaunchElements(Kernel.SoftmaxCrossEntropyBackward, probabilities.Length, Address(probabilities, op), Address(labels, op),
            rows, classes, Address(dLogits, op));
    }

    public void SoftTargetCrossEntropyForward(Tensor logits, Tensor targets, Tensor probabilities, Tensor loss)
    {
        const string op = nameof(SoftTargetCrossEntropyForward);
        var (rows, classes) = OpContract.SoftTargetCrossEntropyForward(logits, targets, probabilities, loss);
        using var rowLoss = Scratch(rows);
        LaunchBlocks(Kernel.SoftTargetCrossEntropyForward, rows, Address(logits, op), Address(targets, op), rows, classes,
            OpContract.TargetSumTolerance, Address(probabilities, op), rowLoss.Pointer);
        LaunchBlocks(Kernel.SoftmaxCrossEntropyLoss, 1, rowLoss.Pointer, rows, Address(loss, op));
    }

    public void SoftTargetCrossEntropyBackward(Tensor probabilities, Tensor targets, Tensor dLogits)
    {
        const string op = nameof(SoftTargetCrossEntropyBackward);
        var (rows, classes) = OpContract.SoftTargetCrossEntropyBackward(probabilities, targets, dLogits);
        LaunchBlocks(Kernel.SoftTargetCrossEntropyBackward, rows, Address(probabilities, op), Address(targets, op), rows, classes,
            OpContract.TargetSumTolerance, Address(dLogits, op));
    }

    public void TopK(Tensor scores, int k, Tensor indices)
    {
        const string op = nameof(TopK);
        var (rows, classes) = OpContract.TopK(scores, k, indices);
        LaunchElements(Kernel.TopkForward, rows, Address(scores, op), rows, classes, k, Address(indices, op));
    }
}
