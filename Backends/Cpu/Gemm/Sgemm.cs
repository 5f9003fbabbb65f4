using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace AlexNet.Backends.Cpu.Gemm;

/// <summary>
/// Single-precision GEMM on row-major matrices, C = alpha·op(A)·op(B) + beta·C: the one matrix
/// multiply behind <see cref="CpuBackend.Gemm"/>, convolutions and dense layers; optionally followed by
/// C = max(0, C) in the micro-kernel's last store (<see cref="GemmShape.Relu"/>: the fused ReLU).
/// <para>
/// The design is BLIS's (Van Zee &amp; van de Geijn, 2015; Goto &amp; van de Geijn, 2008). A naive
/// triple loop reads each value of A and B from memory again and again and runs at a few GFLOP/s;
/// here every value is brought into cache once per block and then reused from there:
/// <code>
/// for jc in columns of C, NC at a time            (bounds the packed B block: KC×NC, in L3)
///   for pc in the sum's k, KC at a time           (C gets beta·C the first time, += afterwards)
///     pack op(B)[pc…, jc…] into NR-wide slivers   ┐ in parallel: each thread packs some slivers
///     pack op(A)[all rows, pc…] into MR-tall ones ┘ (skipped when A was packed beforehand)
///     for each task = (MC rows) × (task columns) of C      in parallel over tasks
///       for jr in the task's columns, NR at a time  (this B sliver, KC×NR, stays in L1 …)
///         for ir in the task's rows, MR at a time   (… while A's slivers stream from L2)
///           micro-kernel: C[ir…+MR, jr…+NR] (+)= A sliver · B sliver, the tile in registers
/// </code>
/// Packing puts each sliver's values in the exact order the micro-kernel loads them, which is also
/// how the four transpose combinations reduce to one kernel — and how a convolution multiplies by
/// its im2col matrix without ever storing it: the operands (<see cref="IOperandA"/>,
/// <see cref="IOperandB"/>) build each sliver from wherever the values live. Every tile of C is
/// written by exactly one task with the same order of sums, so results do not depend on the thread
/// count.
/// </para>
/// </summary>
internal sealed unsafe class Sgemm
{
    /// <summary>Columns of C per task: small enough to give every thread several tasks on mid-size matrices.</summary>
    private const int TaskColumns = 256;

    private readonly Workspace _workspace;
    private readonly ParallelOptions _parallel;

