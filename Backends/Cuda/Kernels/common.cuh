// common.cuh: helpers every kernel file shares.
//
// Plain CUDA C, compiled two ways: by NVRTC to PTX for a GPU, and by g++ against
// emulation/cuda_emulation.h for the CPU emulator. Keep to what both understand (no standard
// headers, no warp-level intrinsics).
#pragma once

// Threads per block for every kernel that reduces with block_sum / block_max. The C# launcher
// uses the same number (CudaBackend.ReductionThreads); the tree reduction needs a power of two.
#define REDUCTION_THREADS 256

// Grid-stride loop: thread t of the grid handles elements t, t + T, t + 2T, … (T = threads in the
// grid), so any grid size covers any n and neighbouring threads touch neighbouring elements
// (coalesced). The host keeps n + T below 2^31 so the int index cannot overflow.
#define GRID_STRIDE_LOOP(i, n) \
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// Partial results per block reduction: REDUCTION_THREADS values are added 16 at a time.
#define REDUCTION_PARTIALS 16

// The sum of `value` over the REDUCTION_THREADS threads of the block, returned to every thread.
// `shared` is the caller's __shared__ float[REDUCTION_THREADS]; every thread of the block must call
// this (it synchronizes), and the buffer may be reused as soon as it returns.
// Two levels: every thread stores its value; thread t < 16 adds the values t, t + 16, t + 32, …
// (consecutive threads read consecutive banks); then each thread adds the 16 partial sums itself,
// in the same order, so all get the same total. Three barriers, where a tree would need nine, and
// the order of the additions is fixed, so the result is deterministic.
__device__ inline float block_sum(float value, float* shared)
{
    shared[threadIdx.x] = value;
    __syncthreads();
    if (threadIdx.x < REDUCTION_PARTIALS) {
        float partial = 0.0f;
        for (int k = threadIdx.x; k < REDUCTION_THREADS; k += REDUCTION_PARTIALS) {
            partial += shared[k];
        }
        shared[threadIdx.x] = partial;  // only this thread read slot threadIdx.x
    }
    __syncthreads();
    float total = 0.0f;
    for (int k = 0; k < REDUCTION_PARTIALS; k++) {
        total += shared[k];
    }
    __syncthreads();
    return total;
}

// The largest `value` over the block's threads, returned to every thread; same scheme as block_sum.
__device__ inline float block_max(float value, float* shared)
{
    shared[threadIdx.x] = value;
    __syncthreads();
    if (threadIdx.x < REDUCTION_PARTIALS) {
        float partial = shared[threadIdx.x];
        for (int k = threadIdx.x + REDUCTION_PARTIALS; k < REDUCTION_THREADS; k += REDUCTION_PARTIALS) {
            partial = fmaxf(partial, shared[k]);
        }
        shared[threadIdx.x] = partial;
    }
    __syncthreads();
    float largest = shared[0];
    for (int k = 1; k < REDUCTION_PARTIALS; k++) {
        largest = fmaxf(largest, shared[k]);
    }
    __syncthreads();
    return largest;
}
