using System.Runtime.CompilerServices;

namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// The left operand op(A) of a product, an M×K matrix, as <see cref="Sgemm"/> sees it: something
/// that can copy any block of rows and columns into a sliver in the micro-kernel's order. A plain
/// matrix (<see cref="MatrixA"/>) is one such source; a convolution's weights seen flipped, or its
/// output gradient across a batch, are others (<c>ConvolutionOperands.cs</c>) — packing is where a
/// matrix that never exists in memory gets built, one cache-sized sliver at a time.
/// </summary>
internal interface IOperandA
{
    /// <summary>
    /// Writes rows <paramref name="row0"/> … +mr−1 and columns <paramref name="p0"/> … +kc−1 of op(A) as
    /// a sliver: for each p, the mr values of column p, consecutively. Rows past the matrix are zero.
    /// </summary>
    unsafe void Pack(int row0, int p0, int kc, int mr, float* destination);
}

/// <summary>
/// The right operand op(B) of a product, a K×N matrix: something that can copy any block into a
/// sliver in the micro-kernel's order (<see cref="MatrixB"/>, or a convolution's im2col columns
/// read straight from the image, <c>ConvolutionOperands.cs</c>).
/// </summary>
internal interface IOperandB
{
    /// <summary>
    /// Writes rows <paramref name="p0"/> … +kc−1 and columns <paramref name="column0"/> … +nr−1 of op(B)
    /// as a sliver: for each p, the nr values of row p, consecutively. Columns past the matrix are zero.
    /// </summary>
    unsafe void Pack(int p0, int column0, int kc, int nr, float* destination);
}

/// <summary>A row-major matrix in memory as op(A): stored M×K with row stride <c>lda</c>, or K×M when transposed.</summary>
internal readonly unsafe struct MatrixA(float* a, int lda, bool transposed, int m) : IOperandA
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int row0, int p0, int kc, int mr, float* destination)
    {
        int rows = Math.Min(mr, m - row0);
        if (transposed)
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
            // A is stored M×K: read the mr rows side by side and interleave them.
            Packing.Interleave(a + ((long)row0 * lda) + p0, lda, rows, kc, mr, destination);
        }
    }
}

/// <summary>
/// op(A) packed beforehand by <see cref="Sgemm.Pack{TA}"/> (a convolution's weights, shared by every image),
/// or the band of its rows <see cref="FirstRow"/> … on (a multiple of the micro-kernel's rows): Sgemm reads
/// its slivers as they lie instead of packing them again.
/// </summary>
internal readonly unsafe struct PackedA(float* pointer, int rows, int firstRow = 0) : IOperandA
{
    /// <summary>Where the packed matrix starts.</summary>
    public float* Pointer => pointer;

    /// <summary>Rows of the whole packed op(A).</summary>
    public int Rows => rows;

    /// <summary>The first row of the band multiplied.</summary>
    public int FirstRow => firstRow;

    /// <summary>The band's slivers in the k block starting at <paramref name="pc"/> (kc long), for a micro-kernel of <paramref name="mr"/> rows.</summary>
    public float* Block(int pc, int kc, int mr) =>
        pointer + ((long)pc * ((rows + mr - 1) / mr) * mr) + ((long)(firstRow / mr) * mr * kc);

    /// <summary>Never called: Sgemm reads <see cref="Block"/> instead of packing a packed matrix again.</summary>
    public void Pack(int row0, int p0, int kc, int mr, float* destination) =>
        throw new InvalidOperationException("A packed operand is read as it lies, not packed again.");
}

/// <summary>A row-major matrix in memory as op(B): stored K×N with row stride <c>ldb</c>, or N×K when transposed.</summary>
internal readonly unsafe struct MatrixB(float* b, int ldb, bool transposed, int n) : IOperandB
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int p0, int column0, int kc, int nr, float* destination)
    {
        int columns = Math.Min(nr, n - column0);
        if (!transposed)
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
            // B is stored N×K: its rows are op(B)'s columns; interleave them.
            Packing.Interleave(b + ((long)column0 * ldb) + p0, ldb, columns, kc, nr, destination);
        }
    }
}

/// <summary>op(B)'s columns from <paramref name="firstColumn"/> on, as a matrix of their own: how one thread works on a band of C.</summary>
internal readonly unsafe struct ColumnBand<TB>(TB b, int firstColumn) : IOperandB
    where TB : struct, IOperandB
{
    public void Pack(int p0, int column0, int kc, int nr, float* destination) => b.Pack(p0, firstColumn + column0, kc, nr, destination);
}
