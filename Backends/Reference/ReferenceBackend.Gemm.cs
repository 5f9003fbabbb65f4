using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// General matrix multiply, C = alpha·op(A)·op(B) + beta·C: three loops, the sum over k innermost.
// Fast versions: Cpu/Gemm/Sgemm.cs (packed panels, register-tiled micro-kernels, threads) and
// Cuda/CudaBackend.Gemm.cs (cuBLAS).
public sealed partial class ReferenceBackend
{
    public void Gemm(Tensor a, Tensor b, bool transposeA, bool transposeB, float alpha, float beta, Tensor c)
    {
        float[] va = Values(a, nameof(a), nameof(Gemm)), vb = Values(b, nameof(b), nameof(Gemm)), vc = Values(c, nameof(c), nameof(Gemm));
        var (m, n, k) = OpContract.Gemm(a, b, transposeA, transposeB, c);
        Store(Gemm(va, vb, vc, m, n, k, transposeA, transposeB, alpha, beta), c);
    }

    /// <summary>
    /// C[i, j] = alpha·Σ_p op(A)[i, p]·op(B)[p, j] + beta·C[i, j] (C not read when beta = 0).
    /// A is [M, K] ([K, M] when transposed), B is [K, N] ([N, K] when transposed), all row-major.
    /// </summary>
    public static T[] Gemm<T>(T[] a, T[] b, T[] c, int m, int n, int k, bool transposeA, bool transposeB, T alpha, T beta)
        where T : IFloatingPointIeee754<T>
    {
        var result = new T[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T aValue = transposeA ? a[(p * m) + i] : a[(i * k) + p];
                    T bValue = transposeB ? b[(j * k) + p] : b[(p * n) + j];
                    sum += aValue * bValue;
                }
                result[(i * n) + j] = (alpha * sum) + (beta == T.Zero ? T.Zero : beta * c[(i * n) + j]);
            }
        }
        return result;
    }
}
