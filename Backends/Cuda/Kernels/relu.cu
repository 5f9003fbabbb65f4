// relu.cu: the rectified linear unit.
//   forward:  y = max(0, x)                       (y may be x: in place)
//   backward: dx = dy where y > 0, else 0         (dx may be dy; the gradient at exactly 0 is 0)
// Threads: one element per thread, grid-stride loop. No __restrict__: the buffers may alias.
// Mirrors Cpu/CpuBackend.Relu.cs.
#include "common.cuh"

extern "C" __global__ void relu_forward(const float* x, int n, float* y)
{
    GRID_STRIDE_LOOP(i, n) {
        float value = x[i];
        y[i] = value > 0.0f ? value : 0.0f;
    }
}

extern "C" __global__ void relu_backward(const float* y, const float* dy, int n, float* dx)
{
    GRID_STRIDE_LOOP(i, n) {
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
}
