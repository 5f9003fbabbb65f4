using System.Numerics;
using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

// Local response normalization across channels, the paper's section 3.3 (see LocalResponseNorm for
// its convention): y[c] = x[c] / (k + α·Σ_{j ∈ window(c)} x[j]²)^β. The backward is the chain rule
// written out term by term. Fast versions: Cpu/CpuBackend.Lrn.cs (a sliding window sum, fused
// vector loops, threads), Cuda/Kernels/lrn.cu.
public sealed partial class ReferenceBackend
{
    public void LrnForward(Tensor x, LocalResponseNorm lrn, Tensor y)
    {
        float[] vx = Values(x, nameof(x), nameof(LrnForward));
        Values(y, nameof(y), nameof(LrnForward));
        var s = OpContract.LrnForward(x, lrn, y);
        Store(LrnForward(vx, s), y);
    }

    public void LrnBackward(Tensor x, Tensor y, Tensor dy, LocalResponseNorm lrn, Tensor dx)
    {
        const string op = nameof(LrnBackward);
        float[] vx = Values(x, nameof(x), op), vdy = Values(dy, nameof(dy), op);
        Values(y, nameof(y), op);
        Values(dx, nameof(dx), op);
        var s = OpContract.LrnBackward(x, y, dy, lrn, dx);
        Store(LrnBackward(vx, vdy, s), dx);
    }

    /// <summary>The channels j whose squares enter channel c's sum: c − size/2 … c + (size−1)/2, clipped to the channels that exist.</summary>
    private static (int First, int Last) LrnWindow(int c, LrnShape s) =>
        (Math.Max(0, c - (s.Size / 2)), Math.Min(s.C - 1, c + ((s.Size - 1) / 2)));

    /// <summary>s[n, c, h, w] = k + α·Σ_{j ∈ window(c)} x[n, j, h, w]².</summary>
    private static T LrnScale<T>(T[] x, LrnShape s, int n, int c, int pixel)
        where T : IFloatingPointIeee754<T>
    {
        var (first, last) = LrnWindow(c, s);
        T sum = T.Zero;
        for (int j = first; j <= last; j++)
        {
            T value = x[(((n * s.C) + j) * s.H * s.W) + pixel];
            sum += value * value;
        }
        return T.CreateChecked(s.K) + (T.CreateChecked(s.Alpha) * sum);
    }

    /// <summary>y = x / (k + α·Σ_window x²)^β, the paper's formula.</summary>
    public static T[] LrnForward<T>(T[] x, LrnShape s)
        where T : IFloatingPointIeee754<T>
    {
        var y = new T[s.Length];
        T beta = T.CreateChecked(s.Beta);
        int pixels = s.H * s.W;
        for (int n = 0; n < s.N; n++)
        {
            for (int c = 0; c < s.C; c++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    int index = (((n * s.C) + c) * pixels) + p;
                    y[index] = x[index] / T.Pow(LrnScale(x, s, n, c, p), beta);
                }
            }
        }
        return y;
    }

    /// <summary>
    /// dx[c] = Σ_j dy[j]·∂y[j]/∂x[c], from the chain rule on y[j] = x[j]·s[j]^−β:
    /// ∂y[j]/∂x[c] = [j = c]·s[j]^−β − β·x[j]·s[j]^(−β−1)·α·2·x[c]·[c ∈ window(j)].
    /// </summary>
    public static T[] LrnBackward<T>(T[] x, T[] dy, LrnShape s)
        where T : IFloatingPointIeee754<T>
    {
        var dx = new T[s.Length];
        T alpha = T.CreateChecked(s.Alpha), beta = T.CreateChecked(s.Beta), two = T.CreateChecked(2);
        int pixels = s.H * s.W;
        for (int n = 0; n < s.N; n++)
        {
            for (int p = 0; p < pixels; p++)
            {
                for (int c = 0; c < s.C; c++)
                {
                    int cIndex = (((n * s.C) + c) * pixels) + p;
                    T sum = T.Zero;
                    for (int j = 0; j < s.C; j++)
                    {
                        int jIndex = (((n * s.C) + j) * pixels) + p;
                        T scale = LrnScale(x, s, n, j, p);
                        T derivative = j == c ? T.Pow(scale, -beta) : T.Zero;
                        var (first, last) = LrnWindow(j, s);
                        if (c >= first && c <= last)
                        {
                            derivative -= beta * x[jIndex] * T.Pow(scale, -beta - T.One) * alpha * two * x[cIndex];
                        }
                        sum += dy[jIndex] * derivative;
                    }
                    dx[cIndex] = sum;
                }
            }
        }
        return dx;
    }
}
