using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda.Emulation;

/// <summary>
/// <c>cublasSgemm</c> and <c>cublasSgemmStridedBatched</c> as the cuBLAS documentation defines
/// them, written out on the CPU for the emulated device: column-major storage,
/// C = alpha·op(A)·op(B) + beta·C, element (i, j) of a matrix with leading dimension ld at
/// [i + j·ld], C not read when beta = 0, and the same argument checks (an invalid leading dimension
/// is <c>CUBLAS_STATUS_INVALID_VALUE</c>). It is deliberately written from that definition and not
/// from the row-major view, so the emulated runs test the backend's row-major-to-column-major
/// mapping rather than repeat it.
/// </summary>
internal static unsafe class EmulatedBlas
{
    /// <summary>Runs the call on host memory; the device pointers are host addresses.</summary>
    public static void Run(in GemmCall call)
    {
        Validate(call);
        if (call.M == 0 || call.N == 0)
        {
            return;
        }
        var c = call;  // a copy the parallel loop can capture
        for (int batch = 0; batch < c.BatchCount; batch++)
        {
            float* a = (float*)c.A.Address + batch * c.StrideA;
            float* b = (float*)c.B.Address + batch * c.StrideB;
            float* output = (float*)c.C.Address + batch * c.StrideC;
            long work = (long)c.M * c.N * c.K;
            if (work < 1 << 16)
            {
                for (int j = 0; j < c.N; j++)
                {
                    Column(c, a, b, output, j);
                }
            }
            else
            {
                Parallel.For(0, c.N, j => Column(c, a, b, output, j));
            }
        }
    }

    // Column j of C: C[i, j] = alpha · Σ_l op(A)[i, l] · op(B)[l, j] (+ beta · C[i, j]).
    private static void Column(in GemmCall c, float* a, float* b, float* output, int j)
    {
        long aRow = c.TransposeA ? c.Lda : 1, aColumn = c.TransposeA ? 1 : c.Lda;  // op(A)[i, l] = a[i·aRow + l·aColumn]
        long bRow = c.TransposeB ? c.Ldb : 1, bColumn = c.TransposeB ? 1 : c.Ldb;
        for (int i = 0; i < c.M; i++)
        {
            float sum = 0f;
            for (int l = 0; l < c.K; l++)
            {
                sum += a[i * aRow + l * aColumn] * b[l * bRow + j * bColumn];
            }
            float* target = output + i + ((long)j * c.Ldc);
            *target = c.Beta == 0f ? c.Alpha * sum : (c.Alpha * sum) + (c.Beta * *target);
        }
    }

    private static void Validate(in GemmCall c)
    {
        string call = c.BatchCount == 1 ? "cublasSgemm_v2" : "cublasSgemmStridedBatched";
        int aRows = c.TransposeA ? c.K : c.M, bRows = c.TransposeB ? c.N : c.K;
        if (c.M < 0 || c.N < 0 || c.K < 0 || c.BatchCount < 0
            || c.Lda < Math.Max(1, aRows) || c.Ldb < Math.Max(1, bRows) || c.Ldc < Math.Max(1, c.M))
        {
            var (name, text) = Cublas.Describe(CublasStatus.InvalidValue);
            throw new CudaException(call, name, text, (int)CublasStatus.InvalidValue,
                $"(emulated: m={c.M} n={c.N} k={c.K} lda={c.Lda} ldb={c.Ldb} ldc={c.Ldc} batch={c.BatchCount})");
        }
    }
}
