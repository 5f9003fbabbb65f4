// dropout.cu: inverted dropout with masks drawn by Philox4x32-10 (philox.cuh = Philox.cs).
//   forward:  y = x·scale where u(seed, offset, i) ≥ p, else 0, with scale = 1/(1 − p)
//   backward: dx = dy·scale where the forward kept element i (same seed and offset), else 0
// Mask element i uses word i mod 4 of the Philox block for counter q = i / 4, so every backend keeps
// exactly the same elements and nothing is stored between forward and backward. Tensor element k
// is mask element first + k (a data-parallel shard of a batch starts mid-mask).
// Threads: one Philox quad (four mask elements) per thread, grid-stride over the quads that
// cover first … first + n − 1.
// In place is allowed (y may be x, dx may be dy): no __restrict__.
// Mirrors Cpu/CpuBackend.Dropout.cs.
#include "common.cuh"
#include "philox.cuh"

__device__ inline void dropout_apply(const float* in, float p, unsigned long long seed, unsigned long long offset, unsigned long long first, int n, float* out)
{
    unsigned long long first_quad = first / 4;
    int quads = (int)((first + n + 3) / 4 - first_quad);
    float scale = 1.0f / (1.0f - p);
    GRID_STRIDE_LOOP(q, quads) {
        unsigned long long quad = first_quad + q;
        PhiloxWords words = philox_quad(seed, offset, quad);
        for (int lane = 0; lane < 4; lane++) {
            long long k = (long long)(4 * quad + lane) - (long long)first;
            if (k >= 0 && k < n) {
                out[k] = philox_uniform(words.word[lane]) >= p ? in[k] * scale : 0.0f;
            }
        }
    }
}

extern "C" __global__ void dropout_forward(const float* x, float p, unsigned long long seed, unsigned long long offset, unsigned long long first, int n, float* y)
{
    dropout_apply(x, p, seed, offset, first, n, y);
}

extern "C" __global__ void dropout_backward(const float* dy, float p, unsigned long long seed, unsigned long long offset, unsigned long long first, int n, float* dx)
{
    dropout_apply(dy, p, seed, offset, first, n, dx);
}
