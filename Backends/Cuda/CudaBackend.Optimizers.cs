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
        OpContract.AdamUpdate(gradient, weightDecay, step, m, v, parameter);
        LaunchAdamFamily(Kernel.AdamUpdate, nameof(AdamUpdate), gradient, learningRate, beta1, beta2, epsilon, weightDecay, step, m, v, parameter);
    }

    public void AdamWUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter)
    {
        OpContract.AdamWUpdate(gradient, weightDecay, step, m, v, parameter);
        LaunchAdamFamily(Kernel.AdamwUpdate, nameof(AdamWUpdate), gradient, learningRate, beta1, beta2, epsilon, weightDecay, step, m, v, parameter);
    }

    /// <summary>
    /// adam_update and adamw_update take the same arguments: the bias corrections 1/(1 − β^t), the same for
    /// every element, come from the host (<see cref="AdamBiasCorrection"/>).
    /// </summary>
    private void LaunchAdamFamily(Kernel kernel, string op, Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step,
        Tensor m, Tensor v, Tensor parameter)
    {
        var (inverseCorrection1, inverseCorrection2) = AdamBiasCorrection.Inverses(beta1, beta2, step);
        LaunchElements(kernel, gradient.Length, Address(gradient, op), learningRate, beta1, beta2, epsilon, weightDecay,
            inverseCorrection1, inverseCorrection2, gradient.Length, Address(m, op), Address(v, op), Address(parameter, op));
    }
}
