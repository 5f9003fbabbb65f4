namespace AlexNet.Backends.Cpu;

// Batch normalization of [N, C] (after a dense layer): the formulas of CpuBackend.BatchNorm.cs, each
// feature over the N rows, but computed for a chunk of features at a time, row after row, so every
// pass reads consecutive floats — per feature, a plane is a single float, and a call per float
// (what the [N, C, H, W] loops would make) costs far more than the arithmetic. The sums are added
// in double in row order and every float operation is the one the plane loops do on one value, so
// the results are the same to the bit. Chunks of features go to the threads.
public sealed partial class CpuBackend
{
    /// <summary>Features per chunk: its sums (2 × 8 bytes each) stay on the stack, its rows in L1.</summary>
    private const int BatchNormFeatureChunk = 256;

    private unsafe void FeaturesForwardTraining(float* px, float* pGamma, float* pBeta, float momentum, float epsilon,
        float* pRunningMean, float* pRunningVariance, float* py, float* pSavedMean, float* pSavedInverseStd, int n, int features)
    {
        ForFeatureChunks(features, (c0, width) =>
        {
            double* sums = stackalloc double[BatchNormFeatureChunk];
            double* squares = stackalloc double[BatchNormFeatureChunk];
            float* means = stackalloc float[BatchNormFeatureChunk];
            float* scales = stackalloc float[BatchNormFeatureChunk];
            new Span<double>(sums, width).Clear();
            new Span<double>(squares, width).Clear();
            for (int i = 0; i < n; i++)
            {
                float* row = px + ((long)i * features) + c0;
                for (int j = 0; j < width; j++)
                {
                    sums[j] += row[j];
                }
            }
            for (int j = 0; j < width; j++)
            {
                means[j] = (float)(sums[j] / n);
            }
            for (int i = 0; i < n; i++)
            {
                float* row = px + ((long)i * features) + c0;
                for (int j = 0; j < width; j++)
                {
                    float deviation = row[j] - means[j];
                    squares[j] += deviation * deviation;
                }
            }
            for (int j = 0; j < width; j++)
            {
                int c = c0 + j;
                float inverseStd = (float)(1.0 / Math.Sqrt((squares[j] / n) + epsilon));
                scales[j] = pGamma[c] * inverseStd;
                pSavedMean[c] = means[j];
                pSavedInverseStd[c] = inverseStd;
                // Running statistics use the unbiased variance (divide by M − 1), as PyTorch does.
                pRunningMean[c] = ((1 - momentum) * pRunningMean[c]) + (momentum * means[j]);
                pRunningVariance[c] = ((1 - momentum) * pRunningVariance[c]) + (momentum * (float)(squares[j] / (n - 1)));
            }
            // y = (x − μ)·(gamma·invStd) + beta
            for (int i = 0; i < n; i++)
            {
                float* row = px + ((long)i * features) + c0, output = py + ((long)i * features) + c0;
                for (int j = 0; j < width; j++)
                {
                    output[j] = ((row[j] - means[j]) * scales[j]) + pBeta[c0 + j];
                }
            }
        });
    }

    private unsafe void FeaturesForwardInference(float* px, float* pGamma, float* pBeta, float* pRunningMean, float* pRunningVariance,
        float epsilon, float* py, int n, int features)
    {
        ForFeatureChunks(features, (c0, width) =>
        {
            float* scales = stackalloc float[BatchNormFeatureChunk];
            for (int j = 0; j < width; j++)
            {
                scales[j] = pGamma[c0 + j] / MathF.Sqrt(pRunningVariance[c0 + j] + epsilon);
            }
            // y = (x − mean)·(gamma/√(var + ε)) + beta
            for (int i = 0; i < n; i++)
            {
                float* row = px + ((long)i * features) + c0, output = py + ((long)i * features) + c0;
                for (int j = 0; j < width; j++)
                {
                    output[j] = ((row[j] - pRunningMean[c0 + j]) * scales[j]) + pBeta[c0 + j];
                }
            }
        });
    }

    private unsafe void FeaturesBackward(float* px, float* pdy, float* pGamma, float* pSavedMean, float* pSavedInverseStd,
        float* pdx, float* pdGamma, float* pdBeta, int n, int features)
    {
        ForFeatureChunks(features, (c0, width) =>
        {
            double* sumDy = stackalloc double[BatchNormFeatureChunk];
            double* sumDyDeviation = stackalloc double[BatchNormFeatureChunk];
            float* a = stackalloc float[BatchNormFeatureChunk];
            float* b = stackalloc float[BatchNormFeatureChunk];
            float* d = stackalloc float[BatchNormFeatureChunk];
            new Span<double>(sumDy, width).Clear();
            new Span<double>(sumDyDeviation, width).Clear();
            // Σ dy and Σ dy·(x − μ), feature by feature.
            for (int i = 0; i < n; i++)
            {
                float* row = px + ((long)i * features) + c0, gradient = pdy + ((long)i * features) + c0;
                for (int j = 0; j < width; j++)
                {
                    sumDy[j] += gradient[j];
                    sumDyDeviation[j] += gradient[j] * (row[j] - pSavedMean[c0 + j]);
                }
            }
            // dx = dy·a + (x − μ)·b + d with a = gamma·invStd, b = −a·invStd·mean(dy·x̂), d = −a·mean(dy).
            for (int j = 0; j < width; j++)
            {
                int c = c0 + j;
                float inverseStd = pSavedInverseStd[c];
                double sumDyXHat = sumDyDeviation[j] * inverseStd;
                double scale = pGamma[c] * (double)inverseStd;
                a[j] = (float)scale;
                b[j] = (float)(-scale * inverseStd * (sumDyXHat / n));
                d[j] = (float)(-scale * (sumDy[j] / n));
                pdGamma[c] += (float)sumDyXHat;
                pdBeta[c] += (float)sumDy[j];
            }
            for (int i = 0; i < n; i++)
            {
                float* row = px + ((long)i * features) + c0, gradient = pdy + ((long)i * features) + c0, target = pdx + ((long)i * features) + c0;
                for (int j = 0; j < width; j++)
                {
                    target[j] = (gradient[j] * a[j]) + (((row[j] - pSavedMean[c0 + j]) * b[j]) + d[j]);
                }
            }
        });
    }

    /// <summary>Runs <paramref name="body"/>(first feature, count) on chunks of up to <see cref="BatchNormFeatureChunk"/> features, spread over the threads.</summary>
    private void ForFeatureChunks(int features, Action<int, int> body)
    {
        int chunks = (features + BatchNormFeatureChunk - 1) / BatchNormFeatureChunk;
        ParallelFor(chunks, chunk =>
        {
            int c0 = chunk * BatchNormFeatureChunk;
            body(c0, Math.Min(BatchNormFeatureChunk, features - c0));
        });
    }
}
