using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// Batch normalization (Ioffe & Szegedy 2015; not in the 2012 paper, offered by the batchnorm variant),
// per channel over N, H, W of [N, C, H, W] or per feature over N of [N, C]. Fast versions:
// Cpu/CpuBackend.BatchNorm.cs (two passes per channel, vectorized, over threads), Cuda/Kernels/batchnorm.cu.
public sealed partial class ReferenceBackend
{
    public void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, float momentum, float epsilon,
        Tensor runningMean, Tensor runningVariance, Tensor y, Tensor savedMean, Tensor savedInverseStd)
    {
        const string op = nameof(BatchNormForwardTraining);
        float[] vx = Values(x, nameof(x), op), vGamma = Values(gamma, nameof(gamma), op), vBeta = Values(beta, nameof(beta), op);
        float[] vRunningMean = Values(runningMean, nameof(runningMean), op), vRunningVariance = Values(runningVariance, nameof(runningVariance), op);
        Values(y, nameof(y), op);
        Values(savedMean, nameof(savedMean), op);
        Values(savedInverseStd, nameof(savedInverseStd), op);
        var (n, channels, pixels) = OpContract.BatchNormForwardTraining(x, gamma, beta, momentum, epsilon, runningMean, runningVariance, y, savedMean, savedInverseStd);
        var result = BatchNormForwardTraining(vx, vGamma, vBeta, momentum, epsilon, vRunningMean, vRunningVariance, n, channels, pixels);
        Store(result.Y, y);
        Store(result.Mean, savedMean);
        Store(result.InverseStd, savedInverseStd);
        Store(result.RunningMean, runningMean);
        Store(result.RunningVariance, runningVariance);
    }

    public void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance, float epsilon, Tensor y)
    {
        const string op = nameof(BatchNormForwardInference);
        float[] vx = Values(x, nameof(x), op), vGamma = Values(gamma, nameof(gamma), op), vBeta = Values(beta, nameof(beta), op);
        float[] vRunningMean = Values(runningMean, nameof(runningMean), op), vRunningVariance = Values(runningVariance, nameof(runningVariance), op);
        Values(y, nameof(y), op);
        var (n, channels, pixels) = OpContract.BatchNormForwardInference(x, gamma, beta, runningMean, runningVariance, epsilon, y);
        Store(BatchNormForwardInference(vx, vGamma, vBeta, vRunningMean, vRunningVariance, epsilon, n, channels, pixels), y);
    }

    public void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInverseStd, Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        const string op = nameof(BatchNormBackward);
        float[] vx = Values(x, nameof(x), op), vdy = Values(dy, nameof(dy), op), vGamma = Values(gamma, nameof(gamma), op);
        float[] vMean = Values(savedMean, nameof(savedMean), op), vInverseStd = Values(savedInverseStd, nameof(savedInverseStd), op);
        Values(dx, nameof(dx), op);
        Values(dGamma, nameof(dGamma), op);
        Values(dBeta, nameof(dBeta), op);
        var (n, channels, pixels) = OpContract.BatchNormBackward(x, dy, gamma, savedMean, savedInverseStd, dx, dGamma, dBeta);
        var (gradientX, gradientGamma, gradientBeta) = BatchNormBackward(vx, vdy, vGamma, vMean, vInverseStd, n, channels, pixels);
        Store(gradientX, dx);
        Accumulate(gradientGamma, dGamma);
        Accumulate(gradientBeta, dBeta);
    }

    /// <summary>What a training-mode batch normalization produces.</summary>
    public sealed record BatchNormTrainingResult<T>(T[] Y, T[] Mean, T[] InverseStd, T[] RunningMean, T[] RunningVariance);

    /// <summary>The flat indices of channel c's values in [N, C, pixels] (pixels = H·W, or 1 for [N, C]).</summary>
    private static IEnumerable<int> ChannelIndices(int n, int channels, int pixels, int c) =>
        Enumerable.Range(0, n).SelectMany(image => Enumerable.Range(((image * channels) + c) * pixels, pixels));

    /// <summary>Σ of x over <paramref name="indices"/>, in order.</summary>
    private static T Sum<T>(IEnumerable<int> indices, Func<int, T> term)
        where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        foreach (int i in indices)
        {
            sum += term(i);
        }
        return sum;
    }

    /// <summary>
    /// Per channel: μ = mean, σ² = biased variance, y = gamma·(x − μ)/√(σ² + ε) + beta;
    /// running ← (1 − momentum)·running + momentum·batch, with the unbiased variance σ²·M/(M − 1).
    /// </summary>
    public static BatchNormTrainingResult<T> BatchNormForwardTraining<T>(T[] x, T[] gamma, T[] beta, T momentum, T epsilon,
        T[] runningMean, T[] runningVariance, int n, int channels, int pixels)
        where T : IFloatingPointIeee754<T>
    {
        var y = new T[x.Length];
        var mean = new T[channels];
        var inverseStd = new T[channels];
        var newMean = new T[channels];
        var newVariance = new T[channels];
        T count = T.CreateChecked(n * pixels);
        for (int c = 0; c < channels; c++)
        {
            int[] indices = ChannelIndices(n, channels, pixels, c).ToArray();
            mean[c] = Sum(indices, i => x[i]) / count;
            T variance = Sum(indices, i => (x[i] - mean[c]) * (x[i] - mean[c])) / count;
            inverseStd[c] = T.One / T.Sqrt(variance + epsilon);
            foreach (int i in indices)
            {
                y[i] = (gamma[c] * (x[i] - mean[c]) * inverseStd[c]) + beta[c];
            }
            newMean[c] = ((T.One - momentum) * runningMean[c]) + (momentum * mean[c]);
            newVariance[c] = ((T.One - momentum) * runningVariance[c]) + (momentum * variance * count / (count - T.One));
        }
        return new BatchNormTrainingResult<T>(y, mean, inverseStd, newMean, newVariance);
    }

    /// <summary>y = gamma·(x − running mean)/√(running variance + ε) + beta.</summary>
    public static T[] BatchNormForwardInference<T>(T[] x, T[] gamma, T[] beta, T[] runningMean, T[] runningVariance,
        T epsilon, int n, int channels, int pixels)
        where T : IFloatingPointIeee754<T>
    {
        var y = new T[x.Length];
        for (int c = 0; c < channels; c++)
        {
            foreach (int i in ChannelIndices(n, channels, pixels, c))
            {
                y[i] = (gamma[c] * (x[i] - runningMean[c]) / T.Sqrt(runningVariance[c] + epsilon)) + beta[c];
            }
        }
        return y;
    }

    /// <summary>
    /// dx = gamma·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), dGamma = Σ dy·x̂, dBeta = Σ dy (fresh), with
    /// x̂ = (x − μ)·invStd and the forward's μ and invStd.
    /// </summary>
    public static (T[] Dx, T[] DGamma, T[] DBeta) BatchNormBackward<T>(T[] x, T[] dy, T[] gamma, T[] mean, T[] inverseStd,
        int n, int channels, int pixels)
        where T : IFloatingPointIeee754<T>
    {
        var dx = new T[x.Length];
        var dGamma = new T[channels];
        var dBeta = new T[channels];
        T count = T.CreateChecked(n * pixels);
        for (int c = 0; c < channels; c++)
        {
            int[] indices = ChannelIndices(n, channels, pixels, c).ToArray();
            T meanDy = Sum(indices, i => dy[i]) / count;
            T meanDyXHat = Sum(indices, i => dy[i] * (x[i] - mean[c]) * inverseStd[c]) / count;
            foreach (int i in indices)
            {
                T xHat = (x[i] - mean[c]) * inverseStd[c];
                dx[i] = gamma[c] * inverseStd[c] * (dy[i] - meanDy - (xHat * meanDyXHat));
            }
            dGamma[c] = meanDyXHat * count;
            dBeta[c] = meanDy * count;
        }
        return (dx, dGamma, dBeta);
    }

    /// <summary>
    /// <see cref="BatchNormBackward{T}(T[], T[], T[], T[], T[], int, int, int)"/> with μ and invStd recomputed from x
    /// as the training forward computes them: how a gradient check differentiates through the batch statistics.
    /// </summary>
    public static (T[] Dx, T[] DGamma, T[] DBeta) BatchNormBackward<T>(T[] x, T[] dy, T[] gamma, T epsilon, int n, int channels, int pixels)
        where T : IFloatingPointIeee754<T>
    {
        var ones = Enumerable.Repeat(T.One, channels).ToArray();
        var zeros = new T[channels];
        var forward = BatchNormForwardTraining(x, ones, zeros, T.Zero, epsilon, zeros, zeros, n, channels, pixels);
        return BatchNormBackward(x, dy, gamma, forward.Mean, forward.InverseStd, n, channels, pixels);
    }
}
