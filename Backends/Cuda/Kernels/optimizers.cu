// optimizers.cu: the parameter updates, one element per thread (grid-stride).
//   sgd_momentum_update (the 2012 paper, section 5):
//       v = momentum·v − weightDecay·lr·w − lr·g;   w = w + v
//   adam_update (Kingma & Ba, Algorithm 1; see IBackend.AdamUpdate), with the bias corrections from the host,
//   r1 = 1/(1 − β1^t) and r2 = 1/(1 − β2^t):
//       g = g + λ·w (L2 weight decay, 0 for none);
//       m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²;   w = w − lr·(m·r1)/(√(v·r2) + ε)
//   adamw_update (Loshchilov & Hutter, Algorithm 2; see IBackend.AdamWUpdate): Adam's m and v, then the decay λ·w
//   beside the adaptive step, not inside g:
//       w = w − lr·((m·r1)/(√(v·r2) + ε) + λ·w)
// Each thread reads its element's g, state and w once and writes state and w once.
// Mirrors Cpu/CpuBackend.Optimizers.cs.
#include "common.cuh"

extern "C" __global__ void sgd_momentum_update(const float* __restrict__ gradient, float learningRate, float momentum, float weightDecay,
                                               int n, float* __restrict__ velocity, float* __restrict__ parameter)
{
    GRID_STRIDE_LOOP(i, n) {
        float w = parameter[i];
        float v = momentum * velocity[i] - weightDecay * learningRate * w - learningRate * gradient[i];
        velocity[i] = v;
        parameter[i] = w + v;
    }
}

extern "C" __global__ void adam_update(const float* __restrict__ gradient, float learningRate, float beta1, float beta2, float epsilon,
                                       float weightDecay, float inverseCorrection1, float inverseCorrection2, int n,
                                       float* __restrict__ m, float* __restrict__ v, float* __restrict__ parameter)
{
    GRID_STRIDE_LOOP(i, n) {
        float g = weightDecay != 0.0f ? gradient[i] + weightDecay * parameter[i] : gradient[i];
        float first = beta1 * m[i] + (1.0f - beta1) * g;
        float second = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = first;
        v[i] = second;
        parameter[i] = parameter[i] - learningRate * (first * inverseCorrection1) / (sqrtf(second * inverseCorrection2) + epsilon);
    }
}

extern "C" __global__ void adamw_update(const float* __restrict__ gradient, float learningRate, float beta1, float beta2, float epsilon,
                                        float weightDecay, float inverseCorrection1, float inverseCorrection2, int n,
                                        float* __restrict__ m, float* __restrict__ v, float* __restrict__ parameter)
{
    GRID_STRIDE_LOOP(i, n) {
        float g = gradient[i];
        float first = beta1 * m[i] + (1.0f - beta1) * g;
        float second = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = first;
        v[i] = second;
        float w = parameter[i];
        parameter[i] = w - learningRate * ((first * inverseCorrection1) / (sqrtf(second * inverseCorrection2) + epsilon) + weightDecay * w);
    }
}
