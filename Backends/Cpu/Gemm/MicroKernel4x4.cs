namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// The portable micro-kernel: a 4×4 tile of C in sixteen scalar locals, for processors without
/// 256-bit vectors. It is also the clearest picture of what every micro-kernel does: per k step,
/// four values of A times four values of B, added into the tile (an outer product).
/// </summary>
internal readonly struct MicroKernel4x4 : IMicroKernel
{
    public static int Rows => 4;

    public static int Columns => 4;

    public static unsafe void Multiply(int kc, float* a, float* b, float alpha, float beta, bool relu, float* c, nint ldc)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0;
            c01 += a0 * b1;
            c02 += a0 * b2;
            c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0;
            c11 += a1 * b1;
            c12 += a1 * b2;
            c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0;
            c21 += a2 * b1;
            c22 += a2 * b2;
            c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0;
            c31 += a3 * b1;
            c32 += a3 * b2;
            c33 += a3 * b3;
            a += 4;
            b += 4;
        }
        StoreRow(c00, c01, c02, c03, alpha, beta, relu, c);
        StoreRow(c10, c11, c12, c13, alpha, beta, relu, c + ldc);
        StoreRow(c20, c21, c22, c23, alpha, beta, relu, c + (2 * ldc));
        StoreRow(c30, c31, c32, c33, alpha, beta, relu, c + (3 * ldc));
    }

    private static unsafe void StoreRow(float s0, float s1, float s2, float s3, float alpha, float beta, bool relu, float* c)
    {
        StoreRow(s0, s1, s2, s3, alpha, beta, c);
        if (relu)
        {
            for (int j = 0; j < 4; j++)
            {
                c[j] = MathF.Max(c[j], 0f);
            }
        }
    }

    private static unsafe void StoreRow(float s0, float s1, float s2, float s3, float alpha, float beta, float* c)
    {
        if (beta == 0)
        {
            c[0] = alpha * s0;
            c[1] = alpha * s1;
            c[2] = alpha * s2;
            c[3] = alpha * s3;
        }
        else
        {
            c[0] = (beta * c[0]) + (alpha * s0);
            c[1] = (beta * c[1]) + (alpha * s1);
            c[2] = (beta * c[2]) + (alpha * s2);
            c[3] = (beta * c[3]) + (alpha * s3);
        }
    }
}