    /// <param name="kernel">the micro-kernel, or <see cref="GemmKernel.Auto"/></param>
    /// <param name="blocking">the cache blocks, or null for <see cref="GemmBlocking.ForCaches"/> of this processor's caches</param>
    /// <param name="workspace">where packed panels are rented</param>
    /// <param name="parallel">the threads</param>
    public Sgemm(GemmKernel kernel, GemmBlocking? blocking, Workspace workspace, ParallelOptions parallel)
    {
        Kernel = kernel switch
        {
            GemmKernel.Auto => MicroKernel8x32.IsSupported ? GemmKernel.Vector512 : MicroKernel6x16.IsSupported ? GemmKernel.Vector256 : GemmKernel.Scalar,
            GemmKernel.Vector512 when !MicroKernel8x32.IsSupported =>
                throw new NotSupportedException("The Vector512 GEMM kernel needs a processor that runs 512-bit vectors natively (AVX-512); use GemmKernel.Auto."),
            GemmKernel.Vector256 when !MicroKernel6x16.IsSupported =>
                throw new NotSupportedException("The Vector256 GEMM kernel needs a processor that runs 256-bit vectors natively (AVX2); use GemmKernel.Auto."),
            GemmKernel.Vector512 or GemmKernel.Vector256 or GemmKernel.Scalar => kernel,
            _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown GEMM kernel."),
        };
        _workspace = workspace;
        _parallel = parallel;
        (Rows, Columns) = Kernel switch
        {
            GemmKernel.Vector512 => (MicroKernel8x32.Rows, MicroKernel8x32.Columns),
            GemmKernel.Vector256 => (MicroKernel6x16.Rows, MicroKernel6x16.Columns),
            _ => (MicroKernel4x4.Rows, MicroKernel4x4.Columns),
        };
        Blocking = blocking ?? GemmBlocking.ForCaches(CpuCaches.Detect(), Rows, Columns);
        if (Blocking.Problem() is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(blocking), Blocking, $"Unusable GEMM blocking: {problem}.");
        }
        (KC, MC, NC) = (Blocking.KC, Blocking.MC, Blocking.NC);
    }

    /// <summary>The cache blocks in use.</summary>
    public GemmBlocking Blocking { get; }

    /// <summary>KC: length of the k blocks; a KC×NR sliver of B stays in L1 (<see cref="GemmBlocking"/>).</summary>
    private int KC { get; }

    /// <summary>MC: rows of C per task; an MC×KC block of packed A stays in L2.</summary>
    private int MC { get; }

    /// <summary>NC: columns of B packed at once; the KC×NC block of packed B lives in L3.</summary>
    private int NC { get; }

    /// <summary>The micro-kernel in use.</summary>
    public GemmKernel Kernel { get; }

    /// <summary>MR: rows of the micro-kernel's tile (the height of A's slivers).</summary>
    public int Rows { get; }

    /// <summary>NR: columns of the micro-kernel's tile (the width of B's slivers).</summary>
    public int Columns { get; }

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C, the one entry: op(A) is M×K and op(B) K×N as <paramref name="shape"/>
    /// says, C is M×N, row-major with row stride <paramref name="ldc"/>. The operands pack themselves
    /// (<see cref="IOperandA"/>, <see cref="IOperandB"/>): a stored matrix (<see cref="MatrixA"/>,
    /// <see cref="MatrixB"/>, transposed or not), a convolution's columns read from the image, or an A packed
    /// beforehand by <see cref="Pack{TA}"/> (<see cref="PackedA"/>). With beta = 0, C is never read; with
    /// alpha = 0, A and B are never read. <paramref name="parallel"/> = false runs on the calling thread
    /// only — for callers that already run one GEMM per thread.
    /// </summary>
    public void Multiply<TA, TB>(GemmShape shape, TA a, TB b, float* c, int ldc, bool parallel)
        where TA : struct, IOperandA
        where TB : struct, IOperandB
    {
        var (m, n, k, alpha, beta, relu) = shape;
        var prepacked = default(PackedA);
        if (typeof(TA) == typeof(PackedA))
        {
            // A struct type test the JIT resolves per instantiation: no cost for the other operands.
            prepacked = Unsafe.As<TA, PackedA>(ref a);
            if (prepacked.FirstRow % Rows != 0 || prepacked.FirstRow + m > prepacked.Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(a), prepacked.FirstRow,
                    $"A band of a packed matrix starts on a multiple of {Rows} rows and ends inside its {prepacked.Rows} rows.");
            }
        }
        if (m <= 0 || n <= 0)
        {
            return;
        }
        if (alpha == 0 || k <= 0)
        {
            ScaleRows(m, n, beta, relu, c, ldc);
            return;
        }
        Dispatch(a, prepacked, b, m, n, k, alpha, beta, relu, c, ldc, parallel);
    }

    /// <summary>Floats needed by <see cref="Pack{TA}"/> for an M×K op(A).</summary>
    public long PackedLength(int m, int k) => (long)DivideRoundingUp(m, Rows) * Rows * k;

    /// <summary>
    /// Packs all of op(A), M×K, into <paramref name="destination"/> (<see cref="PackedLength"/> floats),
    /// block after block of KC columns, each as MR-tall slivers: when one A multiplies many Bs (a
    /// convolution's weights times every image of a batch), it is packed once instead of once per product.
    /// </summary>
    public void Pack<TA>(TA a, int m, int k, float* destination, bool parallel)
        where TA : struct, IOperandA
    {
        int mr = Rows, slivers = DivideRoundingUp(m, mr);
        int blockLength = KBlock(k);
        int blocks = DivideRoundingUp(k, blockLength);
        For(blocks * slivers, parallel ? _parallel.MaxDegreeOfParallelism : 1, item =>
        {
            int pc = item / slivers * blockLength, sliver = item % slivers;
            int kc = Math.Min(blockLength, k - pc);
            a.Pack(sliver * mr, pc, kc, mr, destination + ((long)pc * slivers * mr) + ((long)sliver * mr * kc));
        });
    }

    private void Dispatch<TA, TB>(TA a, PackedA packedA, TB b, int m, int n, int k, float alpha, float beta, bool relu, float* c, int ldc, bool parallel)
        where TA : struct, IOperandA
        where TB : struct, IOperandB
    {
        int threads = _parallel.MaxDegreeOfParallelism;
        if (parallel && threads > 1 && (m <= MC || packedA.Pointer != null) && n >= threads * 4 * Columns)
        {
            // Few rows and many columns — a dense layer: the batch times the weights — or an A packed
            // beforehand (a convolution's weights, one image at a time). Each thread takes a band of C's
            // columns and runs the whole blocked product on it alone, packing its own part of B as it goes:
            // no barrier between packing and computing (conv2 of keras-blog on one image has 46 k blocks,
            // two barriers each otherwise), and B streams through both cores at once. A is either small
            // and packed by both, or packed already and only read.
            int bandWidth = DivideRoundingUp(DivideRoundingUp(n, threads), Columns) * Columns;
            Parallel.For(0, DivideRoundingUp(n, bandWidth), _parallel, band =>
            {
                int j0 = band * bandWidth;
                Dispatch(a, packedA, new ColumnBand<TB>(b, j0), m, Math.Min(bandWidth, n - j0), k, alpha, beta, relu, c + j0, ldc, parallel: false);
            });
            return;
        }
        switch (Kernel)
        {
            case GemmKernel.Vector512:
                Run<MicroKernel8x32, TA, TB>(a, packedA, b, m, n, k, alpha, beta, relu, c, ldc, parallel);
                break;
            case GemmKernel.Vector256:
                Run<MicroKernel6x16, TA, TB>(a, packedA, b, m, n, k, alpha, beta, relu, c, ldc, parallel);
                break;
            default:
                Run<MicroKernel4x4, TA, TB>(a, packedA, b, m, n, k, alpha, beta, relu, c, ldc, parallel);
                break;
        }
    }

    /// <summary>The blocked loops of the class comment; <paramref name="prepackedA"/> has a null pointer unless A was packed by <see cref="Pack{TA}"/>.</summary>
    private void Run<TKernel, TA, TB>(TA a, PackedA prepackedA, TB b, int m, int n, int k, float alpha, float beta, bool relu, float* c, int ldc, bool parallel)
        where TKernel : struct, IMicroKernel
        where TA : struct, IOperandA
        where TB : struct, IOperandB
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        int aSlivers = DivideRoundingUp(m, mr);
        int kcMax = KBlock(k);
        int ncMax = Math.Min(n, NC);
        Workspace.Lease? packedALease = prepackedA.Pointer == null ? _workspace.Rent((long)aSlivers * mr * kcMax) : null;
        using var packedBLease = _workspace.Rent((long)DivideRoundingUp(ncMax, nr) * nr * kcMax);
        try
        {
            float* packedB = packedBLease.Pointer;
            int threads = parallel ? _parallel.MaxDegreeOfParallelism : 1;
            var (taskRows, taskColumns) = TaskSize(m, ncMax, mr, nr, threads);
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                int bSlivers = DivideRoundingUp(nc, nr);
                int taskRowCount = DivideRoundingUp(m, taskRows);
                int taskCount = taskRowCount * DivideRoundingUp(nc, taskColumns);
                for (int pc = 0; pc < k; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, k - pc);
                    // The first k block applies the caller's beta; later blocks add to what is there.
                    float blockBeta = pc == 0 ? beta : 1f;
                    // The ReLU applies to the finished sum: only the last k block writes it.
                    bool blockRelu = relu && pc + kc >= k;
                    float* packedA = prepackedA.Pointer != null ? prepackedA.Block(pc, kc, mr) : packedALease!.Value.Pointer;
                    int aToPack = prepackedA.Pointer != null ? 0 : aSlivers;
                    if (threads == 1)
                    {
                        // One thread: the same loops without tasks (and without allocating a closure per block).
                        for (int sliver = 0; sliver < aToPack; sliver++)
                        {
                            a.Pack(sliver * mr, pc, kc, mr, packedA + ((long)sliver * mr * kc));
                        }
                        for (int sliver = 0; sliver < bSlivers; sliver++)
                        {
                            b.Pack(pc, jc + (sliver * nr), kc, nr, packedB + ((long)sliver * nr * kc));
                        }
                        for (int task = 0; task < taskCount; task++)
                        {
                            int i0 = task % taskRowCount * taskRows, j0 = task / taskRowCount * taskColumns;
                            ComputeTask<TKernel>(packedA, packedB, kc, i0, Math.Min(i0 + taskRows, m), j0, Math.Min(j0 + taskColumns, nc),
                                alpha, blockBeta, blockRelu, c + jc, ldc);
                        }
                        continue;
                    }
                    For(aToPack + bSlivers, threads, sliver =>
                    {
                        if (sliver < aToPack)
                        {
                            a.Pack(sliver * mr, pc, kc, mr, packedA + ((long)sliver * mr * kc));
                        }
                        else
                        {
                            int s = sliver - aToPack;
                            b.Pack(pc, jc + (s * nr), kc, nr, packedB + ((long)s * nr * kc));
                        }
                    });
                    For(taskCount, threads, task =>
                    {
                        int i0 = task % taskRowCount * taskRows, j0 = task / taskRowCount * taskColumns;
                        ComputeTask<TKernel>(packedA, packedB, kc, i0, Math.Min(i0 + taskRows, m), j0, Math.Min(j0 + taskColumns, nc),
                            alpha, blockBeta, blockRelu, c + jc, ldc);
                    });
                }
            }
        }
        finally
        {
            packedALease?.Dispose();
        }
    }

    /// <summary>The rows and columns of C per task: MC × TaskColumns, halved until every thread has a few tasks.</summary>
    private (int Rows, int Columns) TaskSize(int m, int n, int mr, int nr, int threads)
    {
        int rows = MC / mr * mr;
        int columns = TaskColumns / nr * nr;
        while (threads > 1 && DivideRoundingUp(m, rows) * DivideRoundingUp(n, columns) < 4 * threads)
        {
            if (columns > nr)
            {
                columns = Math.Max(nr, columns / 2 / nr * nr);
            }
            else if (rows > mr)
            {
                rows = Math.Max(mr, rows / 2 / mr * mr);
            }
            else
            {
                break;
            }
        }
        return (rows, columns);
    }

    /// <summary>One task: the micro-kernel over rows i0…i1 and columns j0…j1 (relative to this column block) of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeTask<TKernel>(float* packedA, float* packedB, int kc, int i0, int i1, int j0, int j1,
        float alpha, float beta, bool relu, float* c, int ldc)
        where TKernel : struct, IMicroKernel
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        // Tiles that stick out past C's edge are computed here in full (the packed slivers are zero
        // there) and only their valid part is copied out.
        float* edgeTile = stackalloc float[mr * nr];
        for (int j = j0; j < j1; j += nr)
        {
            float* bSliver = packedB + ((long)(j / nr) * nr * kc);
            int columns = Math.Min(nr, j1 - j);
            for (int i = i0; i < i1; i += mr)
            {
                float* aSliver = packedA + ((long)(i / mr) * mr * kc);
                int rows = Math.Min(mr, i1 - i);
                float* cTile = c + ((long)i * ldc) + j;
                if (rows == mr && columns == nr)
                {
                    TKernel.Multiply(kc, aSliver, bSliver, alpha, beta, relu, cTile, ldc);
                }
                else
                {
                    TKernel.Multiply(kc, aSliver, bSliver, 1f, 0f, false, edgeTile, nr);
                    for (int r = 0; r < rows; r++)
                    {
                        for (int col = 0; col < columns; col++)
                        {
                            float* target = cTile + ((long)r * ldc) + col;
                            float sum = alpha * edgeTile[(r * nr) + col];
                            float value = beta == 0 ? sum : (beta * *target) + sum;
                            *target = relu ? MathF.Max(value, 0f) : value;
                        }
                    }
                }
            }
        }
    }

    /// <summary>C = beta·C (zero when beta = 0, NaN included), then max(0, C) with <paramref name="relu"/>: all that is left when alpha = 0.</summary>
    private static void ScaleRows(int m, int n, float beta, bool relu, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + ((long)i * ldc), n);
            if (beta == 0)
            {
                row.Clear();
            }
            else
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
            if (relu)
            {
                TensorPrimitives.Max(row, 0f, row);
            }
        }
    }

    private void For(int count, int threads, Action<int> body)
    {
        if (threads == 1 || count == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else
        {
            Parallel.For(0, count, _parallel, body);
        }
    }

    private static int DivideRoundingUp(int value, int divisor) => (value + divisor - 1) / divisor;

    /// <summary>
    /// The length of the k blocks for a sum of <paramref name="k"/> terms: at most KC, and the blocks
    /// equal (289 = 145 + 144, not 256 + 33) — every block reads and writes C's tiles once, so a short
    /// last block pays that cost for little work.
    /// </summary>
    private int KBlock(int k) => DivideRoundingUp(k, DivideRoundingUp(k, KC));
}
