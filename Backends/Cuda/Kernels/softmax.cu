// softmax.cu: row-wise softmax, softmax cross-entropy with integer labels, and top-k.
//   softmax_forward:                   p[n, j] = exp(z[n, j] − m) / Σ_j exp(z[n, j] − m), m = max_j z[n, j]
//   softmax_cross_entropy_forward:     p as above, and rowLoss[n] = log Σ_j exp(z[n, j] − m) − (z[n, label] − m)
//                                      (= −log p[n, label], computed without forming log of a tiny p)
//   softmax_cross_entropy_loss:        loss[0] = (Σ_n rowLoss[n]) / N
//   softmax_cross_entropy_backward:    dLogits[n, j] = (p[n, j] − [j = label]) / N
//   soft_target_cross_entropy_forward: p as above, and rowLoss[n] = Σ_j q[n, j]·(log Σ_i exp(z[n, i] − m) − (z[n, j] − m))
//                                      (= −Σ_j q[n, j]·log p[n, j]; the mean is softmax_cross_entropy_loss)
//   soft_target_cross_entropy_backward: dLogits[n, j] = (p[n, j] − q[n, j]) / N
//   topk_forward:                      indices[n, r] = the r-th largest score of row n, ties to the lower index
// Labels are whole numbers stored as floats; a label outside 0 … K−1 gives a NaN loss (a kernel
// cannot throw, and NaN is impossible to overlook). Soft targets q must be distributions (entries
// ≥ 0, each row summing to 1 within `tolerance`); a row that is not gives NaN for its loss and gradient.
// Threads: the softmaxes and the soft-target backward, one block of REDUCTION_THREADS threads per row
// (threads stride over the K classes, block_max / block_sum combine them); the loss, a single block;
// the integer backward, one element per thread; top-k, one row per thread (k passes over K scores,
// k ≤ 5 in practice).
// Mirrors Cpu/CpuBackend.Softmax.cs.
#include "common.cuh"

// Writes p = exp(z − m) / Σ exp(z − m) for one row and returns log Σ exp(z − m); m is returned in *rowMax.
__device__ inline float softmax_row(const float* z, int classes, float* p, float* shared, float* rowMax)
{
    float largest = z[0];
    for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        largest = fmaxf(largest, z[j]);
    }
    largest = block_max(largest, shared);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        float e = expf(z[j] - largest);
        p[j] = e;
        sum += e;
    }
    sum = block_sum(sum, shared);
    for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        p[j] = p[j] / sum;
    }
    *rowMax = largest;
    return logf(sum);
}

// grid = rows blocks, block = REDUCTION_THREADS threads.
// May run in place (probabilities = logits): each thread reads z[j] before writing p[j] at the same j.
extern "C" __global__ void softmax_forward(const float* logits, int rows, int classes, float* probabilities)
{
    __shared__ float shared[REDUCTION_THREADS];
    long long row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    float rowMax;
    softmax_row(logits + row * classes, classes, probabilities + row * classes, shared, &rowMax);
}

// grid = rows blocks, block = REDUCTION_THREADS threads.
extern "C" __global__ void softmax_cross_entropy_forward(const float* __restrict__ logits, const float* __restrict__ labels,
                                                         int rows, int classes,
                                                         float* __restrict__ probabilities, float* __restrict__ rowLoss)
{
    __shared__ float shared[REDUCTION_THREADS];
    long long row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const float* z = logits + row * classes;
    float rowMax;
    float logSum = softmax_row(z, classes, probabilities + row * classes, shared, &rowMax);
    if (threadIdx.x == 0) {
        float label = labels[row];
        bool valid = label >= 0.0f && label < (float)classes && label == (float)(int)label;
        rowLoss[row] = valid ? logSum - (z[(int)label] - rowMax) : __int_as_float(0x7fc00000);
    }
}

