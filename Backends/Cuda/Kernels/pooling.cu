// pooling.cu: max pooling over K×K windows moved by stride S over an input padded by P.
//   forward:  y[n, c, oh, ow] = the largest x in rows oh·S − P … +K−1, columns ow·S − P … +K−1
//             (padding cells never win).
//   backward: dx[n, c, h, w] = Σ of dy over the windows whose winner is (h, w); 0 elsewhere.
//             With throughRelu (MaxPool2dReluBackward), x is a ReLU's output and dx is also passed
//             through ReLU's backward: 0 where x ≤ 0.
// Tie rule (IBackend): the first maximum of the window's row-major scan wins, so the winner
// test is a strict ">" while scanning top row first, left to right.
// Threads: forward, one output per thread; backward, one input pixel per thread, which recomputes
// the winner of each window covering it and gathers in (oh, ow) order: no atomics, no stored
// indices, and the same addition order as the CPU's scatter loop.
// Mirrors Cpu/CpuBackend.Pooling.cs.
#include "common.cuh"

// The row-major index (h·W + w) of the winner of window (oh, ow) in one H×W plane.
__device__ inline int maxpool_winner(const float* plane, int height, int width, int kernel, int stride, int padding,
                                     int oh, int ow)
{
    int top = oh * stride - padding, left = ow * stride - padding;
    int hStart = top > 0 ? top : 0, wStart = left > 0 ? left : 0;
    int hEnd = top + kernel < height ? top + kernel : height;
    int wEnd = left + kernel < width ? left + kernel : width;
    int winner = hStart * width + wStart;
    float best = plane[winner];
    for (int h = hStart; h < hEnd; h++) {
        for (int w = wStart; w < wEnd; w++) {
            float value = plane[h * width + w];
            if (value > best) {
                best = value;
                winner = h * width + w;
            }
        }
    }
    return winner;
}

extern "C" __global__ void maxpool_forward(const float* __restrict__ x, int batch, int channels, int height, int width,
                                           int kernel, int stride, int padding, int outHeight, int outWidth,
                                           float* __restrict__ y)
{
    int n = batch * channels * outHeight * outWidth;
    GRID_STRIDE_LOOP(index, n) {
        int ow = index % outWidth;
        int oh = (index / outWidth) % outHeight;
        int plane = index / (outWidth * outHeight);  // n·C + c
        const float* input = x + (long long)plane * height * width;
        y[index] = input[maxpool_winner(input, height, width, kernel, stride, padding, oh, ow)];
    }
}

extern "C" __global__ void maxpool_backward(const float* __restrict__ x, const float* __restrict__ dy,
                                            int batch, int channels, int height, int width,
                                            int kernel, int stride, int padding, int outHeight, int outWidth,
                                            int throughRelu, float* __restrict__ dx)
{
    int n = batch * channels * height * width;
    GRID_STRIDE_LOOP(index, n) {
        int w = index % width;
        int h = (index / width) % height;
        int plane = index / (width * height);
        const float* input = x + (long long)plane * height * width;
        const float* gradient = dy + (long long)plane * outHeight * outWidth;
        // Windows covering row h: oh·S − P ≤ h ≤ oh·S − P + K − 1.
        int firstRow = h + padding - kernel + 1;
        int ohStart = firstRow <= 0 ? 0 : (firstRow + stride - 1) / stride;
        int ohEnd = (h + padding) / stride;
        int firstColumn = w + padding - kernel + 1;
        int owStart = firstColumn <= 0 ? 0 : (firstColumn + stride - 1) / stride;
        int owEnd = (w + padding) / stride;
        ohEnd = ohEnd < outHeight - 1 ? ohEnd : outHeight - 1;
        owEnd = owEnd < outWidth - 1 ? owEnd : outWidth - 1;
        int self = h * width + w;
        float sum = 0.0f;
        for (int oh = ohStart; oh <= ohEnd; oh++) {
            for (int ow = owStart; ow <= owEnd; ow++) {
                if (maxpool_winner(input, height, width, kernel, stride, padding, oh, ow) == self) {
                    sum += gradient[oh * outWidth + ow];
                }
            }
        }
        dx[index] = throughRelu && !(input[self] > 0.0f) ? 0.0f : sum;
    }
}
