using System.Runtime.CompilerServices;

namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the order the micro-kernel reads them, so that its loads
/// are consecutive whatever the transposes and leading dimensions were — which is also how one
/// micro-kernel serves all four transpose combinations. Edges are padded with zeros, so the
/// micro-kernel always runs on full tiles.
/// </summary>
internal static unsafe class Packing
{
    /// <summary>
    /// Packs rows <paramref name="row0"/> … +mr−1 and columns <paramref name="p0"/> … +kc−1 of op(A)
    /// (an M×K matrix) as a sliver: for each p, the mr values of column p. Rows at or past
    /// <paramref name="m"/> are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, int lda, bool transposeA, int m, int row0, int p0, int kc, int mr, float* destination)
    {
        int rows = Math.Min(mr, m - row0);
        if (transposeA)
        {
            // A is stored K×M: the mr values of one column of op(A) are already consecutive.
            for (int p = 0; p < kc; p++)
            {
                float* source = a + ((long)(p0 + p) * lda) + row0;
                float* target = destination + ((long)p * mr);
                new ReadOnlySpan<float>(source, rows).CopyTo(new Span<float>(target, rows));
                new Span<float>(target + rows, mr - rows).Clear();
            }
        }
        else
        {
            // A is stored M×K: read each row once, consecutively, and scatter it across the sliver.
            for (int i = 0; i < rows; i++)
            {
                float* source = a + ((long)(row0 + i) * lda) + p0;
                for (int p = 0; p < kc; p++)
                {
                    destination[((long)p * mr) + i] = source[p];
                }
            }
            for (int i = rows; i < mr; i++)
            {
                for (int p = 0; p < kc; p++)
                {
                    destination[((long)p * mr) + i] = 0;
                }
            }
        }
    }

    /// <summary>
    /// Packs rows <paramref name="p0"/> … +kc−1 and columns <paramref name="column0"/> … +nr−1 of op(B)
    /// (a K×N matrix) as a sliver: for each p, the nr values of row p. Columns at or past
    /// <paramref name="n"/> are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* b, int ldb, bool transposeB, int n, int column0, int p0, int kc, int nr, float* destination)
    {
        int columns = Math.Min(nr, n - column0);
        if (!transposeB)
        {
            // B is stored K×N: each row segment is consecutive already.
            for (int p = 0; p < kc; p++)
            {
                float* source = b + ((long)(p0 + p) * ldb) + column0;
                float* target = destination + ((long)p * nr);
                new ReadOnlySpan<float>(source, columns).CopyTo(new Span<float>(target, columns));
                new Span<float>(target + columns, nr - columns).Clear();
            }
        }
        else
        {
            // B is stored N×K: read each of its rows (a column of op(B)) consecutively and scatter.
            for (int j = 0; j < columns; j++)
            {
                float* source = b + ((long)(column0 + j) * ldb) + p0;
                for (int p = 0; p < kc; p++)
                {
                    destination[((long)p * nr) + j] = source[p];
                }
            }
            for (int j = columns; j < nr; j++)
            {
                for (int p = 0; p < kc; p++)
                {
                    destination[((long)p * nr) + j] = 0;
                }
            }
        }
    }
}
