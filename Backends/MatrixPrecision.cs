namespace AlexNet.Backends;

/// <summary>
/// The arithmetic of matrix products (the GEMMs behind convolutions and dense layers).
/// <see cref="Fp32"/>, the default, everywhere; <see cref="Tf32"/> only on the cuda backend:
/// cuBLAS's TF32 tensor-core mode on Ampere and newer (<c>CUBLAS_TF32_TENSOR_OP_MATH</c>), whose
/// products keep 10 mantissa bits and whose sums stay FP32 — what PyTorch's convolutions use by
/// default there, so a throughput comparison with PyTorch is like for like.
/// </summary>
public enum MatrixPrecision
{
    Fp32,
    Tf32,
}
