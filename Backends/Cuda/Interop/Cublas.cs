using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlexNet.Backends.Cuda.Interop;

/// <summary>A cuBLAS status code (<c>cublasStatus_t</c>).</summary>
internal enum CublasStatus
{
    Success = 0,
    NotInitialized = 1,
    AllocFailed = 3,
    InvalidValue = 7,
    ArchMismatch = 8,
    MappingError = 11,
    ExecutionFailed = 13,
    InternalError = 14,
    NotSupported = 15,
    LicenseError = 16,
}

/// <summary>Whether cuBLAS transposes an operand (<c>cublasOperation_t</c>).</summary>
internal enum CublasOperation
{
    None = 0,
    Transpose = 1,
}

/// <summary>
/// cuBLAS (<c>cublas_api.h</c>): a handle bound to our stream and single-precision GEMM, plain and
/// strided-batched. cuBLAS is column-major; CudaBackend.Gemm.cs explains how row-major
/// tensors are passed to it. alpha and beta are host pointers (the default pointer mode); a, b and c
/// are device addresses, typed <c>float*</c> as <c>cublas_api.h</c> declares them.
/// Wrap every call in <see cref="Check"/>.
/// </summary>
internal static unsafe partial class Cublas
{
    /// <summary><c>CUBLAS_DEFAULT_MATH</c>: full FP32 arithmetic, no TF32 tensor cores (NVIDIA_TF32_OVERRIDE=0 also forbids them process-wide; nothing forces them on).</summary>
    public const int DefaultMath = 0;

    /// <summary><c>CUBLAS_TF32_TENSOR_OP_MATH</c>: FP32 GEMMs on TF32 tensor cores (10-bit mantissa products, FP32 sums), as PyTorch convolutions run by default on Ampere and newer.</summary>
    public const int Tf32TensorOpMath = 3;

    static Cublas() => NativeLibraries.EnsureResolver();

    [LibraryImport(NativeLibraries.Blas)]
    public static partial CublasStatus cublasCreate_v2(out nint handle);

    [LibraryImport(NativeLibraries.Blas)]
    public static partial CublasStatus cublasDestroy_v2(nint handle);

    [LibraryImport(NativeLibraries.Blas)]
    public static partial CublasStatus cublasGetVersion_v2(nint handle, out int version);

    [LibraryImport(NativeLibraries.Blas)]
    public static partial CublasStatus cublasSetStream_v2(nint handle, nint stream);

    [LibraryImport(NativeLibraries.Blas)]
    public static partial CublasStatus cublasSetMathMode(nint handle, int mode);

    [LibraryImport(NativeLibraries.Blas)]
    public static partial CublasStatus cublasSgemm_v2(nint handle, CublasOperation transposeA, CublasOperation transposeB,
        int m, int n, int k, float* alpha, float* a, int lda, float* b, int ldb, float* beta, float* c, int ldc);

    [LibraryImport(NativeLibraries.Blas)]
    public static partial CublasStatus cublasSgemmStridedBatched(nint handle, CublasOperation transposeA, CublasOperation transposeB,
        int m, int n, int k, float* alpha, float* a, int lda, long strideA, float* b, int ldb, long strideB,
        float* beta, float* c, int ldc, long strideC, int batchCount);

    /// <summary>Throws a <see cref="CudaException"/> naming the call unless <paramref name="status"/> is success.</summary>
    public static void Check(CublasStatus status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CublasStatus.Success)
        {
            var (name, text) = Describe(status);
            throw new CudaException(Driver.CallName(call), name, text, (int)status);
        }
    }

    /// <summary>
    /// The status's name and meaning as <c>cublas_api.h</c> and the cuBLAS documentation give them
    /// (kept here because <c>cublasGetStatusString</c> is missing before CUDA 11.4).
    /// </summary>
    public static (string Name, string Text) Describe(CublasStatus status) => status switch
    {
        CublasStatus.Success => ("CUBLAS_STATUS_SUCCESS", "the operation completed successfully"),
        CublasStatus.NotInitialized => ("CUBLAS_STATUS_NOT_INITIALIZED", "the cuBLAS library was not initialized"),
        CublasStatus.AllocFailed => ("CUBLAS_STATUS_ALLOC_FAILED", "resource allocation failed inside cuBLAS"),
        CublasStatus.InvalidValue => ("CUBLAS_STATUS_INVALID_VALUE", "an unsupported value or parameter was passed to the function"),
        CublasStatus.ArchMismatch => ("CUBLAS_STATUS_ARCH_MISMATCH", "the function requires a feature absent from the device architecture"),
        CublasStatus.MappingError => ("CUBLAS_STATUS_MAPPING_ERROR", "an access to GPU memory space failed"),
        CublasStatus.ExecutionFailed => ("CUBLAS_STATUS_EXECUTION_FAILED", "the GPU program failed to execute"),
        CublasStatus.InternalError => ("CUBLAS_STATUS_INTERNAL_ERROR", "an internal cuBLAS operation failed"),
        CublasStatus.NotSupported => ("CUBLAS_STATUS_NOT_SUPPORTED", "the functionality requested is not supported"),
        CublasStatus.LicenseError => ("CUBLAS_STATUS_LICENSE_ERROR", "the functionality requested requires some license"),
        _ => ($"cublasStatus_t {(int)status}", "unknown cuBLAS status"),
    };
}
