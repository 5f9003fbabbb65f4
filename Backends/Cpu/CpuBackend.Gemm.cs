using AlexNet.Backends.Cpu.Gemm;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// The public GEMM op: checks the shapes, then calls the blocked, vectorized, multi-threaded
// Gemm/Sgemm — the same entry point convolution and dense layers use internally.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Gemm.cs.
public sealed partial class CpuBackend
{
    public unsafe void Gemm(Tensor a, Tensor b, bool transposeA, bool transposeB, float alpha, float beta, Tensor c)
    {
        float* pa = Data(a, nameof(a));
        float* pb = Data(b, nameof(b));
        float* pc = Data(c, nameof(c));
        var (m, n, k) = OpContract.Gemm(a, b, transposeA, transposeB, c);
        // Each tensor is a matrix: rows = its outermost dimension, columns = the rest (its leading dimension).
        _gemm.Multiply(new GemmShape(m, n, k, alpha, beta), new MatrixA(pa, a.Shape.ItemLength, transposeA, m), new MatrixB(pb, b.Shape.ItemLength, transposeB, n), pc, n, parallel: true);
    }
}
