namespace AlexNet.Tests.Reference;

/// <summary>
/// The reference implementation of every <c>IBackend</c> op: plain loops in double precision,
/// straight from each formula, on flat row-major arrays with explicit shapes. It is proven on its
/// own (known values, gradient checks) and then every backend is compared with it.
/// </summary>
public static partial class ReferenceOps
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C (C ignored when beta = 0). A is [M, K] ([K, M] when transposed), B is [K, N] ([N, K] when transposed).</summary>
    public static double[] Gemm(double[] a, double[] b, double[] c, int m, int n, int k, bool transposeA, bool transposeB, double alpha, double beta)
    {
        var result = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double aValue = transposeA ? a[(p * m) + i] : a[(i * k) + p];
                    double bValue = transposeB ? b[(j * k) + p] : b[(p * n) + j];
                    sum += aValue * bValue;
                }
                result[(i * n) + j] = (alpha * sum) + (beta == 0 ? 0 : beta * c[(i * n) + j]);
            }
        }
        return result;
    }
}
