namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// The innermost loop of GEMM: one <see cref="Rows"/>×<see cref="Columns"/> tile of C computed from a
/// packed sliver of A and a packed sliver of B, with the tile's sums held in registers for the whole
/// k loop. Everything else in <see cref="Sgemm"/> exists to feed this loop from cache.
/// Implemented by structs so that <see cref="Sgemm"/>'s generic driver is compiled once per kernel
/// with the calls inlined.
/// </summary>
internal interface IMicroKernel
{
    /// <summary>MR: rows of C per tile (values of A broadcast per k step).</summary>
    static abstract int Rows { get; }

    /// <summary>NR: columns of C per tile (values of B loaded per k step).</summary>
    static abstract int Columns { get; }

    /// <summary>
    /// C[0..Rows, 0..Columns] = beta·C + alpha·Σ_p a[p·Rows + i]·b[p·Columns + j] for one tile; C has
    /// row stride <paramref name="ldc"/>. With beta = 0, C is not read (so NaN there is ignored).
    /// </summary>
    /// <param name="kc">the length of the sum (the k block)</param>
    /// <param name="a">A's sliver: for each p, Rows consecutive values of one column of A</param>
    /// <param name="b">B's sliver: for each p, Columns consecutive values of one row of B</param>
    /// <param name="alpha">the product's factor</param>
    /// <param name="beta">C's factor; 0 means C is overwritten without being read</param>
    /// <param name="relu">then C = max(0, C), while the tile is still in registers: the ReLU fused into the write-out (set on the last k block only)</param>
    /// <param name="c">the tile's first element</param>
    /// <param name="ldc">C's row stride in floats</param>
    static abstract unsafe void Multiply(int kc, float* a, float* b, float alpha, float beta, bool relu, float* c, nint ldc);
}
