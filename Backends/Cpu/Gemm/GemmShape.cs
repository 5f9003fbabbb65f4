namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// The sizes and scalars of one product C = alpha·op(A)·op(B) + beta·C: op(A) is M×K, op(B) K×N, C M×N;
/// with <see cref="Relu"/>, C = max(0, alpha·op(A)·op(B) + beta·C) instead (a bias in C, then the ReLU:
/// the epilogue of a convolution or dense layer followed by a ReLU). With the two operands and C it is
/// everything <see cref="Sgemm.Multiply{TA, TB}"/> needs.
/// </summary>
internal readonly record struct GemmShape(int M, int N, int K, float Alpha = 1f, float Beta = 0f, bool Relu = false);
