namespace AlexNet.Backends;

/// <summary>
/// Adam's bias corrections for step t as the fast backends apply them: m̂ = m·r1 and v̂ = v·r2 with
/// r1 = 1/(1 − β1^t) and r2 = 1/(1 − β2^t). They are the same for every element, so the CPU and CUDA
/// backends compute them once per call, in double, and Adam and AdamW share them. The reference
/// divides per element instead, as the formula reads: Reference/ReferenceBackend.Optimizers.cs.
/// </summary>
internal static class AdamBiasCorrection
{
    /// <summary>(r1, r2) = (1/(1 − β1^t), 1/(1 − β2^t)), rounded to float once.</summary>
    public static (float Inverse1, float Inverse2) Inverses(float beta1, float beta2, int step) =>
        ((float)(1.0 / (1.0 - Math.Pow(beta1, step))), (float)(1.0 / (1.0 - Math.Pow(beta2, step))));
}
