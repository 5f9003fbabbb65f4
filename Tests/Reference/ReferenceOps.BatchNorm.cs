namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>What a training-mode batch normalization produces.</summary>
    public sealed record BatchNormTrainingResult(double[] Y, double[] Mean, double[] InverseStd, double[] RunningMean, double[] RunningVariance);

    /// <summary>The flat indices of channel c's values in [N, C, pixels] (pixels = H·W, or 1 for [N, C]).</summary>
    private static IEnumerable<int> ChannelIndices(int n, int channels, int pixels, int c) =>
        Enumerable.Range(0, n).SelectMany(image => Enumerable.Range((((image * channels) + c) * pixels), pixels));

    /// <summary>
    /// Per channel: μ = mean, σ² = biased variance, y = gamma·(x − μ)/√(σ² + ε) + beta;
    /// running ← (1 − momentum)·running + momentum·batch, with the unbiased variance σ²·M/(M − 1).
    /// </summary>
    public static BatchNormTrainingResult BatchNormForwardTraining(double[] x, double[] gamma, double[] beta, double momentum, double epsilon,
        double[] runningMean, double[] runningVariance, int n, int channels, int pixels)
    {
        var y = new double[x.Length];
        var mean = new double[channels];
        var inverseStd = new double[channels];
        var newMean = new double[channels];
        var newVariance = new double[channels];
        int count = n * pixels;
        for (int c = 0; c < channels; c++)
        {
            int[] indices = ChannelIndices(n, channels, pixels, c).ToArray();
            mean[c] = indices.Sum(i => x[i]) / count;
            double variance = indices.Sum(i => (x[i] - mean[c]) * (x[i] - mean[c])) / count;
            inverseStd[c] = 1 / Math.Sqrt(variance + epsilon);
            foreach (int i in indices)
            {
                y[i] = (gamma[c] * (x[i] - mean[c]) * inverseStd[c]) + beta[c];
            }
            newMean[c] = ((1 - momentum) * runningMean[c]) + (momentum * mean[c]);
            newVariance[c] = ((1 - momentum) * runningVariance[c]) + (momentum * variance * count / (count - 1));
        }
        return new BatchNormTrainingResult(y, mean, inverseStd, newMean, newVariance);
    }

    /// <summary>y = gamma·(x − running mean)/√(running variance + ε) + beta.</summary>
    public static double[] BatchNormForwardInference(double[] x, double[] gamma, double[] beta, double[] runningMean, double[] runningVariance,
        double epsilon, int n, int channels, int pixels)
    {
        var y = new double[x.Length];
        for (int c = 0; c < channels; c++)
        {
            foreach (int i in ChannelIndices(n, channels, pixels, c))
            {
                y[i] = (gamma[c] * (x[i] - runningMean[c]) / Math.Sqrt(runningVariance[c] + epsilon)) + beta[c];
            }
        }
        return y;
    }

    /// <summary>
    /// dx = gamma·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), dGamma = Σ dy·x̂, dBeta = Σ dy (fresh), x̂ = (x − μ)·invStd,
    /// with μ and invStd recomputed from x.
    /// </summary>
    public static (double[] Dx, double[] DGamma, double[] DBeta) BatchNormBackward(double[] x, double[] dy, double[] gamma, double epsilon,
        int n, int channels, int pixels)
    {
        var dx = new double[x.Length];
        var dGamma = new double[channels];
        var dBeta = new double[channels];
        int count = n * pixels;
        for (int c = 0; c < channels; c++)
        {
            int[] indices = ChannelIndices(n, channels, pixels, c).ToArray();
            double mean = indices.Sum(i => x[i]) / count;
            double inverseStd = 1 / Math.Sqrt((indices.Sum(i => (x[i] - mean) * (x[i] - mean)) / count) + epsilon);
            double meanDy = indices.Sum(i => dy[i]) / count;
            double meanDyXHat = indices.Sum(i => dy[i] * (x[i] - mean) * inverseStd) / count;
            foreach (int i in indices)
            {
                double xHat = (x[i] - mean) * inverseStd;
                dx[i] = gamma[c] * inverseStd * (dy[i] - meanDy - (xHat * meanDyXHat));
            }
            dGamma[c] = meanDyXHat * count;
            dBeta[c] = meanDy * count;
        }
        return (dx, dGamma, dBeta);
    }
}
