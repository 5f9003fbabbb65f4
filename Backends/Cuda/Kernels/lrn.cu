// lrn.cu: local response normalization across channels, in the 2012 paper's convention.
//   forward:  y[c] = x[c] / s[c]^β,  s[c] = k + α·Σ_{j ∈ window(c)} x[j]²
//   backward: dx[c] = dy[c]·s[c]^−β − 2αβ·x[c]·Σ_{j : c ∈ window(j)} dy[j]·y[j]/s[j]
// window(c) = channels c − size/2 … c + (size − 1)/2 that exist (LocalResponseNorm.cs), so
// c ∈ window(j) exactly when c − (size − 1)/2 ≤ j ≤ c + size/2.
// Tensors are [N, C, S] with S = H·W: channel c of pixel s of image n is at (n·C + c)·S + s.
// Threads: one element per thread (grid-stride); each recomputes the sums it needs over at most
// `size` (forward) or size² (backward) neighbours, which for the paper's size 5 is cheaper than
// another pass over memory.
// Mirrors Cpu/CpuBackend.Lrn.cs.
#include "common.cuh"

// s = k + α·Σ x[j]² over channel c's window; `pixel` points at channel 0 of one pixel, channels S apart.
__device__ inline float lrn_scale(const float* pixel, int c, int channels, int spatial, int size, float alpha, float k)
{
    int first = c - size / 2 > 0 ? c - size / 2 : 0;
    int last = c + (size - 1) / 2 < channels - 1 ? c + (size - 1) / 2 : channels - 1;
    float sum = 0.0f;
    for (int j = first; j <= last; j++) {
        float value = pixel[(long long)j * spatial];
        sum += value * value;
    }
    return k + alpha * sum;
}

extern "C" __global__ void lrn_forward(const float* __restrict__ x, int batch, int channels, int spatial,
                                       int size, float alpha, float beta, float k, float* __restrict__ y)
{
    int n = batch * channels * spatial;
    GRID_STRIDE_LOOP(index, n) {
        int s = index % spatial;
        int c = (index / spatial) % channels;
        int image = index / (spatial * channels);
        const float* pixel = x + (long long)image * channels * spatial + s;
        y[index] = x[index] / powf(lrn_scale(pixel, c, channels, spatial, size, alpha, k), beta);
    }
}

extern "C" __global__ void lrn_backward(const float* __restrict__ x, const float* __restrict__ y, const float* __restrict__ dy,
                                        int batch, int channels, int spatial, int size, float alpha, float beta, float k,
                                        float* __restrict__ dx)
{
    int n = batch * channels * spatial;
    GRID_STRIDE_LOOP(index, n) {
        int s = index % spatial;
        int c = (index / spatial) % channels;
        int image = index / (spatial * channels);
        long long pixelStart = (long long)image * channels * spatial + s;
        const float* xPixel = x + pixelStart;
        int first = c - (size - 1) / 2 > 0 ? c - (size - 1) / 2 : 0;
        int last = c + size / 2 < channels - 1 ? c + size / 2 : channels - 1;
        float sum = 0.0f;
        for (int j = first; j <= last; j++) {
            long long at = pixelStart + (long long)j * spatial;
            sum += dy[at] * y[at] / lrn_scale(xPixel, j, channels, spatial, size, alpha, k);
        }
        float scale = lrn_scale(xPixel, c, channels, spatial, size, alpha, k);
        dx[index] = dy[index] * powf(scale, -beta) - 2.0f * alpha * beta * x[index] * sum;
    }
}
