using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Batch normalization per channel: Kernels/batchnorm.cu. Statistics and the backward's sums are
// block reductions (one block per channel); normalizing is elementwise. Mirrors Cpu/CpuBackend.BatchNorm.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.BatchNorm.cs.
public sealed partial class CudaBackend
{
    public void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, float momentum, float epsilon,
        Tensor runningMean, Tensor runningVariance, Tensor y, Tensor savedMean, Tensor savedInverseStd)
    {
        const string op = nameof(BatchNormForwardTraining);
        var (n, c, spatial) = OpContract.BatchNormForwardTraining(x, gamma, beta, momentum, epsilon, runningMean, runningVariance, y, savedMean, savedInverseStd);
        LaunchBlocks(Kernel.BatchnormStatistics, c, Address(x, op), n, c, spatial, momentum, epsilon,
            Address(runningMean, op), Address(runningVariance, op), Address(savedMean, op), Address(savedInverseStd, op));
        LaunchElements(Kernel.BatchnormForward, x.Length, Address(x, op), Address(gamma, op), Address(beta, op),
            Address(savedMean, op), Address(savedInverseStd, op), c, spatial, x.Length, Address(y, op));
    }

    public void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance, float epsilon, Tensor y)
    {
        const string op = nameof(BatchNormForwardInference);
        var (_, c, spatial) = OpContract.BatchNormForwardInference(x, gamma, beta, runningMean, runningVariance, epsilon, y);
        LaunchElements(Kernel.BatchnormInferenceForward, x.Length, Address(x, op), Address(gamma, op), Address(beta, op),
            Address(runningMean, op), Address(runningVariance, op), epsilon, c, spatial, x.Length, Address(y, op));
    }

    public void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInverseStd,
        Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        const string op = nameof(BatchNormBackward);
        var (n, c, spatial) = OpContract.BatchNormBackward(x, dy, gamma, savedMean, savedInverseStd, dx, dGamma, dBeta);
        using var sums = Scratch(2L * c);  // Σ dy per channel, then Σ dy·x̂ per channel
        LaunchBlocks(Kernel.BatchnormBackwardReduce, c, Address(x, op), Address(dy, op), Address(savedMean, op), Address(savedInverseStd, op),
            n, c, spatial, sums.Pointer, Address(dGamma, op), Address(dBeta, op));
        LaunchElements(Kernel.BatchnormBackward, x.Length, Address(x, op), Address(dy, op), Address(gamma, op),
            Address(savedMean, op), Address(savedInverseStd, op), sums.Pointer, n, c, spatial, x.Length, Address(dx, op));
    }
}
