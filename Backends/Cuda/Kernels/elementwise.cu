// elementwise.cu: the elementwise helpers of IBackend that are not plain memory operations.
//   scale: y = alpha · y          axpy: y = y + alpha · x
// (Fill and Copy need no kernel: they are cuMemsetD32Async and cuMemcpyDtoDAsync.)
// Threads: one element per thread, grid-stride loop. x may be y (no __restrict__).
// Mirrors Cpu/CpuBackend.Elementwise.cs.
#include "common.cuh"

extern "C" __global__ void scale(float alpha, int n, float* __restrict__ y)
{
    GRID_STRIDE_LOOP(i, n) {
        y[i] = alpha * y[i];
    }
}

extern "C" __global__ void axpy(const float* x, float alpha, int n, float* y)
{
    GRID_STRIDE_LOOP(i, n) {
        y[i] = y[i] + alpha * x[i];
    }
}
