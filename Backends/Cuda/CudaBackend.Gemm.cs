using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Every matrix product of the backend goes through RowMajorGemm below, and so to cuBLAS.
// Mirrors Cpu/CpuBackend.Gemm.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Gemm.cs.
public sealed partial class CudaBackend
{
    public void Gemm(Tensor a, Tensor b, bool transposeA, bool transposeB, float alpha, float beta, Tensor c)
    {
        var (m, n, k) = OpContract.Gemm(a, b, transposeA, transposeB, c);
        var (aColumns, bColumns, cColumns) = (a.Shape.ItemLength, b.Shape.ItemLength, c.Shape.ItemLength);
        RowMajorGemm(transposeA, transposeB, m, n, k, alpha,
            Address(a, nameof(Gemm)), aColumns, 0,
            Address(b, nameof(Gemm)), bColumns, 0,
            beta, Address(c, nameof(Gemm)), cColumns, 0);
    }

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C on row-major matrices (op(A) m×k, op(B) k×n, C m×n; ld = the
    /// stored row length), for <paramref name="batchCount"/> matrices the given strides apart.
    /// <para>
    /// <b>The row-major trick.</b> cuBLAS is column-major (Fortran's BLAS): it reads an r×c matrix
    /// with leading dimension ld at [i + j·ld]. Our tensors are row-major: element (i, j) of an r×c
    /// matrix is at [i·ld + j]. The same memory is therefore, to cuBLAS, the c×r matrix Xᵀ. So
    /// instead of asking for C = op(A)·op(B) — which cuBLAS would read wrongly — we ask for
    /// Cᵀ = op(B)ᵀ·op(A)ᵀ: pass B where cuBLAS expects its first operand and A as its second, keep
    /// each transpose flag with its own matrix, swap m and n, and keep every leading dimension
    /// (a row-major row length is exactly cuBLAS's column stride of the transposed view). cuBLAS then
    /// writes Cᵀ in column-major order, which is C in row-major order: nothing is copied or transposed.
    /// </para>
    /// </summary>
    private void RowMajorGemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        DevicePointer a, int lda, long strideA, DevicePointer b, int ldb, long strideB,
        float beta, DevicePointer c, int ldc, long strideC, int batchCount = 1)
    {
        if (m == 0 || n == 0 || batchCount == 0)
        {
            return;
        }
        _device.Gemm(new GemmCall(transposeB, transposeA, n, m, k, alpha,
            b, ldb, strideB, a, lda, strideA, beta, c, ldc, strideC, batchCount));
    }
}
