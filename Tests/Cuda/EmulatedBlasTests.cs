using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Tests.Backends;
using AlexNet.Tensors;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// The emulated cuBLAS against cuBLAS's own definition, written out here in column-major indexing:
/// the emulated runs can only prove the backend's row-major mapping if this one is right.
/// </summary>
public class EmulatedBlasTests
{
    [Theory]
    [InlineData(false, false, 1)]
    [InlineData(true, false, 1)]
    [InlineData(false, true, 3)]
    [InlineData(true, true, 3)]
    public unsafe void Sgemm_computes_cuBLAS_column_major_definition(bool transposeA, bool transposeB, int batch)
    {
        const int m = 7, n = 5, k = 9, pad = 2;  // leading dimensions larger than the rows, as cuBLAS allows
        int lda = (transposeA ? k : m) + pad, ldb = (transposeB ? n : k) + pad, ldc = m + pad;
        long strideA = (long)lda * (transposeA ? m : k), strideB = 0, strideC = (long)ldc * n;  // B shared by the batch
        var random = new Random(17);
        float[] a = TestData.Uniform(random, (int)(strideA * batch));
        float[] b = TestData.Uniform(random, ldb * (transposeB ? k : n));
        float[] c = TestData.Uniform(random, (int)(strideC * batch));
        double[] expected = Array.ConvertAll(c, v => (double)v);
        const float alpha = 0.75f, beta = -0.5f;
        for (int p = 0; p < batch; p++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < m; i++)
                {
                    double sum = 0;
                    for (int l = 0; l < k; l++)
                    {
                        double left = transposeA ? a[(p * strideA) + l + (i * lda)] : a[(p * strideA) + i + (l * lda)];
                        double right = transposeB ? b[j + (l * ldb)] : b[l + (j * ldb)];
                        sum += left * right;
                    }
                    long at = (p * strideC) + i + (j * ldc);
                    expected[at] = (alpha * sum) + (beta * c[at]);
                }
            }
        }

        using var blas = new EmulatedBlas();
        fixed (float* pa = a, pb = b, pc = c)
        {
            blas.Run(new GemmCall(transposeA, transposeB, m, n, k, alpha,
                Address(pa), lda, strideA, Address(pb), ldb, strideB, beta, Address(pc), ldc, strideC, batch));
        }

        Compare.Close("emulated cublasSgemm C", new Shape(c.Length), c, expected, Tolerances.SumOf(k), Tolerances.Relative);
    }

    [Fact]
    public unsafe void A_leading_dimension_shorter_than_a_column_is_CUBLAS_STATUS_INVALID_VALUE()
    {
        var values = new float[64];
        using var blas = new EmulatedBlas();
        CudaException? error = null;
        fixed (float* p = values)
        {
            var call = new GemmCall(false, false, 4, 4, 4, 1f, Address(p), 3, 0, Address(p), 4, 0, 0f, Address(p), 4, 0);
            try
            {
                blas.Run(call);
            }
            catch (CudaException e)
            {
                error = e;
            }
        }
        Assert.NotNull(error);
        Assert.Equal("CUBLAS_STATUS_INVALID_VALUE", error.ErrorName);
        Assert.Contains("lda=3", error.Message);
    }

    private static unsafe DevicePointer Address(float* pointer) => new((ulong)pointer);
}
