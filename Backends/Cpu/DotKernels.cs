using System.Numerics;

namespace AlexNet.Backends.Cpu;

// Dot products for a product with a handful of rows on one side (a few images through a dense layer,
// a few output pixels through a convolution), where every weight is used too few times to repay
// GEMM's packing: two weight rows against four data rows at a time, eight sums in registers, so
// each load of a weight chunk serves four data rows and each data chunk two weight rows (6 loads
// per 8 multiply-adds, where one dot product at a time takes 16). Used by DenseForward and
// ForwardAsDots; the sums are the reference's, in another order.
internal static class DotKernels
{
    /// <summary>Where the sum of data row <c>row</c> and weight row <c>output</c> goes in y.</summary>
    public interface IOutputIndex
    {
        long Of(long row, long output);
    }

    /// <summary>
    /// Weight rows <paramref name="o0"/> and <paramref name="o1"/> (equal when only one is left) against
    /// each of <paramref name="rows"/> data rows, <paramref name="stride"/> floats apart, four at a time:
    /// y[index(q, o)] = bias[o] + w_o · row q over <paramref name="taps"/> floats, row q read from
    /// <paramref name="c0"/> for o0 and from <paramref name="c1"/> for o1; then max(0, ·) with <paramref name="relu"/>.
    /// </summary>
    public static unsafe void PairAgainstRows<TIndex>(long o0, long o1, float* w0, float* w1, float* c0, float* c1, long rows, long stride, int taps,
        float* bias, bool relu, float* y, TIndex index) where TIndex : struct, IOutputIndex
    {
        float* sums = stackalloc float[8];
        for (long q0 = 0; q0 < rows; q0 += 4)
        {
            // Past the last row the kernel reads the last one again and its sums are dropped.
            long last = rows - 1 - q0, at = q0 * stride;
            Dots2x4(w0, w1, c0 + at, c1 + at, stride * Math.Min(1, last), stride * Math.Min(2, last), stride * Math.Min(3, last), taps, sums);
            for (int j = 0; j < 8; j++)
            {
                long q = q0 + (j & 3), o = j < 4 ? o0 : o1;
                if (q >= rows || (j >= 4 && o1 == o0))
                {
                    continue;
                }
                float value = sums[j] + (bias != null ? bias[o] : 0f);
                y[index.Of(q, o)] = relu ? MathF.Max(value, 0f) : value;
            }
        }
    }

    /// <summary>
    /// sums[j] = w0 · row j and sums[4 + j] = w1 · row j over <paramref name="taps"/> floats, row j of
    /// w0 starting at <paramref name="c0"/> and of w1 at <paramref name="c1"/> (they differ when the
    /// two filters read different bands of a window), each plus the offset of row j (0, d1, d2, d3).
    /// </summary>
    public static unsafe void Dots2x4(float* w0, float* w1, float* c0, float* c1, long d1, long d2, long d3, int taps, float* sums)
    {
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int lanes = Vector<float>.Count, k = 0;
        for (; k <= taps - lanes; k += lanes)
        {
            var u = Vector.Load(w0 + k);
            var v = Vector.Load(w1 + k);
            a0 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + k), a0);
            a1 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + d1 + k), a1);
            a2 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + d2 + k), a2);
            a3 = Vector.FusedMultiplyAdd(u, Vector.Load(c0 + d3 + k), a3);
            b0 = Vector.FusedMultiplyAdd(v, Vector.Load(c1 + k), b0);
            b1 = Vector.FusedMultiplyAdd(v, Vector.Load(c1 + d1 + k), b1);
            b2 = Vector.FusedMultiplyAdd(v, Vector.Load(c1 + d2 + k), b2);
            b3 = Vector.FusedMultiplyAdd(v, Vector.Load(c1 + d3 + k), b3);
        }
        float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
        float t0 = Vector.Sum(b0), t1 = Vector.Sum(b1), t2 = Vector.Sum(b2), t3 = Vector.Sum(b3);
        for (; k < taps; k++)
        {
            s0 += w0[k] * c0[k];
            s1 += w0[k] * c0[d1 + k];
            s2 += w0[k] * c0[d2 + k];
            s3 += w0[k] * c0[d3 + k];
            t0 += w1[k] * c1[k];
            t1 += w1[k] * c1[d1 + k];
            t2 += w1[k] * c1[d2 + k];
            t3 += w1[k] * c1[d3 + k];
        }
        (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7]) = (s0, s1, s2, s3, t0, t1, t2, t3);
    }
}
