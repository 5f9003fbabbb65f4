using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// The optimizer updates, one parameter at a time: the paper's SGD with momentum and weight decay
// (section 5), Adam, and AdamW (Adam with decoupled weight decay). Fast versions: Cpu/CpuBackend.Optimizers.cs (vectors, threads), Cuda/Kernels/optimizers.cu.
public sealed partial class ReferenceBackend
{
    public void SgdMomentumUpdate(Tensor gradient, float learningRate, float momentum, float weightDecay, Tensor velocity, Tensor parameter)
    {
        const string op = nameof(SgdMomentumUpdate);
        float[] g = Values(gradient, nameof(gradient), op), v = Values(velocity, nameof(velocity), op), w = Values(parameter, nameof(parameter), op);
        OpContract.SgdMomentumUpdate(gradient, velocity, parameter);
        var (newVelocity, newParameter) = SgdMomentum(g[..parameter.Length], learningRate, momentum, weightDecay, v[..parameter.Length], w[..parameter.Length]);
        Store(newVelocity, velocity);
        Store(newParameter, parameter);
    }

    public void AdamUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter) =>
        AdamFamilyUpdate(nameof(AdamUpdate), gradient, m, v, parameter,
            () => OpContract.AdamUpdate(gradient, weightDecay, step, m, v, parameter),
            (g, vm, vv, w) => Adam(g, learningRate, beta1, beta2, epsilon, step, vm, vv, w, weightDecay));

    public void AdamWUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter) =>
        AdamFamilyUpdate(nameof(AdamWUpdate), gradient, m, v, parameter,
            () => OpContract.AdamWUpdate(gradient, weightDecay, step, m, v, parameter),
            (g, vm, vv, w) => AdamW(g, learningRate, beta1, beta2, epsilon, weightDecay, step, vm, vv, w));

    /// <summary>Adam and AdamW read and write the same tensors: g, m, v, w in; the new m, v and w stored back.</summary>
    private void AdamFamilyUpdate(string op, Tensor gradient, Tensor m, Tensor v, Tensor parameter, Action checkContract,
        Func<float[], float[], float[], float[], (float[] M, float[] V, float[] Parameter)> update)
    {
        float[] g = Values(gradient, nameof(gradient), op), vm = Values(m, nameof(m), op), vv = Values(v, nameof(v), op), w = Values(parameter, nameof(parameter), op);
        checkContract();
        int length = parameter.Length;
        var (newM, newV, newParameter) = update(g[..length], vm[..length], vv[..length], w[..length]);
        Store(newM, m);
        Store(newV, v);
        Store(newParameter, parameter);
    }

    /// <summary>The paper's update: v ← momentum·v − weightDecay·lr·w − lr·g; w ← w + v. Returns the new (velocity, parameter).</summary>
    public static (T[] Velocity, T[] Parameter) SgdMomentum<T>(T[] gradient, T learningRate, T momentum, T weightDecay, T[] velocity, T[] parameter)
        where T : IFloatingPointIeee754<T>
    {
        var v = new T[parameter.Length];
        var w = new T[parameter.Length];
        for (int i = 0; i < w.Length; i++)
        {
            v[i] = (momentum * velocity[i]) - (weightDecay * learningRate * parameter[i]) - (learningRate * gradient[i]);
            w[i] = parameter[i] + v[i];
        }
        return (v, w);
    }

    /// <summary>
    /// Adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − lr·m̂/(√v̂ + ε), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t),
    /// where g includes the L2 term λ·w when <paramref name="weightDecay"/> is above 0. Returns the new (m, v, parameter).
    /// </summary>
    public static (T[] M, T[] V, T[] Parameter) Adam<T>(T[] gradient, T learningRate, T beta1, T beta2, T epsilon, int step, T[] m, T[] v, T[] parameter, T weightDecay = default!)
        where T : IFloatingPointIeee754<T>
    {
        var newM = new T[parameter.Length];
        var newV = new T[parameter.Length];
        var w = new T[parameter.Length];
        for (int i = 0; i < w.Length; i++)
        {
            T g = gradient[i] + (weightDecay * parameter[i]);
            newM[i] = (beta1 * m[i]) + ((T.One - beta1) * g);
            newV[i] = (beta2 * v[i]) + ((T.One - beta2) * g * g);
            var (mHat, vHat) = BiasCorrected(newM[i], newV[i], beta1, beta2, step);
            w[i] = parameter[i] - (learningRate * mHat / (T.Sqrt(vHat) + epsilon));
        }
        return (newM, newV, w);
    }

    /// <summary>
    /// AdamW: Adam's moments and bias corrections, then w ← w − lr·(m̂/(√v̂ + ε) + λ·w), the decay λ·w
    /// beside the adaptive step instead of inside g (Loshchilov &amp; Hutter, Algorithm 2). Returns the new (m, v, parameter).
    /// </summary>
    public static (T[] M, T[] V, T[] Parameter) AdamW<T>(T[] gradient, T learningRate, T beta1, T beta2, T epsilon, T weightDecay, int step, T[] m, T[] v, T[] parameter)
        where T : IFloatingPointIeee754<T>
    {
        var newM = new T[parameter.Length];
        var newV = new T[parameter.Length];
        var w = new T[parameter.Length];
        for (int i = 0; i < w.Length; i++)
        {
            newM[i] = (beta1 * m[i]) + ((T.One - beta1) * gradient[i]);
            newV[i] = (beta2 * v[i]) + ((T.One - beta2) * gradient[i] * gradient[i]);
            var (mHat, vHat) = BiasCorrected(newM[i], newV[i], beta1, beta2, step);
            w[i] = parameter[i] - (learningRate * ((mHat / (T.Sqrt(vHat) + epsilon)) + (weightDecay * parameter[i])));
        }
        return (newM, newV, w);
    }

    /// <summary>Adam's bias corrections at step t: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), undoing the moments' start at 0.</summary>
    private static (T MHat, T VHat) BiasCorrected<T>(T m, T v, T beta1, T beta2, int step)
        where T : IFloatingPointIeee754<T>
    {
        T t = T.CreateChecked(step);
        return (m / (T.One - T.Pow(beta1, t)), v / (T.One - T.Pow(beta2, t)));
    }
}
