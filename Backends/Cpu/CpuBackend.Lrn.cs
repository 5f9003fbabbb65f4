using System.Numerics;
using System.Runtime.CompilerServices;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Local response normalization across channels (the paper's convention; see LocalResponseNorm):
//   s[c] = k + α·Σ_{j ∈ window(c)} x[j]²,   y[c] = x[c]·s[c]^−β
// The window sum slides down the channels: moving from c to c + 1 adds one channel's squares and
// drops one, instead of summing `size` channels again. Channels of one pixel are H·W floats apart,
// so the work is done on a run of consecutive pixels at a time (kept in L1 while the window slides),
// and for each channel ONE fused vector loop over the run does everything — raise s to −β, scale x,
// slide the sum — so each value is loaded once per use rather than once per elementary step.
// Runs of all images are spread over threads.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Lrn.cs.
public sealed partial class CpuBackend
{
    /// <summary>Pixels per work item: one run of each channel stays in L1 while the window slides.</summary>
    private const int LrnRun = 256;

    public unsafe void LrnForward(Tensor x, LocalResponseNorm lrn, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        OpContract.LrnForward(x, lrn, y);
        var s = x.Shape;
        int channels = s.C, pixels = s.H * s.W;
        int runsPerImage = (pixels + LrnRun - 1) / LrnRun;
        int before = lrn.Size / 2, after = (lrn.Size - 1) / 2;
        ParallelFor(s.N * runsPerImage, item =>
        {
            int n = item / runsPerImage, start = item % runsPerImage * LrnRun;
            int length = Math.Min(LrnRun, pixels - start);
            float* first = px + ((long)n * channels * pixels) + start;
            float* sum = stackalloc float[length];
            WindowSum(first, pixels, 0, lrn.WindowEnd(0, channels), length, sum);
            for (int c = 0; c < channels; c++)
            {
                long offset = (long)c * pixels;
                float* entering = c + 1 + after < channels ? first + ((long)(c + 1 + after) * pixels) : null;
                float* leaving = c - before >= 0 ? first + ((long)(c - before) * pixels) : null;
                LrnForwardStep(first + offset, py + (first - px) + offset, sum, entering, leaving, length, lrn);
            }
        });
    }

    public unsafe void LrnBackward(Tensor x, Tensor y, Tensor dy, LocalResponseNorm lrn, Tensor dx)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        OpContract.LrnBackward(x, y, dy, lrn, dx);
        var s = x.Shape;
        int channels = s.C, pixels = s.H * s.W;
        int runsPerImage = (pixels + LrnRun - 1) / LrnRun;
        int before = lrn.Size / 2, after = (lrn.Size - 1) / 2;
        float twoAlphaBeta = 2f * lrn.Alpha * lrn.Beta;
        Parallel.For(0, s.N * runsPerImage, _parallel,
            () => _workspace.Rent((long)channels * LrnRun),
            (item, _, ratios) =>
            {
                int n = item / runsPerImage, start = item % runsPerImage * LrnRun;
                int length = Math.Min(LrnRun, pixels - start);
                long first = ((long)n * channels * pixels) + start;
                float* sum = stackalloc float[length];

                // Pass 1, down the channels with the forward's sliding window:
                //   dx[c] = dy[c]·s[c]^−β   and   ratio[c] = dy[c]·y[c]/s[c], kept for pass 2.
                WindowSum(px + first, pixels, 0, lrn.WindowEnd(0, channels), length, sum);
                for (int c = 0; c < channels; c++)
                {
                    long offset = first + ((long)c * pixels);
                    float* entering = c + 1 + after < channels ? px + first + ((long)(c + 1 + after) * pixels) : null;
                    float* leaving = c - before >= 0 ? px + first + ((long)(c - before) * pixels) : null;
                    LrnBackwardStep(py + offset, pdy + offset, sum, entering, leaving, length, lrn, pdx + offset, ratios.Pointer + ((long)c * length));
                }

                // Pass 2: channel c appears in the windows of j = c − after … c + before, so
                //   dx[c] −= 2αβ·x[c]·Σ_{those j} ratio[j], with the same kind of sliding sum.
                new Span<float>(sum, length).Clear();
                for (int j = 0; j <= Math.Min(channels - 1, before); j++)
                {
                    AddInto(ratios.Pointer + ((long)j * length), length, sum);
                }
                for (int c = 0; c < channels; c++)
                {
                    long offset = first + ((long)c * pixels);
                    float* entering = c + 1 + before < channels ? ratios.Pointer + ((long)(c + 1 + before) * length) : null;
                    float* leaving = c - after >= 0 ? ratios.Pointer + ((long)(c - after) * length) : null;
                    LrnCorrectionStep(px + offset, sum, entering, leaving, length, -twoAlphaBeta, pdx + offset);
                }
                return ratios;
            },
            ratios => ratios.Dispose());
    }

    /// <summary>sum[t] = Σ x[j, t]² over channels j = first … last (channels <paramref name="pixels"/> floats apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WindowSum(float* x, int pixels, int firstChannel, int lastChannel, int length, float* sum)
    {
        new Span<float>(sum, length).Clear();
        for (int j = firstChannel; j <= lastChannel; j++)
        {
            float* row = x + ((long)j * pixels);
            for (int t = 0; t < length; t++)
            {
                sum[t] += row[t] * row[t];
            }
        }
    }

    /// <summary>sum += values, elementwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AddInto(float* values, int length, float* sum)
    {
        for (int t = 0; t < length; t++)
        {
            sum[t] += values[t];
        }
    }

    /// <summary>
    /// One channel of the forward, fused: y = x·(k + α·sum)^−β, then the window slides on —
    /// sum += entering² − leaving² (either may be absent at the ends).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void LrnForwardStep(float* x, float* y, float* sum, float* entering, float* leaving, int length, LocalResponseNorm lrn)
    {
        int t = 0;
        var k = new Vector<float>(lrn.K);
        var alpha = new Vector<float>(lrn.Alpha);
        for (; t <= length - Vector<float>.Count; t += Vector<float>.Count)
        {
            var s = Vector.Load(sum + t);
            Vector.Store(Vector.Load(x + t) * PowerMinusBeta(Vector.MultiplyAddEstimate(alpha, s, k), lrn.Beta), y + t);
            Vector.Store(Slide(s, entering, leaving, t), sum + t);
        }
        for (; t < length; t++)
        {
            y[t] = x[t] * PowerMinusBeta(lrn.K + (lrn.Alpha * sum[t]), lrn.Beta);
            sum[t] = Slide(sum[t], entering, leaving, t);
        }
    }

    /// <summary>
    /// Pass 1 of one channel of the backward, fused: with z = k + α·sum, dx = dy·z^−β and
    /// ratio = dy·y/z; then the window slides on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void LrnBackwardStep(float* y, float* dy, float* sum, float* entering, float* leaving, int length, LocalResponseNorm lrn,
        float* dx, float* ratio)
    {
        int t = 0;
        var k = new Vector<float>(lrn.K);
        var alpha = new Vector<float>(lrn.Alpha);
        for (; t <= length - Vector<float>.Count; t += Vector<float>.Count)
        {
            var s = Vector.Load(sum + t);
            var z = Vector.MultiplyAddEstimate(alpha, s, k);
            var gradient = Vector.Load(dy + t);
            Vector.Store(gradient * PowerMinusBeta(z, lrn.Beta), dx + t);
            Vector.Store(gradient * Vector.Load(y + t) / z, ratio + t);
            Vector.Store(Slide(s, entering, leaving, t), sum + t);
        }
        for (; t < length; t++)
        {
            float z = lrn.K + (lrn.Alpha * sum[t]);
            dx[t] = dy[t] * PowerMinusBeta(z, lrn.Beta);
            ratio[t] = dy[t] * y[t] / z;
            sum[t] = Slide(sum[t], entering, leaving, t);
        }
    }

    /// <summary>Pass 2 of one channel, fused: dx += factor·x·sum, then sum += entering − leaving.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void LrnCorrectionStep(float* x, float* sum, float* entering, float* leaving, int length, float factor, float* dx)
    {
        int t = 0;
        var f = new Vector<float>(factor);
        for (; t <= length - Vector<float>.Count; t += Vector<float>.Count)
        {
            var s = Vector.Load(sum + t);
            Vector.Store(Vector.MultiplyAddEstimate(f * Vector.Load(x + t), s, Vector.Load(dx + t)), dx + t);
            if (entering != null)
            {
                s += Vector.Load(entering + t);
            }
            if (leaving != null)
            {
                s -= Vector.Load(leaving + t);
            }
            Vector.Store(s, sum + t);
        }
        for (; t < length; t++)
        {
            dx[t] += factor * x[t] * sum[t];
            sum[t] += (entering != null ? entering[t] : 0) - (leaving != null ? leaving[t] : 0);
        }
    }

    /// <summary>The window sum moved one channel on: + entering² − leaving².</summary>
    private static unsafe Vector<float> Slide(Vector<float> sum, float* entering, float* leaving, int t)
    {
        if (entering != null)
        {
            var e = Vector.Load(entering + t);
            sum = Vector.MultiplyAddEstimate(e, e, sum);
        }
        if (leaving != null)
        {
            var l = Vector.Load(leaving + t);
            sum -= l * l;
        }
        return sum;
    }

    private static unsafe float Slide(float sum, float* entering, float* leaving, int t)
    {
        if (entering != null)
        {
            sum += entering[t] * entering[t];
        }
        if (leaving != null)
        {
            sum -= leaving[t] * leaving[t];
        }
        return sum;
    }

    /// <summary>
    /// z^−β. For the paper's β = 0.75, z^−3/4 = 1/(√z·√√z): two square roots and a division, exact to
    /// a few ulps and much cheaper than the general exp(−β·log z).
    /// </summary>
    private static Vector<float> PowerMinusBeta(Vector<float> z, float beta)
    {
        if (beta == 0.75f)
        {
            var root = Vector.SquareRoot(z);
            return Vector<float>.One / (root * Vector.SquareRoot(root));
        }
        return Vector.Exp(Vector.Log(z) * -beta);
    }

    private static float PowerMinusBeta(float z, float beta)
    {
        if (beta == 0.75f)
        {
            float root = MathF.Sqrt(z);
            return 1f / (root * MathF.Sqrt(root));
        }
        return MathF.Exp(MathF.Log(z) * -beta);
    }
}
