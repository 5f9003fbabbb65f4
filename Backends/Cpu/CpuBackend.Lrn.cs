using AlexNet.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Local response normalization across channels (the paper's convention; see LocalResponseNorm):
//   s[c] = k + α·Σ_{j ∈ window(c)} x[j]²,   y[c] = x[c]·s[c]^−β
// The window sum slides down the channels: moving from c to c + 1 adds one channel's squares and
// drops one, instead of summing `size` channels again. Channels of one pixel are H·W floats apart,
// so the work is done on a run of consecutive pixels at a time: every step below is one
// vectorized TensorPrimitives call over that run. Runs of all images are spread over threads.
public sealed partial class CpuBackend
{
    /// <summary>Pixels per work item: one run of each channel stays in L1 while the window slides.</summary>
    private const int LrnRun = 256;

    public unsafe void LrnForward(Tensor x, LocalResponseNorm lrn, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        lrn.Validate();
        ExpectRank(x, nameof(x), 4);
        ExpectShape(y, nameof(y), x.Shape);
        ExpectDistinct(y, nameof(y), x, nameof(x));
        var s = x.Shape;
        int pixels = s.H * s.W;
        int runsPerImage = (pixels + LrnRun - 1) / LrnRun;
        ParallelFor(s.N * runsPerImage, item =>
        {
            int n = item / runsPerImage, start = item % runsPerImage * LrnRun;
            int length = Math.Min(LrnRun, pixels - start);
            long first = ((long)n * s.C * pixels) + start;
            Span<float> sum = stackalloc float[length], power = stackalloc float[length], square = stackalloc float[length];
            sum.Clear();
            for (int j = 0; j <= lrn.WindowEnd(0, s.C); j++)
            {
                AddSquares(Run(px, first, j, pixels, length), sum, square, 1f);
            }
            for (int c = 0; c < s.C; c++)
            {
                var input = Run(px, first, c, pixels, length);
                // power = s^−β = exp(−β·log(k + α·sum))
                ScalePower(sum, lrn, power);
                TensorPrimitives.Multiply(input, power, Run(py, first, c, pixels, length));
                SlideWindow(px, first, c, pixels, length, s.C, lrn.Size / 2, (lrn.Size - 1) / 2, sum, square);
            }
        });
    }

    public unsafe void LrnBackward(Tensor x, Tensor y, Tensor dy, LocalResponseNorm lrn, Tensor dx)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        lrn.Validate();
        ExpectRank(x, nameof(x), 4);
        ExpectShape(y, nameof(y), x.Shape);
        ExpectShape(dy, nameof(dy), x.Shape);
        ExpectShape(dx, nameof(dx), x.Shape);
        ExpectDistinct(dx, nameof(dx), x, nameof(x));
        ExpectDistinct(dx, nameof(dx), y, nameof(y));
        ExpectDistinct(dx, nameof(dx), dy, nameof(dy));
        var s = x.Shape;
        int pixels = s.H * s.W;
        int runsPerImage = (pixels + LrnRun - 1) / LrnRun;
        float twoAlphaBeta = 2f * lrn.Alpha * lrn.Beta;
        Parallel.For(0, s.N * runsPerImage, _parallel,
            () => _workspace.Rent((long)s.C * LrnRun),
            (item, _, ratios) =>
            {
                int n = item / runsPerImage, start = item % runsPerImage * LrnRun;
                int length = Math.Min(LrnRun, pixels - start);
                long first = ((long)n * s.C * pixels) + start;
                Span<float> sum = stackalloc float[length], power = stackalloc float[length], square = stackalloc float[length];

                // Pass 1, down the channels with the forward's sliding window:
                //   dx[c] = dy[c]·s[c]^−β   and   ratio[c] = dy[c]·y[c]/s[c], kept for pass 2.
                sum.Clear();
                for (int j = 0; j <= lrn.WindowEnd(0, s.C); j++)
                {
                    AddSquares(Run(px, first, j, pixels, length), sum, square, 1f);
                }
                for (int c = 0; c < s.C; c++)
                {
                    ScalePower(sum, lrn, power);
                    TensorPrimitives.Multiply(Run(pdy, first, c, pixels, length), power, Run(pdx, first, c, pixels, length));
                    var ratio = new Span<float>(ratios.Pointer + ((long)c * length), length);
                    // square = s = k + α·sum, reused as scratch for the division.
                    TensorPrimitives.Multiply(sum, lrn.Alpha, square);
                    TensorPrimitives.Add(square, lrn.K, square);
                    TensorPrimitives.Multiply(Run(pdy, first, c, pixels, length), Run(py, first, c, pixels, length), ratio);
                    TensorPrimitives.Divide(ratio, square, ratio);
                    SlideWindow(px, first, c, pixels, length, s.C, lrn.Size / 2, (lrn.Size - 1) / 2, sum, square);
                }

                // Pass 2: channel c appears in the windows of j = c − (size−1)/2 … c + size/2, so
                //   dx[c] −= 2αβ·x[c]·Σ_{those j} ratio[j], with the same kind of sliding sum.
                sum.Clear();
                for (int j = 0; j <= Math.Min(s.C - 1, lrn.Size / 2); j++)
                {
                    TensorPrimitives.Add(sum, new ReadOnlySpan<float>(ratios.Pointer + ((long)j * length), length), sum);
                }
                for (int c = 0; c < s.C; c++)
                {
                    var gradient = Run(pdx, first, c, pixels, length);
                    TensorPrimitives.Multiply(Run(px, first, c, pixels, length), sum, power);
                    TensorPrimitives.MultiplyAdd(power, -twoAlphaBeta, gradient, gradient);
                    int entering = c + 1 + (lrn.Size / 2), leaving = c - ((lrn.Size - 1) / 2);
                    if (entering < s.C)
                    {
                        TensorPrimitives.Add(sum, new ReadOnlySpan<float>(ratios.Pointer + ((long)entering * length), length), sum);
                    }
                    if (leaving >= 0)
                    {
                        TensorPrimitives.Subtract(sum, new ReadOnlySpan<float>(ratios.Pointer + ((long)leaving * length), length), sum);
                    }
                }
                return ratios;
            },
            ratios => ratios.Dispose());
    }

    /// <summary>The run of <paramref name="length"/> pixels of channel <paramref name="channel"/> that starts at <paramref name="first"/> in channel 0.</summary>
    private static unsafe Span<float> Run(float* data, long first, int channel, int pixels, int length) =>
        new(data + first + ((long)channel * pixels), length);

    /// <summary>sum += sign·x² (square is scratch).</summary>
    private static void AddSquares(ReadOnlySpan<float> x, Span<float> sum, Span<float> square, float sign)
    {
        TensorPrimitives.Multiply(x, x, square);
        TensorPrimitives.MultiplyAdd(square, sign, sum, sum);
    }

    /// <summary>power = (k + α·sum)^−β, computed as exp(−β·log(k + α·sum)).</summary>
    private static void ScalePower(ReadOnlySpan<float> sum, LocalResponseNorm lrn, Span<float> power)
    {
        TensorPrimitives.Multiply(sum, lrn.Alpha, power);
        TensorPrimitives.Add(power, lrn.K, power);
        TensorPrimitives.Log(power, power);
        TensorPrimitives.Multiply(power, -lrn.Beta, power);
        TensorPrimitives.Exp(power, power);
    }

    /// <summary>Moves the window sum of squares from channel c to c + 1: adds channel c + 1 + after, drops channel c − before.</summary>
    private static unsafe void SlideWindow(float* x, long first, int c, int pixels, int length, int channels, int before, int after,
        Span<float> sum, Span<float> square)
    {
        int entering = c + 1 + after, leaving = c - before;
        if (entering < channels)
        {
            AddSquares(Run(x, first, entering, pixels, length), sum, square, 1f);
        }
        if (leaving >= 0)
        {
            AddSquares(Run(x, first, leaving, pixels, length), sum, square, -1f);
        }
    }
}
