// bias.cu: adding a per-channel bias, and its gradient, for convolutions and dense layers.
//   bias_forward:        y[n, c, s] += bias[c]                       y is [N, C, S] (S = OH·OW, or 1 for dense)
//   bias_relu_forward:   y[n, c, s] = max(0, y[n, c, s] + bias[c])   bias_forward then relu_forward in one pass
//                        (Conv2dReluForward, DenseReluForward: the ReLU after a layer, without re-reading y)
//   bias_backward:       dBias[c] += Σ over n and s of dy[n, c, s]   (parameter gradients accumulate)
//   dense_bias_backward: dBias[c] += Σ over n of dy[n, c]            the same with S = 1
// Threads: bias_forward and bias_relu_forward, one element per thread (grid-stride). bias_backward (convolutions, where
// N·S is large), one block of REDUCTION_THREADS threads per channel, each thread summing a strided
// share of the N·S values before a tree reduction in shared memory. dense_bias_backward (N values
// per channel), one thread per channel adding its column from the top: neighbouring threads read
// neighbouring addresses. Neither uses atomics, so both are deterministic.
// Mirrors the bias parts of Cpu/Convolution/CpuBackend.Convolution.cs and Cpu/CpuBackend.Dense.cs.
#include "common.cuh"

extern "C" __global__ void bias_forward(const float* __restrict__ bias, int channels, int spatial, int n, float* __restrict__ y)
{
    GRID_STRIDE_LOOP(i, n) {
        y[i] = y[i] + bias[(i / spatial) % channels];
    }
}

extern "C" __global__ void bias_relu_forward(const float* __restrict__ bias, int channels, int spatial, int n, float* __restrict__ y)
{
    GRID_STRIDE_LOOP(i, n) {
        float value = y[i] + bias[(i / spatial) % channels];
        y[i] = value > 0.0f ? value : 0.0f;
    }
}

// grid = channels blocks, block = REDUCTION_THREADS threads.
extern "C" __global__ void bias_backward(const float* __restrict__ dy, int batch, int channels, int spatial, float* __restrict__ dBias)
{
    __shared__ float partial[REDUCTION_THREADS];
    int c = blockIdx.x;
    int count = batch * spatial;
    float sum = 0.0f;
    for (int k = threadIdx.x; k < count; k += blockDim.x) {
        int n = k / spatial, s = k % spatial;
        sum += dy[(n * channels + c) * spatial + s];
    }
    float total = block_sum(sum, partial);
    if (threadIdx.x == 0) {
        dBias[c] += total;
    }
}

extern "C" __global__ void dense_bias_backward(const float* __restrict__ dy, int batch, int channels, float* __restrict__ dBias)
{
    GRID_STRIDE_LOOP(c, channels) {
        float sum = 0.0f;
        for (int n = 0; n < batch; n++) {
            sum += dy[(long long)n * channels + c];
        }
        dBias[c] += sum;
    }
}
