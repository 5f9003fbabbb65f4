using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// The public GEMM op: checks the shapes, then calls the blocked, vectorized, multi-threaded
// Gemm/Sgemm — the same entry point convolution and dense layers use internally.
public sealed partial class CpuBackend
{
    public unsafe void Gemm(Tensor a, Tensor b, bool transposeA, bool transposeB, float alpha, float beta, Tensor c)
    {
        float* pa = Data(a, nameof(a));
        float* pb = Data(b, nameof(b));
        float* pc = Data(c, nameof(c));
        var (m, n, k) = OpContract.Gemm(a, b, transposeA, transposeB, c);
        // Each tensor is a matrix: rows = its outermost dimension, columns = the rest (its leading dimension).
        _gemm.Multiply(transposeA, transposeB, m, n, k, alpha, pa, a.Shape.ItemLength, pb, b.Shape.ItemLength, beta, pc, n, parallel: true);
    }
}
