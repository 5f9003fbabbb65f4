using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Batch normalization per channel: Kernels/batchnorm.cu. Statistics and the backward's sums are
// block reductions (one block per channel); normalizing is elementwise. Mirrors Cpu/CpuBackend.BatchNorm.cs.
public sealed partial class CudaBackend
{
    public void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, float momentum, float epsilon,
        Tensor runningMean, Tensor runningVariance, Tensor y, Tensor savedMean, Tensor savedInverseStd)
    {
        const string op = nameof(BatchNormForwardTraining);
        var (n, c, spatial) = ChannelLayout(op, x);
        var channel = new Shape(c);
        foreach (var (tensor, name) in new[] { (gamma, nameof(gamma)), (beta, nameof(beta)), (runningMean, nameof(runningMean)),
                     (runningVariance, nameof(runningVariance)), (savedMean, nameof(savedMean)), (savedInverseStd, nameof(savedInverseStd)) })
        {
            ExpectShape(op, name, tensor, channel);
        }
        ExpectShape(op, nameof(y), y, x.Shape);
        if ((long)n * spatial < 2)
        {
            throw new ArgumentException($"{op}: x is {x.Describe()}, one value per channel; training needs at least two to estimate a variance.", nameof(x));
        }
        CheckBatchNormScalars(op, epsilon, momentum);
        LaunchBlocks(Kernel.BatchnormStatistics, c, Address(x, op), n, c, spatial, momentum, epsilon,
            Address(runningMean, op), Address(runningVariance, op), Address(savedMean, op), Address(savedInverseStd, op));
        LaunchElements(Kernel.BatchnormForward, x.Length, Address(x, op), Address(gamma, op), Address(beta, op),
            Address(savedMean, op), Address(savedInverseStd, op), c, spatial, x.Length, Address(y, op));
    }

    public void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance, float epsilon, Tensor y)
    {
        const string op = nameof(BatchNormForwardInference);
        var (_, c, spatial) = ChannelLayout(op, x);
        var channel = new Shape(c);
        foreach (var (tensor, name) in new[] { (gamma, nameof(gamma)), (beta, nameof(beta)), (runningMean, nameof(runningMean)),
                     (runningVariance, nameof(runningVariance)) })
        {
            ExpectShape(op, name, tensor, channel);
        }
        ExpectShape(op, nameof(y), y, x.Shape);
        CheckBatchNormScalars(op, epsilon, momentum: 0);
        LaunchElements(Kernel.BatchnormInferenceForward, x.Length, Address(x, op), Address(gamma, op), Address(beta, op),
            Address(runningMean, op), Address(runningVariance, op), epsilon, c, spatial, x.Length, Address(y, op));
    }

    public void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInverseStd,
        Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        const string op = nameof(BatchNormBackward);
        var (n, c, spatial) = ChannelLayout(op, x);
        var channel = new Shape(c);
        foreach (var (tensor, name) in new[] { (gamma, nameof(gamma)), (savedMean, nameof(savedMean)), (savedInverseStd, nameof(savedInverseStd)),
                     (dGamma, nameof(dGamma)), (dBeta, nameof(dBeta)) })
        {
            ExpectShape(op, name, tensor, channel);
        }
        ExpectShape(op, nameof(dy), dy, x.Shape);
        ExpectShape(op, nameof(dx), dx, x.Shape);
        ExpectDistinct(op, dx, nameof(dx), x, nameof(x));
        ExpectDistinct(op, dx, nameof(dx), dy, nameof(dy));
        using var sums = Scratch(2L * c);  // Σ dy per channel, then Σ dy·x̂ per channel
        LaunchBlocks(Kernel.BatchnormBackwardReduce, c, Address(x, op), Address(dy, op), Address(savedMean, op), Address(savedInverseStd, op),
            n, c, spatial, sums.Pointer, Address(dGamma, op), Address(dBeta, op));
        LaunchElements(Kernel.BatchnormBackward, x.Length, Address(x, op), Address(dy, op), Address(gamma, op),
            Address(savedMean, op), Address(savedInverseStd, op), sums.Pointer, n, c, spatial, x.Length, Address(dx, op));
    }

    private static void CheckBatchNormScalars(string op, float epsilon, float momentum)
    {
        if (!(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{op}: epsilon must be positive.");
        }
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{op}: momentum must be between 0 and 1.");
        }
    }
}
