// batchnorm.cu: batch normalization per channel of [N, C, S] (S = H·W, or 1 for [N, C]).
// Channel c's M = N·S values are x[(n·C + c)·S + s].
//   batchnorm_statistics:       μ = mean, σ² = biased variance (two passes: mean first, then the
//                               squared deviations), savedMean = μ, savedInverseStd = 1/√(σ² + ε),
//                               running = (1 − momentum)·running + momentum·batch, with the
//                               unbiased variance σ²·M/(M − 1) for the running one.
//   batchnorm_forward:          y = gamma·(x − μ)·invStd + beta, with the saved statistics.
//   batchnorm_inference_forward:y = gamma·(x − mean)/√(var + ε) + beta, with the running statistics.
//   batchnorm_backward_reduce:  per channel Σ dy and Σ dy·x̂ (x̂ = (x − μ)·invStd), written to
//                               sums[c] and sums[C + c]; dBeta[c] += Σ dy; dGamma[c] += Σ dy·x̂.
//   batchnorm_backward:         dx = gamma·invStd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M).
// Threads: the two reductions, one block of REDUCTION_THREADS threads per channel; the others,
// one element per thread (grid-stride).
// Mirrors Cpu/CpuBackend.BatchNorm.cs.
#include "common.cuh"

// grid = channels blocks, block = REDUCTION_THREADS threads.
extern "C" __global__ void batchnorm_statistics(const float* __restrict__ x, int batch, int channels, int spatial,
                                                float momentum, float epsilon,
                                                float* __restrict__ runningMean, float* __restrict__ runningVariance,
                                                float* __restrict__ savedMean, float* __restrict__ savedInverseStd)
{
    __shared__ float shared[REDUCTION_THREADS];
    int c = blockIdx.x;
    int count = batch * spatial;
    float sum = 0.0f;
    for (int k = threadIdx.x; k < count; k += blockDim.x) {
        sum += x[((long long)(k / spatial) * channels + c) * spatial + k % spatial];
    }
    float mean = block_sum(sum, shared) / (float)count;
    float squares = 0.0f;
    for (int k = threadIdx.x; k < count; k += blockDim.x) {
        float deviation = x[((long long)(k / spatial) * channels + c) * spatial + k % spatial] - mean;
        squares += deviation * deviation;
    }
    float variance = block_sum(squares, shared) / (float)count;
    if (threadIdx.x == 0) {
        float unbiased = count > 1 ? variance * (float)count / (float)(count - 1) : variance;
        savedMean[c] = mean;
        savedInverseStd[c] = 1.0f / sqrtf(variance + epsilon);
        runningMean[c] = (1.0f - momentum) * runningMean[c] + momentum * mean;
        runningVariance[c] = (1.0f - momentum) * runningVariance[c] + momentum * unbiased;
    }
}

// y may be x (in place): each element is read, then written, by the same thread.
extern "C" __global__ void batchnorm_forward(const float* x, const float* __restrict__ gamma, const float* __restrict__ beta,
                                             const float* __restrict__ mean, const float* __restrict__ inverseStd,
                                             int channels, int spatial, int n, float* y)
{
    GRID_STRIDE_LOOP(index, n) {
        int c = (index / spatial) % channels;
        y[index] = gamma[c] * ((x[index] - mean[c]) * inverseStd[c]) + beta[c];
    }
}

// y may be x, as above.
extern "C" __global__ void batchnorm_inference_forward(const float* x, const float* __restrict__ gamma, const float* __restrict__ beta,
                                                       const float* __restrict__ runningMean, const float* __restrict__ runningVariance,
                                                       float epsilon, int channels, int spatial, int n, float* y)
{
    GRID_STRIDE_LOOP(index, n) {
        int c = (index / spatial) % channels;
        y[index] = gamma[c] * ((x[index] - runningMean[c]) / sqrtf(runningVariance[c] + epsilon)) + beta[c];
    }
}

// grid = channels blocks, block = REDUCTION_THREADS threads; sums is [2·C].
extern "C" __global__ void batchnorm_backward_reduce(const float* __restrict__ x, const float* __restrict__ dy,
                                                     const float* __restrict__ savedMean, const float* __restrict__ savedInverseStd,
                                                     int batch, int channels, int spatial,
                                                     float* __restrict__ sums, float* __restrict__ dGamma, float* __restrict__ dBeta)
{
    __shared__ float shared[REDUCTION_THREADS];
    int c = blockIdx.x;
    int count = batch * spatial;
    float mean = savedMean[c], inverseStd = savedInverseStd[c];
    float sumDy = 0.0f, sumDyXhat = 0.0f;
    for (int k = threadIdx.x; k < count; k += blockDim.x) {
        long long at = ((long long)(k / spatial) * channels + c) * spatial + k % spatial;
        float gradient = dy[at];
        sumDy += gradient;
        sumDyXhat += gradient * ((x[at] - mean) * inverseStd);
    }
    sumDy = block_sum(sumDy, shared);
    sumDyXhat = block_sum(sumDyXhat, shared);
    if (threadIdx.x == 0) {
        sums[c] = sumDy;
        sums[channels + c] = sumDyXhat;
        dBeta[c] += sumDy;
        dGamma[c] += sumDyXhat;
    }
}

extern "C" __global__ void batchnorm_backward(const float* __restrict__ x, const float* __restrict__ dy, const float* __restrict__ gamma,
                                              const float* __restrict__ savedMean, const float* __restrict__ savedInverseStd,
                                              const float* __restrict__ sums, int batch, int channels, int spatial, int n,
                                              float* __restrict__ dx)
{
    float count = (float)(batch * spatial);
    GRID_STRIDE_LOOP(index, n) {
        int c = (index / spatial) % channels;
        float inverseStd = savedInverseStd[c];
        float xHat = (x[index] - savedMean[c]) * inverseStd;
        dx[index] = gamma[c] * inverseStd * (dy[index] - sums[c] / count - xHat * (sums[channels + c] / count));
    }
}
