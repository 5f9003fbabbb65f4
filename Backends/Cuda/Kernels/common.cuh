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

// The sum of `value` over the REDUCTION_THREADS threads of the block, returned to every thread.
// `shared` is the caller's __shared__ float[REDUCTION_THREADS]; every thread of the block must call
// this (it synchronizes), and the buffer may be reused as soon as it returns.
__device__ inline float block_sum(float value, float* shared)
{
    shared[threadIdx.x] = value;
    __syncthreads();
    for (unsigned int half = REDUCTION_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            shared[threadIdx.x] += shared[threadIdx.x + half];
        }
        __syncthreads();
    }
    float total = shared[0];
    __syncthreads();
    return total;
}

// The largest `value` over the block's threads, returned to every thread; same rules as block_sum.
__device__ inline float block_max(float value, float* shared)
{
    shared[threadIdx.x] = value;
    __syncthreads();
    for (unsigned int half = REDUCTION_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + half]);
        }
        __syncthreads();
    }
    float largest = shared[0];
    __syncthreads();
    return largest;
}
