// dropout.cu: inverted dropout with masks drawn by Philox4x32-10 (philox.cuh = Philox.cs).
//   forward:  y = x·scale where u(seed, offset, i) ≥ p, else 0, with scale = 1/(1 − p)
//   backward: dx = dy·scale where the forward kept element i (same seed and offset), else 0
// Element i uses word i mod 4 of the Philox block for counter q = i / 4, so every backend keeps
// exactly the same elements and nothing is stored between forward and backward.
// Threads: one group of four elements (one Philox evaluation) per thread, grid-stride.
// In place is allowed (y may be x, dx may be dy): no __restrict__.
// Mirrors Cpu/CpuBackend.Dropout.cs.
#include "common.cuh"
#include "philox.cuh"

__device__ inline void dropout_apply(const float* in, float p, unsigned long long seed, unsigned long long offset, int n, float* out)
{
    int quads = (n + 3) / 4;
    float scale = 1.0f / (1.0f - p);
    GRID_STRIDE_LOOP(q, quads) {
        PhiloxWords words = philox_quad(seed, offset, (unsigned long long)q);
        for (int lane = 0; lane < 4; lane++) {
            int i = 4 * q + lane;
            if (i < n) {
                out[i] = philox_uniform(words.word[lane]) >= p ? in[i] * scale : 0.0f;
            }
        }
    }
}

extern "C" __global__ void dropout_forward(const float* x, float p, unsigned long long seed, unsigned long long offset, int n, float* y)
{
    dropout_apply(x, p, seed, offset, n, y);
}

extern "C" __global__ void dropout_backward(const float* dy, float p, unsigned long long seed, unsigned long long offset, int n, float* dx)
{
    dropout_apply(dy, p, seed, offset, n, dx);
}
