// cuda_emulation.h: what the kernel files (../*.cu) need to compile, unchanged, as ordinary C++20
// with g++, so the CPU can run every kernel (the CUDA backend's "cuda-emulated" device).
//
// How CUDA's vocabulary maps onto the CPU:
//   __global__, __device__, __host__   nothing: kernels and helpers are plain functions
//   __shared__                         static, in the section "cuda_shared": one copy, shared by the
//                                      threads of the running block (blocks run one after another,
//                                      launches one at a time); the launcher fills the section with
//                                      0xFF bytes (NaN as floats) before every block, so a read of
//                                      shared memory the block did not write shows, as garbage would
//                                      on a GPU
//   threadIdx, blockIdx, blockDim, gridDim
//                                      thread_local variables, set by the launcher for each thread
//   __syncthreads()                    a real barrier across the block's threads (launcher.cpp)
//   atomicAdd                          std::atomic_ref
//   expf, logf, powf, sqrtf, fmaxf     the C library's (the GPU's own versions round differently
//                                      in the last bits; sqrtf and the arithmetic are exact on both)
// What a CPU thread cannot honour, warp-level operations above all, fails to compile with a
// message saying so, rather than compiling into something that behaves differently.
#pragma once

#include <atomic>
#include <bit>
#include <math.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __shared__ __attribute__((section("cuda_shared"))) static
// __restrict__ is already a GNU C++ keyword.

struct uint3 {
    unsigned int x, y, z;
};

struct dim3 {
    unsigned int x = 1, y = 1, z = 1;
};

// The calling thread's coordinates, as in CUDA. Read them in a debugger: `print threadIdx`.
inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

// Waits until every thread of the block has arrived (threads that returned no longer count).
void __syncthreads();

inline float atomicAdd(float* address, float value) { return std::atomic_ref<float>(*address).fetch_add(value); }
inline int atomicAdd(int* address, int value) { return std::atomic_ref<int>(*address).fetch_add(value); }
inline unsigned int atomicAdd(unsigned int* address, unsigned int value) { return std::atomic_ref<unsigned int>(*address).fetch_add(value); }

inline float __int_as_float(int bits) { return std::bit_cast<float>(bits); }
inline int __float_as_int(float value) { return std::bit_cast<int>(value); }

namespace cuda_emulation {
template <class... T>
inline constexpr bool unsupported = false;
}

// Each of these compiles only if a kernel never calls it; a call fails with the message below.
#define CUDA_EMULATION_REJECT(name, why)                                                              \
    template <class... T>                                                                             \
    inline void name(T...)                                                                            \
    {                                                                                                 \
        static_assert(cuda_emulation::unsupported<T...>, "The CUDA kernel emulator cannot run " #name \
                                                         ": " why " (see Docs/cuda.md).");            \
    }

#define CUDA_EMULATION_NO_WARPS "its threads are not grouped in warps; combine values through __shared__ memory and __syncthreads"
CUDA_EMULATION_REJECT(__shfl_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__shfl_up_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__shfl_down_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__shfl_xor_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__ballot_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__all_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__any_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__match_any_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__reduce_add_sync, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__activemask, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__syncwarp, CUDA_EMULATION_NO_WARPS)
CUDA_EMULATION_REJECT(__syncthreads_count, "only the plain __syncthreads barrier is emulated")
CUDA_EMULATION_REJECT(__syncthreads_and, "only the plain __syncthreads barrier is emulated")
CUDA_EMULATION_REJECT(__syncthreads_or, "only the plain __syncthreads barrier is emulated")
CUDA_EMULATION_REJECT(__threadfence, "memory fences between blocks mean nothing when blocks run one after another")
CUDA_EMULATION_REJECT(clock64, "there is no GPU clock")

// warpSize is a value in CUDA; here any use of it fails with this type's name in the message.
inline constexpr struct the_cuda_emulator_has_no_warps {
} warpSize{};
