using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Optimizer updates, elementwise over a parameter and its state, in place. What makes them faster
// than the reference: each is one pass over the parameter (every element's g, state and w are read
// once and its state and w written once, so the update runs at memory bandwidth rather than as a
// chain of whole-tensor ops), in vectors of the widest native width (512, 256 bits) plus the scalar
// tail, over 32 K-element chunks shared among the threads; the per-step constants (Adam's bias
// corrections) are computed once per call, not per element.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Optimizers.cs.
public sealed partial class CpuBackend
{
    public unsafe void SgdMomentumUpdate(Tensor gradient, float learningRate, float momentum, float weightDecay, Tensor velocity, Tensor parameter)
    {
        float* g = Data(gradient, nameof(gradient));
        float* v = Data(velocity, nameof(velocity));
        float* w = Data(parameter, nameof(parameter));
        OpContract.SgdMomentumUpdate(gradient, velocity, parameter);
        // The paper, section 5: v ← momentum·v − weightDecay·lr·w − lr·g;  w ← w + v.
        float decay = weightDecay * learningRate;
        ParallelChunks(parameter.Length, ElementwiseChunk, (start, count) => SgdMomentumChunk(g, v, w, start, start + count, learningRate, momentum, decay));
    }

    public unsafe void AdamUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter)
    {
        // g ← g + λ·w (L2, in the same pass; skipped for λ = 0);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr·m̂/(√v̂ + ε).
        AdamFamilyUpdate(nameof(AdamUpdate), gradient, learningRate, beta1, beta2, epsilon, weightDecay, step, m, v, parameter,
            () => OpContract.AdamUpdate(gradient, weightDecay, step, m, v, parameter), AdamChunk);
    }

    public unsafe void AdamWUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter)
    {
        // Adam's m and v, then w ← w − lr·(m̂/(√v̂ + ε) + λ·w): the decay beside the adaptive step, not in g.
        AdamFamilyUpdate(nameof(AdamWUpdate), gradient, learningRate, beta1, beta2, epsilon, weightDecay, step, m, v, parameter,
            () => OpContract.AdamWUpdate(gradient, weightDecay, step, m, v, parameter), AdamWChunk);
    }

    /// <summary>Elements start … end−1 of Adam or AdamW, given the bias corrections m̂ = m·correction1, v̂ = v·correction2.</summary>
    private unsafe delegate void AdamFamilyChunk(float* g, float* pm, float* pv, float* w, long start, long end, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, float correction1, float correction2);

    /// <summary>
    /// What Adam and AdamW share around their per-element maths: the tensors' memory, the op's contract, the bias
    /// corrections m̂ = m/(1−β1^t), v̂ = v/(1−β2^t) computed once (<see cref="AdamBiasCorrection"/>), and the chunks
    /// shared among the threads.
    /// </summary>
    private unsafe void AdamFamilyUpdate(string op, Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step,
        Tensor m, Tensor v, Tensor parameter, Action checkContract, AdamFamilyChunk chunk)
    {
        float* g = Data(gradient, nameof(gradient), op);
        float* pm = Data(m, nameof(m), op);
        float* pv = Data(v, nameof(v), op);
        float* w = Data(parameter, nameof(parameter), op);
        checkContract();
        var (correction1, correction2) = AdamBiasCorrection.Inverses(beta1, beta2, step);
        ParallelChunks(parameter.Length, ElementwiseChunk, (start, count) =>
            chunk(g, pm, pv, w, start, start + count, learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2));
    }

    /// <summary>Elements start … end−1 of the SGD-momentum update, in vectors of the widest native width, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SgdMomentumChunk(float* g, float* v, float* w, long start, long end, float learningRate, float momentum, float decay)
    {
        long i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= end - 16; i += 16)
            {
                var wi = Vector512.Load(w + i);
                var vi = (momentum * Vector512.Load(v + i)) - (decay * wi) - (learningRate * Vector512.Load(g + i));
                vi.Store(v + i);
                (wi + vi).Store(w + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= end - 8; i += 8)
            {
                var wi = Vector256.Load(w + i);
                var vi = (momentum * Vector256.Load(v + i)) - (decay * wi) - (learningRate * Vector256.Load(g + i));
                vi.Store(v + i);
                (wi + vi).Store(w + i);
            }
        }
        for (; i < end; i++)
        {
            float vi = (momentum * v[i]) - (decay * w[i]) - (learningRate * g[i]);
            v[i] = vi;
            w[i] += vi;
        }
    }

    /// <summary>Elements start … end−1 of the Adam update, in vectors of the widest native width, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AdamChunk(float* g, float* pm, float* pv, float* w, long start, long end, float learningRate, float beta1, float beta2, float epsilon,
        float weightDecay, float correction1, float correction2)
    {
        bool decays = weightDecay != 0;
        float oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2;
        long i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= end - 16; i += 16)
            {
                var gi = decays ? (Vector512.Load(w + i) * weightDecay) + Vector512.Load(g + i) : Vector512.Load(g + i);
                var mi = (beta1 * Vector512.Load(pm + i)) + (oneMinusBeta1 * gi);
                var vi = (beta2 * Vector512.Load(pv + i)) + (oneMinusBeta2 * gi * gi);
                mi.Store(pm + i);
                vi.Store(pv + i);
                var update = learningRate * (mi * correction1) / (Vector512.Sqrt(vi * correction2) + Vector512.Create(epsilon));
                (Vector512.Load(w + i) - update).Store(w + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= end - 8; i += 8)
            {
                var gi = decays ? (Vector256.Load(w + i) * weightDecay) + Vector256.Load(g + i) : Vector256.Load(g + i);
                var mi = (beta1 * Vector256.Load(pm + i)) + (oneMinusBeta1 * gi);
                var vi = (beta2 * Vector256.Load(pv + i)) + (oneMinusBeta2 * gi * gi);
                mi.Store(pm + i);
                vi.Store(pv + i);
                var update = learningRate * (mi * correction1) / (Vector256.Sqrt(vi * correction2) + Vector256.Create(epsilon));
                (Vector256.Load(w + i) - update).Store(w + i);
            }
        }
        for (; i < end; i++)
        {
            float gi = decays ? (w[i] * weightDecay) + g[i] : g[i];
            float mi = (beta1 * pm[i]) + (oneMinusBeta1 * gi);
            float vi = (beta2 * pv[i]) + (oneMinusBeta2 * gi * gi);
            pm[i] = mi;
            pv[i] = vi;
            w[i] -= learningRate * (mi * correction1) / (MathF.Sqrt(vi * correction2) + epsilon);
        }
    }

    /// <summary>Elements start … end−1 of the AdamW update, in vectors of the widest native width, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AdamWChunk(float* g, float* pm, float* pv, float* w, long start, long end, float learningRate, float beta1, float beta2, float epsilon,
        float weightDecay, float correction1, float correction2)
    {
        float oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2;
        long i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= end - 16; i += 16)
            {
                var gi = Vector512.Load(g + i);
                var mi = (beta1 * Vector512.Load(pm + i)) + (oneMinusBeta1 * gi);
                var vi = (beta2 * Vector512.Load(pv + i)) + (oneMinusBeta2 * gi * gi);
                mi.Store(pm + i);
                vi.Store(pv + i);
                var wi = Vector512.Load(w + i);
                var step = ((mi * correction1) / (Vector512.Sqrt(vi * correction2) + Vector512.Create(epsilon))) + (weightDecay * wi);
                (wi - (learningRate * step)).Store(w + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= end - 8; i += 8)
            {
                var gi = Vector256.Load(g + i);
                var mi = (beta1 * Vector256.Load(pm + i)) + (oneMinusBeta1 * gi);
                var vi = (beta2 * Vector256.Load(pv + i)) + (oneMinusBeta2 * gi * gi);
                mi.Store(pm + i);
                vi.Store(pv + i);
                var wi = Vector256.Load(w + i);
                var step = ((mi * correction1) / (Vector256.Sqrt(vi * correction2) + Vector256.Create(epsilon))) + (weightDecay * wi);
                (wi - (learningRate * step)).Store(w + i);
            }
        }
        for (; i < end; i++)
        {
            float gi = g[i];
            float mi = (beta1 * pm[i]) + (oneMinusBeta1 * gi);
            float vi = (beta2 * pv[i]) + (oneMinusBeta2 * gi * gi);
            pm[i] = mi;
            pv[i] = vi;
            float wi = w[i];
            w[i] = wi - (learningRate * (((mi * correction1) / (MathF.Sqrt(vi * correction2) + epsilon)) + (weightDecay * wi)));
        }
    }
}
