using AlexNet.Backends.Cpu;
using AlexNet.Backends.Cpu.Gemm;
using AlexNet.Backends.Cuda.Interop;

namespace AlexNet.Backends.Cuda.Emulation;

/// <summary>
/// <c>cublasSgemm</c> and <c>cublasSgemmStridedBatched</c> for the emulated device, computed by the
/// CPU backend's GEMM (<see cref="Sgemm"/>). cuBLAS's contract is column-major: element (i, j) of a
/// matrix with leading dimension ld is at [i + j·ld], C = alpha·op(A)·op(B) + beta·C, C not read
/// when beta = 0, and an invalid size or leading dimension is <c>CUBLAS_STATUS_INVALID_VALUE</c>.
/// A column-major r×c matrix is, in the same memory, the row-major c×r matrix of its transpose, so
/// the call is computed as the row-major Cᵀ = op(B)ᵀ·op(A)ᵀ. (That is the mapping
/// <see cref="CudaBackend"/> makes in the other direction; <c>EmulatedBlasTests</c> checks this one
/// against the column-major definition written out, so the backend's mapping is tested against
/// cuBLAS's contract and not against itself.)
/// </summary>
internal sealed unsafe class EmulatedBlas : IDisposable
{
    private readonly Workspace _workspace = new();
    private readonly Sgemm _gemm;

    public EmulatedBlas() => _gemm = new Sgemm(GemmKernel.Auto, blocking: null, _workspace, new ParallelOptions());

    /// <summary>Runs the call on host memory; the device pointers are host addresses.</summary>
    public void Run(in GemmCall call)
    {
        Validate(call);
        for (int batch = 0; batch < call.BatchCount; batch++)
        {
            float* a = (float*)call.A.Address + (batch * call.StrideA);
            float* b = (float*)call.B.Address + (batch * call.StrideB);
            float* c = (float*)call.C.Address + (batch * call.StrideC);
            _gemm.Multiply(new GemmShape(call.N, call.M, call.K, call.Alpha, call.Beta),
                new MatrixA(b, call.Ldb, call.TransposeB, call.N), new MatrixB(a, call.Lda, call.TransposeA, call.M), c, call.Ldc, parallel: true);
        }
    }

    public void Dispose() => _workspace.Dispose();

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
