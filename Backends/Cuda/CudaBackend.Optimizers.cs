using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Parameter updates: Kernels/optimizers.cu. Mirrors Cpu/CpuBackend.Optimizers.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Optimizers.cs.
public sealed partial class CudaBackend
{
    public void SgdMomentumUpdate(Tensor gradient, float learningRate, float momentum, float weightDecay, Tensor velocity, Tensor parameter)
    {
        const string op = nameof(SgdMomentumUpdate);
        OpContract.SgdMomentumUpdate(gradient, velocity, parameter);
        LaunchElements(Kernel.SgdMomentumUpdate, gradient.Length, Address(gradient, op), learningRate, momentum, weightDecay,
            gradient.Length, Address(velocity, op), Address(parameter, op));
    }

    public void AdamUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter)
    {
        const string op = nameof(AdamUpdate);
        OpContract.AdamUpdate(gradient, weightDecay, step, m, v, parameter);
        // The bias corrections 1/(1 − β^t) are the same for every element: computed once here, in double.
        float inverseCorrection1 = (float)(1.0 / (1.0 - Math.Pow(beta1, step)));
        float inverseCorrection2 = (float)(1.0 / (1.0 - Math.Pow(beta2, step)));
        LaunchElements(Kernel.AdamUpdate, gradient.Length, Address(gradient, op), learningRate, beta1, beta2, epsilon, weightDecay,
            inverseCorrection1, inverseCorrection2, gradient.Length, Address(m, op), Address(v, op), Address(parameter, op));
    }

    public void AdamWUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter)
    {
        const string op = nameof(AdamWUpdate);
        OpContract.AdamWUpdate(gradient, weightDecay, step, m, v, parameter);
        float inverseCorrection1 = (float)(1.0 / (1.0 - Math.Pow(beta1, step)));
        float inverseCorrection2 = (float)(1.0 / (1.0 - Math.Pow(beta2, step)));
        LaunchElements(Kernel.AdamwUpdate, gradient.Length, Address(gradient, op), learningRate, beta1, beta2, epsilon, weightDecay,
            inverseCorrection1, inverseCorrection2, gradient.Length, Address(m, op), Address(v, op), Address(parameter, op));
    }
}
