using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Max pooling. Every (image, channel) plane is independent, so planes are spread over threads.
// A window's maximum is taken in two passes, one output row at a time: first down the columns —
// the largest of the window's K input rows, for the whole width at once (ColumnMaxima,
// 16 floats per vector compare) — then across: the largest of K neighbours of that row. That is
// about K + K compares per output instead of K·K, and the first pass runs in vectors; with stride 2
// (every AlexNet variant's pools) the second pass runs in vectors too, 16 outputs at a time, each
// tap's columns picked from two loads by one permute (PoolingPlane.VectorOutputs).
// The backward finds each window's winner from x with the same rule (no stored indices): with the
// maximum m in hand, the winner is the first input equal to m in row-major order — by definition the
// first maximum of the scan, as IBackend specifies for ties. MaxPool2dReluBackward is the same pass
// with ReLU's backward applied at each winner, instead of a second pass over dx.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Pooling.cs.
public sealed partial class CpuBackend
{
    public unsafe void MaxPool2dForward(Tensor x, Pooling pooling, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        var s = OpContract.MaxPool2dForward(x, pooling, y);
        var (oh, ow) = (s.OH, s.OW);
        var plane = new PoolingPlane(s.H, s.W, oh, ow, pooling);
        ParallelFor(s.N * s.C, index =>
        {
            Span<float> columns = plane.Width <= 4096 ? stackalloc float[plane.ScratchLength] : new float[plane.ScratchLength];
            fixed (float* scratch = columns)
            {
                plane.Forward(px + ((long)index * plane.Height * plane.Width), py + ((long)index * oh * ow), scratch);
            }
        });
    }