// grid = 1 block, block = REDUCTION_THREADS threads.
extern "C" __global__ void softmax_cross_entropy_loss(const float* __restrict__ rowLoss, int rows, float* __restrict__ loss)
{
    __shared__ float shared[REDUCTION_THREADS];
    float sum = 0.0f;
    for (int n = threadIdx.x; n < rows; n += blockDim.x) {
        sum += rowLoss[n];
    }
    sum = block_sum(sum, shared);
    if (threadIdx.x == 0) {
        loss[0] = sum / (float)rows;
    }
}

extern "C" __global__ void softmax_cross_entropy_backward(const float* __restrict__ probabilities, const float* __restrict__ labels,
                                                          int rows, int classes, float* __restrict__ dLogits)
{
    int n = rows * classes;
    GRID_STRIDE_LOOP(index, n) {
        int row = index / classes;
        float label = labels[row];
        bool valid = label >= 0.0f && label < (float)classes && label == (float)(int)label;
        float target = valid && (int)label == index % classes ? 1.0f : 0.0f;
        dLogits[index] = valid ? (probabilities[index] - target) / (float)rows : __int_as_float(0x7fc00000);
    }
}

// Whether the row q[0 … classes) is a distribution: every thread of the block must call it (it synchronizes).
__device__ inline bool is_distribution(const float* q, int classes, float tolerance, float* shared)
{
    float sum = 0.0f;
    float bad = 0.0f;
    for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        sum += q[j];
        bad += q[j] >= 0.0f && q[j] <= 3.4e38f ? 0.0f : 1.0f;  // negative, infinite or NaN
    }
    sum = block_sum(sum, shared);
    bad = block_sum(bad, shared);
    return bad == 0.0f && fabsf(sum - 1.0f) <= tolerance;
}

// grid = rows blocks, block = REDUCTION_THREADS threads.
extern "C" __global__ void soft_target_cross_entropy_forward(const float* __restrict__ logits, const float* __restrict__ targets,
                                                             int rows, int classes, float tolerance,
                                                             float* __restrict__ probabilities, float* __restrict__ rowLoss)
{
    __shared__ float shared[REDUCTION_THREADS];
    long long row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const float* z = logits + row * classes;
    const float* q = targets + row * classes;
    float rowMax;
    float logSum = softmax_row(z, classes, probabilities + row * classes, shared, &rowMax);
    // Term by term as the integer loss: a one-hot row adds exactly its −log p[label] to zeros.
    float partial = 0.0f;
    for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        partial += q[j] * (logSum - (z[j] - rowMax));
    }
    float loss = block_sum(partial, shared);
    bool valid = is_distribution(q, classes, tolerance, shared);
    if (threadIdx.x == 0) {
        rowLoss[row] = valid ? loss : __int_as_float(0x7fc00000);
    }
}

// grid = rows blocks, block = REDUCTION_THREADS threads (a block checks its row's targets first).
extern "C" __global__ void soft_target_cross_entropy_backward(const float* __restrict__ probabilities, const float* __restrict__ targets,
                                                              int rows, int classes, float tolerance, float* __restrict__ dLogits)
{
    __shared__ float shared[REDUCTION_THREADS];
    long long row = blockIdx.x;
    if (row >= rows) {
        return;
    }
    const float* p = probabilities + row * classes;
    const float* q = targets + row * classes;
    bool valid = is_distribution(q, classes, tolerance, shared);
    for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        dLogits[row * classes + j] = valid ? (p[j] - q[j]) / (float)rows : __int_as_float(0x7fc00000);
    }
}

// One row per thread: k passes, each picking the best score that comes after the previous pick in
// the order (higher score first, then lower index).
extern "C" __global__ void topk_forward(const float* __restrict__ scores, int rows, int classes, int k, float* __restrict__ indices)
{
    GRID_STRIDE_LOOP(row, rows) {
        const float* s = scores + (long long)row * classes;
        int previous = -1;
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int j = 0; j < classes; j++) {
                bool after = previous < 0 || s[j] < s[previous] || (s[j] == s[previous] && j > previous);
                if (after && (best < 0 || s[j] > s[best])) {
                    best = j;
                }
            }
            indices[(long long)row * k + r] = (float)best;
            previous = best;
        }
    }
}
