// im2col.cu: unfolding image patches into columns, and folding them back (col2im).
//   forward (im2col): columns[n, (c·KH + i)·KW + j, oh·OW + ow] = x[n, c, oh·S − P + i, ow·S − P + j],
//                     0 where that position falls in the padding.
//   backward (col2im, its adjoint): x[n, c, h, w] = Σ of every column entry copied from (h, w).
// A convolution is then one matrix product per image and group (cuBLAS, see CudaBackend.Convolution.cs).
// Threads: forward, one column entry per thread; backward, one image pixel per thread, which
// gathers its entries in (i, j) order, so no two threads write the same pixel (no atomics) and
// the sum is added in the same order as the CPU's scatter loop.
// Both run over a whole chunk of images at once (batch = images in the chunk).
// Mirrors Im2Col / Col2Im in Cpu/Convolution/CpuBackend.Im2Col.cs (readable: Reference/ReferenceBackend.Convolution.cs).
#include "common.cuh"

extern "C" __global__ void im2col_forward(const float* __restrict__ x, int batch, int channels, int height, int width,
                                          int kernelHeight, int kernelWidth, int stride, int padding,
                                          int outHeight, int outWidth, float* __restrict__ columns)
{
    int n = batch * channels * kernelHeight * kernelWidth * outHeight * outWidth;
    GRID_STRIDE_LOOP(index, n) {
        int ow = index % outWidth;
        int rest = index / outWidth;
        int oh = rest % outHeight;
        rest /= outHeight;
        int j = rest % kernelWidth;
        rest /= kernelWidth;
        int i = rest % kernelHeight;
        rest /= kernelHeight;
        int c = rest % channels;
        int image = rest / channels;
        int h = oh * stride - padding + i;
        int w = ow * stride - padding + j;
        bool inside = h >= 0 && h < height && w >= 0 && w < width;
        columns[index] = inside ? x[((image * channels + c) * height + h) * width + w] : 0.0f;
    }
}

extern "C" __global__ void im2col_backward(const float* __restrict__ columns, int batch, int channels, int height, int width,
                                           int kernelHeight, int kernelWidth, int stride, int padding,
                                           int outHeight, int outWidth, float* __restrict__ x)
{
    int n = batch * channels * height * width;
    int patch = outHeight * outWidth;
    GRID_STRIDE_LOOP(index, n) {
        int w = index % width;
        int rest = index / width;
        int h = rest % height;
        rest /= height;
        int c = rest % channels;
        int image = rest / channels;
        const float* imageColumns = columns + (long long)image * channels * kernelHeight * kernelWidth * patch;
        float sum = 0.0f;
        for (int i = 0; i < kernelHeight; i++) {
            int rowOffset = h + padding - i;  // = oh·S when kernel row i of window oh covers row h
            if (rowOffset < 0 || rowOffset % stride != 0 || rowOffset / stride >= outHeight) {
                continue;
            }
            int oh = rowOffset / stride;
            for (int j = 0; j < kernelWidth; j++) {
                int columnOffset = w + padding - j;
                if (columnOffset < 0 || columnOffset % stride != 0 || columnOffset / stride >= outWidth) {
                    continue;
                }
                int ow = columnOffset / stride;
                int row = (c * kernelHeight + i) * kernelWidth + j;
                sum += imageColumns[(long long)row * patch + oh * outWidth + ow];
            }
        }
        x[index] = sum;
    }
}