    public unsafe void MaxPool2dBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        float* px = Data(x, nameof(x));
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        PoolingBackward(px, pdy, OpContract.MaxPool2dBackward(x, dy, pooling, dx), pooling, pdx, throughRelu: false);
    }

    // Fused: the reference's MaxPool2dBackward followed by its ReluBackward (ReferenceBackend.Pooling.cs).
    public unsafe void MaxPool2dReluBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        float* px = Data(x, nameof(x));
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        PoolingBackward(px, pdy, OpContract.MaxPool2dReluBackward(x, dy, pooling, dx), pooling, pdx, throughRelu: true);
    }

    /// <summary>Both backwards: planes over threads; <paramref name="throughRelu"/> also applies ReLU's backward at the winners.</summary>
    private unsafe void PoolingBackward(float* px, float* pdy, PoolingShape s, Pooling pooling, float* pdx, bool throughRelu)
    {
        var (oh, ow) = (s.OH, s.OW);
        var plane = new PoolingPlane(s.H, s.W, oh, ow, pooling);
        ParallelFor(s.N * s.C, index =>
        {
            Span<float> columns = plane.Width <= 4096 ? stackalloc float[plane.ScratchLength] : new float[plane.ScratchLength];
            Span<int> rows = plane.Width <= 4096 ? stackalloc int[plane.ScratchLength] : new int[plane.ScratchLength];
            fixed (float* scratch = columns)
            fixed (int* cells = rows)
            {
                long inputOffset = (long)index * plane.Height * plane.Width;
                plane.Backward(px + inputOffset, pdy + ((long)index * oh * ow), pdx + inputOffset, scratch, cells, throughRelu);
            }
        });
    }

    /// <summary>One plane's geometry, with the two passes over it as plain loops (no call per output).</summary>
    private readonly unsafe struct PoolingPlane(int height, int width, int outputHeight, int outputWidth, Pooling pooling)
    {
        public int Height => height;

        public int Width => width;

        /// <summary>Floats (and ints) of each scratch row: W, and room for the vector loads past the last column.</summary>
        public int ScratchLength => width + 16;

        /// <summary>y = the maximum of every window of x, one output row at a time (<paramref name="columns"/>: <see cref="ScratchLength"/> floats of scratch).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Forward(float* x, float* y, float* columns)
        {
            var (vectorStart, vectorEnd) = VectorOutputs();
            for (int r = 0; r < outputHeight; r++)
            {
                ColumnMaxima(x, r, columns, null);
                float* row = y + (r * outputWidth);
                for (int c = 0; c < vectorStart; c++)
                {
                    row[c] = RowMaximum(columns, c);
                }
                int next = vectorStart;
                for (; next + 16 <= vectorEnd; next += 16)
                {
                    Maxima16(columns, next).Store(row + next);
                }
                if (next < vectorEnd && vectorEnd - vectorStart >= 16)
                {
                    // The rest as one more block overlapping the previous: its maxima are written again, unchanged.
                    Maxima16(columns, vectorEnd - 16).Store(row + vectorEnd - 16);
                    next = vectorEnd;
                }
                for (int c = next; c < outputWidth; c++)
                {
                    row[c] = RowMaximum(columns, c);
                }
            }
        }

        /// <summary>
        /// dx = 0, then each dy added at its window's first maximum in row-major order (overlapping
        /// windows may share one: their gradients add). The column pass also notes, per column, the
        /// cell (row·W + column) of the topmost row holding its maximum; the winner is then, among the
        /// window's columns whose maximum is the window's, the one with the smallest cell — the topmost
        /// row, leftmost on a tie — K candidates per output instead of K·K cells, chosen with selects
        /// rather than data-dependent branches (which would mispredict about once per window), 16
        /// outputs at a time where <see cref="VectorOutputs"/> allows. Scratch: <see cref="ScratchLength"/> floats and ints.
        /// <paramref name="throughRelu"/>: x is a ReLU's output and dx the gradient of its input, so a
        /// winner passes its dy only when it is &gt; 0 — ReLU's backward, applied where the pool writes.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Backward(float* x, float* dy, float* dx, float* columns, int* cells, bool throughRelu)
        {
            new Span<float>(dx, height * width).Clear();
            var (vectorStart, vectorEnd) = VectorOutputs();
            int* winners = stackalloc int[16];
            for (int r = 0; r < outputHeight; r++)
            {
                ColumnMaxima(x, r, columns, cells);
                float* gradients = dy + (r * outputWidth);
                int c = 0;
                for (; c < vectorStart; c++)
                {
                    AddAt(x, dx, Winner(columns, cells, c), gradients[c], throughRelu);
                }
                for (; c + 16 <= vectorEnd; c += 16)
                {
                    Winners16(columns, cells, c).Store(winners);
                    // In output order, as the scalar loop adds: neighbouring windows may share a winner.
                    for (int lane = 0; lane < 16; lane++)
                    {
                        AddAt(x, dx, winners[lane], gradients[c + lane], throughRelu);
                    }
                }
                if (c < vectorEnd && vectorEnd - vectorStart >= 16)
                {
                    // The rest as one more block overlapping the previous, adding only its new outputs.
                    int last = vectorEnd - 16;
                    Winners16(columns, cells, last).Store(winners);
                    for (int lane = c - last; lane < 16; lane++)
                    {
                        AddAt(x, dx, winners[lane], gradients[last + lane], throughRelu);
                    }
                    c = vectorEnd;
                }
                for (; c < outputWidth; c++)
                {
                    AddAt(x, dx, Winner(columns, cells, c), gradients[c], throughRelu);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddAt(float* x, float* dx, int cell, float gradient, bool throughRelu)
        {
            // A select, not a branch (ReLU's zeros are everywhere): adding +0 leaves dx as it was.
            dx[cell] += !throughRelu || x[cell] > 0 ? gradient : 0f;
        }

        /// <summary>The cell of output column <paramref name="c"/>'s winner, one output at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Winner(float* columns, int* cells, int c)
        {
            float maximum = RowMaximum(columns, c);
            int left = (c * pooling.Stride) - pooling.Padding;
            int columnStart = Math.Max(left, 0), columnEnd = Math.Min(left + pooling.Kernel, width);
            int best = int.MaxValue;
            for (int column = columnStart; column < columnEnd; column++)
            {
                // isMaximum = −1 (all bits) where this column's maximum is the window's, else 0.
                int isMaximum = Vector128.Equals(Vector128.CreateScalarUnsafe(columns[column]), Vector128.CreateScalarUnsafe(maximum)).AsInt32().ToScalar();
                int candidate = (cells[column] & isMaximum) | (int.MaxValue & ~isMaximum);
                // best = min(best, candidate) by arithmetic: adds the difference only when it is negative.
                int difference = candidate - best;
                best += difference & (difference >> 31);
            }
            // A NaN maximum (the window's first cell was NaN) matches nothing: that first cell wins.
            return best == int.MaxValue ? cells[columnStart] : best;
        }

        /// <summary>
        /// The outputs [start, end) of a row that <see cref="Maxima16"/> and <see cref="Winners16"/> may
        /// compute, 16 at a time: with stride 2 and a kernel of 2 or 3 (every AlexNet variant's pools),
        /// tap j of outputs c … c+15 is every other column from 2c − P + j, which two loads and one
        /// two-source permute deliver; the outputs whose windows lie wholly inside the row. Empty
        /// without AVX-512 or for other geometries, which go one output at a time.
        /// </summary>
        private (int Start, int End) VectorOutputs()
        {
            if (!Avx512F.IsSupported || pooling.Stride != 2 || pooling.Kernel is not (2 or 3))
            {
                return (0, 0);
            }
            int start = (pooling.Padding + 1) / 2;
            int end = Math.Min(outputWidth, ((width - pooling.Kernel + pooling.Padding) / 2) + 1);
            return start < end ? (start, end) : (0, 0);
        }

        /// <summary>The maxima of outputs c … c+15 of the current row, with <see cref="RowMaximum"/>'s order of comparisons.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<float> Maxima16(float* columns, int c)
        {
            float* first = columns + (2 * c) - pooling.Padding;
            var best = Vector512.MaxNative(Odd(first), Even(first));
            return pooling.Kernel == 3 ? Vector512.MaxNative(Even(first + 2), best) : best;
        }

        /// <summary>The winners' cells of outputs c … c+15, as <see cref="Winner"/> finds them one by one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<int> Winners16(float* columns, int* cells, int c)
        {
            int offset = (2 * c) - pooling.Padding;
            var maximum = Maxima16(columns, c);
            var none = Vector512.Create(int.MaxValue);
            var firstCells = Even(cells + offset);
            var best = Vector512.ConditionalSelect(Vector512.Equals(Even(columns + offset), maximum).AsInt32(), firstCells, none);
            best = Vector512.Min(best, Vector512.ConditionalSelect(Vector512.Equals(Odd(columns + offset), maximum).AsInt32(), Odd(cells + offset), none));
            if (pooling.Kernel == 3)
            {
                best = Vector512.Min(best, Vector512.ConditionalSelect(Vector512.Equals(Even(columns + offset + 2), maximum).AsInt32(), Even(cells + offset + 2), none));
            }
            return Vector512.ConditionalSelect(Vector512.Equals(best, none), firstCells, best);
        }

        private static readonly Vector512<int> EvenLanes = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

        private static readonly Vector512<int> OddLanes = EvenLanes + Vector512<int>.One;

        /// <summary>values[0], values[2], … values[30].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Even(float* values) => Avx512F.PermuteVar16x32x2(Vector512.Load(values), EvenLanes, Vector512.Load(values + 16));

        /// <summary>values[1], values[3], … values[31].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Odd(float* values) => Avx512F.PermuteVar16x32x2(Vector512.Load(values), OddLanes, Vector512.Load(values + 16));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Even(int* values) => Avx512F.PermuteVar16x32x2(Vector512.Load(values), EvenLanes, Vector512.Load(values + 16));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Odd(int* values) => Avx512F.PermuteVar16x32x2(Vector512.Load(values), OddLanes, Vector512.Load(values + 16));

        /// <summary>
        /// columns[w] = the largest x[row, w] over the input rows of output row <paramref name="r"/>'s windows
        /// (padding rows skipped), for the whole width in vectors, and — when <paramref name="cells"/> is
        /// given — its cell, row·W + w. An element replaces the running maximum only when strictly greater,
        /// so equal values keep the topmost, as the row-major scan would.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ColumnMaxima(float* x, int r, float* columns, int* cells)
        {
            int top = (r * pooling.Stride) - pooling.Padding;
            int rowStart = Math.Max(top, 0), rowEnd = Math.Min(top + pooling.Kernel, height);
            new ReadOnlySpan<float>(x + ((long)rowStart * width), width).CopyTo(new Span<float>(columns, width));
            if (cells != null)
            {
                int w = 0;
                for (; Vector512.IsHardwareAccelerated && w <= width - 16; w += 16)
                {
                    (Vector512.Create((rowStart * width) + w) + Vector512<int>.Indices).Store(cells + w);
                }
                for (; w < width; w++)
                {
                    cells[w] = (rowStart * width) + w;
                }
            }
            for (int row = rowStart + 1; row < rowEnd; row++)
            {
                float* values = x + ((long)row * width);
                int w = 0;
                if (Vector512.IsHardwareAccelerated && width >= 16)
                {
                    for (; w <= width - 16; w += 16)
                    {
                        ColumnStep512(values, row, w, columns, cells);
                    }
                    // The last columns as one more vector, overlapping the previous one: a column already
                    // updated from this row is not greater than itself, so it stays as it is.
                    if (w < width)
                    {
                        ColumnStep512(values, row, width - 16, columns, cells);
                    }
                    continue;
                }
                if (Vector256.IsHardwareAccelerated && width >= 8)
                {
                    for (; w <= width - 8; w += 8)
                    {
                        ColumnStep256(values, row, w, columns, cells);
                    }
                    if (w < width)
                    {
                        ColumnStep256(values, row, width - 8, columns, cells);
                    }
                    continue;
                }
                for (; w < width; w++)
                {
                    if (values[w] > columns[w])
                    {
                        columns[w] = values[w];
                        if (cells != null)
                        {
                            cells[w] = (row * width) + w;
                        }
                    }
                }
            }
        }

        /// <summary>Columns w … w+15: the running maximum (and its cell) replaced where this row's value is greater.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void ColumnStep512(float* values, int row, int w, float* columns, int* cells)
        {
            var value = Vector512.Load(values + w);
            var best = Vector512.Load(columns + w);
            var greater = Vector512.GreaterThan(value, best);
            Vector512.ConditionalSelect(greater, value, best).Store(columns + w);
            if (cells != null)
            {
                var here = Vector512.Create((row * width) + w) + Vector512<int>.Indices;
                Vector512.ConditionalSelect(greater.AsInt32(), here, Vector512.Load(cells + w)).Store(cells + w);
            }
        }

        /// <summary>Columns w … w+7, as <see cref="ColumnStep512"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void ColumnStep256(float* values, int row, int w, float* columns, int* cells)
        {
            var value = Vector256.Load(values + w);
            var best = Vector256.Load(columns + w);
            var greater = Vector256.GreaterThan(value, best);
            Vector256.ConditionalSelect(greater, value, best).Store(columns + w);
            if (cells != null)
            {
                var here = Vector256.Create((row * width) + w) + Vector256<int>.Indices;
                Vector256.ConditionalSelect(greater.AsInt32(), here, Vector256.Load(cells + w)).Store(cells + w);
            }
        }

        /// <summary>The largest column maximum in output column <paramref name="c"/>'s window (padding skipped; the leftmost of equals).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private float RowMaximum(float* columns, int c)
        {
            int left = (c * pooling.Stride) - pooling.Padding;
            int columnStart = Math.Max(left, 0), columnEnd = Math.Min(left + pooling.Kernel, width);
            float best = columns[columnStart];
            for (int column = columnStart + 1; column < columnEnd; column++)
            {
                // value > best ? value : best as one instruction (x86's maxss), not a data-dependent branch.
                best = float.MaxNative(columns[column], best);
            }
            return best;
        }
    }
}
