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
        // Each tensor is a matrix: rows = its outermost dimension, columns = the rest.
        var (aRows, aColumns) = (a.Shape.N, a.Shape.ItemLength);
        var (bRows, bColumns) = (b.Shape.N, b.Shape.ItemLength);
        int m = transposeA ? aColumns : aRows;
        int k = transposeA ? aRows : aColumns;
        int kOfB = transposeB ? bColumns : bRows;
        int n = transposeB ? bRows : bColumns;
        if (k != kOfB)
        {
            throw new ArgumentException(
                $"Gemm: op(a) is {m}×{k} (a is {a.Describe()}{(transposeA ? ", transposed" : "")}) but op(b) is {kOfB}×{n} " +
                $"(b is {b.Describe()}{(transposeB ? ", transposed" : "")}); the inner dimensions must agree.", nameof(b));
        }
        if (c.Shape.N != m || c.Shape.ItemLength != n)
        {
            throw new ArgumentException($"Gemm: c is {c.Describe()}, a {c.Shape.N}×{c.Shape.ItemLength} matrix, expected {m}×{n} (op(a)·op(b)).", nameof(c));
        }
        ExpectDistinct(c, nameof(c), a, nameof(a));
        ExpectDistinct(c, nameof(c), b, nameof(b));
        _gemm.Multiply(transposeA, transposeB, m, n, k, alpha, pa, aColumns, pb, bColumns, beta, pc, n, parallel: true);
    }
}
