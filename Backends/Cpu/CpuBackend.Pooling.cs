using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Max pooling. Every (image, channel) plane is independent, so planes are spread over threads.
// A window's maximum is taken in two passes, one output row at a time: first down the columns —
// the largest of the window's K input rows, for the whole width at once (WindowRowsMaximum,
// 16 floats per vector compare) — then across: the largest of K neighbours of that row. That is
// about K + K compares per output instead of K·K, and the first pass runs in vectors.
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
            Span<float> columns = plane.Width <= 4096 ? stackalloc float[plane.Width] : new float[plane.Width];
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
            Span<float> columns = plane.Width <= 4096 ? stackalloc float[plane.Width] : new float[plane.Width];
            Span<int> rows = plane.Width <= 4096 ? stackalloc int[plane.Width] : new int[plane.Width];
            fixed (float* scratch = columns)
            fixed (int* topRows = rows)
            {
                long inputOffset = (long)index * plane.Height * plane.Width;
                plane.Backward(px + inputOffset, pdy + ((long)index * oh * ow), pdx + inputOffset, scratch, topRows, throughRelu);
            }
        });
    }

    /// <summary>One plane's geometry, with the two passes over it as plain loops (no call per output).</summary>
    private readonly unsafe struct PoolingPlane(int height, int width, int outputHeight, int outputWidth, Pooling pooling)
    {
        public int Height => height;

        public int Width => width;

        /// <summary>y = the maximum of every window of x, one output row at a time (<paramref name="columns"/>: W floats of scratch).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Forward(float* x, float* y, float* columns)
        {
            for (int r = 0; r < outputHeight; r++)
            {
                ColumnMaxima(x, r, columns, null);
                for (int c = 0; c < outputWidth; c++)
                {
                    y[(r * outputWidth) + c] = RowMaximum(columns, c);
                }
            }
        }

        /// <summary>
        /// dx = 0, then each dy added at its window's first maximum in row-major order (overlapping
        /// windows may share one: their gradients add). The column pass also notes, per column, the
        /// topmost row holding its maximum; the winner is then, among the window's columns whose
        /// maximum is the window's, the one with the topmost such row, leftmost on a tie — K candidates
        /// per output instead of K·K cells, and chosen with selects rather than data-dependent branches
        /// (which would mispredict about once per window). Scratch: W floats and W ints.
        /// <paramref name="throughRelu"/>: x is a ReLU's output and dx the gradient of its input, so a
        /// winner passes its dy only when it is &gt; 0 — ReLU's backward, applied where the pool writes.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Backward(float* x, float* dy, float* dx, float* columns, int* topRows, bool throughRelu)
        {
            new Span<float>(dx, height * width).Clear();
            for (int r = 0; r < outputHeight; r++)
            {
                ColumnMaxima(x, r, columns, topRows);
                for (int c = 0; c < outputWidth; c++)
                {
                    float maximum = RowMaximum(columns, c);
                    int left = (c * pooling.Stride) - pooling.Padding;
                    int columnStart = Math.Max(left, 0), columnEnd = Math.Min(left + pooling.Kernel, width);
                    // A NaN maximum (the window's first cell was NaN) matches nothing: that first cell wins.
                    int winner = (topRows[columnStart] * width) + columnStart;
                    int best = int.MaxValue;
                    for (int column = columnStart; column < columnEnd; column++)
                    {
                        // isMaximum = −1 (all bits) where this column's maximum is the window's, else 0.
                        int isMaximum = Vector128.Equals(Vector128.CreateScalarUnsafe(columns[column]), Vector128.CreateScalarUnsafe(maximum)).AsInt32().ToScalar();
                        int cell = (topRows[column] * width) + column;
                        int candidate = (cell & isMaximum) | (int.MaxValue & ~isMaximum);
                        // best = min(best, candidate) by arithmetic: adds the difference only when it is negative.
                        int difference = candidate - best;
                        best += difference & (difference >> 31);
                    }
                    int target = best == int.MaxValue ? winner : best;
                    if (!throughRelu || x[target] > 0)
                    {
                        dx[target] += dy[(r * outputWidth) + c];
                    }
                }
            }
        }

        /// <summary>
        /// columns[w] = the largest x[row, w] over the input rows of output row <paramref name="r"/>'s windows
        /// (padding rows skipped), for the whole width in vectors, and — when <paramref name="topRows"/> is
        /// given — the row it is in. An element replaces the running maximum only when strictly greater,
        /// so equal values keep the topmost, as the row-major scan would.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ColumnMaxima(float* x, int r, float* columns, int* topRows)
        {
            int top = (r * pooling.Stride) - pooling.Padding;
            int rowStart = Math.Max(top, 0), rowEnd = Math.Min(top + pooling.Kernel, height);
            new ReadOnlySpan<float>(x + ((long)rowStart * width), width).CopyTo(new Span<float>(columns, width));
            if (topRows != null)
            {
                new Span<int>(topRows, width).Fill(rowStart);
            }
            for (int row = rowStart + 1; row < rowEnd; row++)
            {
                float* values = x + ((long)row * width);
                int w = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    var rowIndex = Vector512.Create(row);
                    for (; w <= width - 16; w += 16)
                    {
                        var value = Vector512.Load(values + w);
                        var best = Vector512.Load(columns + w);
                        var greater = Vector512.GreaterThan(value, best);
                        Vector512.ConditionalSelect(greater, value, best).Store(columns + w);
                        if (topRows != null)
                        {
                            Vector512.ConditionalSelect(greater.AsInt32(), rowIndex, Vector512.Load(topRows + w)).Store(topRows + w);
                        }
                    }
                }
                else if (Vector256.IsHardwareAccelerated)
                {
                    var rowIndex = Vector256.Create(row);
                    for (; w <= width - 8; w += 8)
                    {
                        var value = Vector256.Load(values + w);
                        var best = Vector256.Load(columns + w);
                        var greater = Vector256.GreaterThan(value, best);
                        Vector256.ConditionalSelect(greater, value, best).Store(columns + w);
                        if (topRows != null)
                        {
                            Vector256.ConditionalSelect(greater.AsInt32(), rowIndex, Vector256.Load(topRows + w)).Store(topRows + w);
                        }
                    }
                }
                for (; w < width; w++)
                {
                    if (values[w] > columns[w])
                    {
                        columns[w] = values[w];
                        if (topRows != null)
                        {
                            topRows[w] = row;
                        }
                    }
                }
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
