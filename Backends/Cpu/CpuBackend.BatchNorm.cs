using AlexNet.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Batch normalization, per channel of [N, C, H, W] (over N, H, W) or per feature of [N, C] (over N).
// Either way channel c's values are N "planes" of H·W consecutive floats (H·W = 1 for [N, C]),
// so one routine serves both. Channels are independent and spread over threads; sums are taken
// plane by plane with vectors and added up in double, and the variance is summed around the
// mean (two passes) rather than as E[x²] − μ², which cancels badly when |μ| ≫ σ.
// For [N, C] (a plane is one float) the same sums run row by row over a chunk of features instead
// (CpuBackend.BatchNormFeatures.cs): a call per value would cost more than the arithmetic.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.BatchNorm.cs.
public sealed partial class CpuBackend
{
    public unsafe void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, float momentum, float epsilon,
        Tensor runningMean, Tensor runningVariance, Tensor y, Tensor savedMean, Tensor savedInverseStd)
    {
        float* px = Data(x, nameof(x));
        float* pGamma = Data(gamma, nameof(gamma));
        float* pBeta = Data(beta, nameof(beta));
        float* pRunningMean = Data(runningMean, nameof(runningMean));
        float* pRunningVariance = Data(runningVariance, nameof(runningVariance));
        float* py = Data(y, nameof(y));
        float* pSavedMean = Data(savedMean, nameof(savedMean));
        float* pSavedInverseStd = Data(savedInverseStd, nameof(savedInverseStd));
        var (n, channels, pixels) = OpContract.BatchNormForwardTraining(x, gamma, beta, momentum, epsilon, runningMean, runningVariance, y, savedMean, savedInverseStd);
        long count = (long)n * pixels;
        if (pixels == 1)
        {
            FeaturesForwardTraining(px, pGamma, pBeta, momentum, epsilon, pRunningMean, pRunningVariance, py, pSavedMean, pSavedInverseStd, n, channels);
            return;
        }

        ParallelFor(channels, c =>
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(Plane(px, i, c, channels, pixels), pixels));
            }
            float mean = (float)(sum / count);
            double squares = 0;
            for (int i = 0; i < n; i++)
            {
                squares += SimdLoops.SumOfSquaredDeviations(Plane(px, i, c, channels, pixels), mean, pixels);
            }
            double variance = squares / count;
            float inverseStd = (float)(1.0 / Math.Sqrt(variance + epsilon));

            // y = (x − μ)·(gamma·invStd) + beta
            float scale = pGamma[c] * inverseStd;
            for (int i = 0; i < n; i++)
            {
                SimdLoops.NormalizeAffine(Plane(px, i, c, channels, pixels), mean, scale, pBeta[c], Plane(py, i, c, channels, pixels), pixels);
            }

            pSavedMean[c] = mean;
            pSavedInverseStd[c] = inverseStd;
            // Running statistics use the unbiased variance (divide by M − 1), as PyTorch does.
            pRunningMean[c] = ((1 - momentum) * pRunningMean[c]) + (momentum * mean);
            pRunningVariance[c] = ((1 - momentum) * pRunningVariance[c]) + (momentum * (float)(squares / (count - 1)));
        });
    }

    public unsafe void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance, float epsilon, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* pGamma = Data(gamma, nameof(gamma));
        float* pBeta = Data(beta, nameof(beta));
        float* pRunningMean = Data(runningMean, nameof(runningMean));
        float* pRunningVariance = Data(runningVariance, nameof(runningVariance));
        float* py = Data(y, nameof(y));
        var (n, channels, pixels) = OpContract.BatchNormForwardInference(x, gamma, beta, runningMean, runningVariance, epsilon, y);
        if (pixels == 1)
        {
            FeaturesForwardInference(px, pGamma, pBeta, pRunningMean, pRunningVariance, epsilon, py, n, channels);
            return;
        }

        ParallelFor(channels, c =>
        {
            // y = (x − mean)·(gamma/√(var + ε)) + beta
            float scale = pGamma[c] / MathF.Sqrt(pRunningVariance[c] + epsilon);
            for (int i = 0; i < n; i++)
            {
                SimdLoops.NormalizeAffine(Plane(px, i, c, channels, pixels), pRunningMean[c], scale, pBeta[c], Plane(py, i, c, channels, pixels), pixels);
            }
        });
    }

    public unsafe void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInverseStd,
        Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        float* px = Data(x, nameof(x));
        float* pdy = Data(dy, nameof(dy));
        float* pGamma = Data(gamma, nameof(gamma));
        float* pSavedMean = Data(savedMean, nameof(savedMean));
        float* pSavedInverseStd = Data(savedInverseStd, nameof(savedInverseStd));
        float* pdx = Data(dx, nameof(dx));
        float* pdGamma = Data(dGamma, nameof(dGamma));
        float* pdBeta = Data(dBeta, nameof(dBeta));
        var (n, channels, pixels) = OpContract.BatchNormBackward(x, dy, gamma, savedMean, savedInverseStd, dx, dGamma, dBeta);
        long count = (long)n * pixels;
        if (pixels == 1)
        {
            FeaturesBackward(px, pdy, pGamma, pSavedMean, pSavedInverseStd, pdx, pdGamma, pdBeta, n, channels);
            return;
        }

        ParallelFor(channels, c =>
        {
            float mean = pSavedMean[c], inverseStd = pSavedInverseStd[c];
            // Σ dy and Σ dy·x̂ with x̂ = (x − μ)·invStd.
            double sumDy = 0, sumDyDeviation = 0;
            for (int i = 0; i < n; i++)
            {
                float* gradient = Plane(pdy, i, c, channels, pixels);
                sumDy += TensorPrimitives.Sum(new ReadOnlySpan<float>(gradient, pixels));
                sumDyDeviation += SimdLoops.DotWithDeviations(gradient, Plane(px, i, c, channels, pixels), mean, pixels);
            }
            double sumDyXHat = sumDyDeviation * inverseStd;

            // dx = gamma·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), per value:
            //    = dy·a + (x − μ)·b + d   with a = gamma·invStd, b = −a·invStd·mean(dy·x̂), d = −a·mean(dy).
            double a = pGamma[c] * (double)inverseStd;
            double b = -a * inverseStd * (sumDyXHat / count);
            double d = -a * (sumDy / count);
            for (int i = 0; i < n; i++)
            {
                SimdLoops.BatchNormInputGradient(Plane(pdy, i, c, channels, pixels), Plane(px, i, c, channels, pixels), mean,
                    (float)a, (float)b, (float)d, Plane(pdx, i, c, channels, pixels), pixels);
            }
            pdGamma[c] += (float)sumDyXHat;
            pdBeta[c] += (float)sumDy;
        });
    }

    /// <summary>The values of channel <paramref name="c"/> in image <paramref name="i"/>: one plane of H·W floats.</summary>
    private static unsafe float* Plane(float* data, int i, int c, int channels, int pixels) =>
        data + ((((long)i * channels) + c) * pixels);
}
