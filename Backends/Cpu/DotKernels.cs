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
