namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>The channels j whose squares enter channel c's sum: c − size/2 … c + (size−1)/2, clipped to the channels that exist.</summary>
    private static (int First, int Last) LrnWindow(int c, LrnShape s) =>
        (Math.Max(0, c - (s.Size / 2)), Math.Min(s.C - 1, c + ((s.Size - 1) / 2)));

    /// <summary>s[n, c, h, w] = k + α·Σ_{j ∈ window(c)} x[n, j, h, w]².</summary>
    private static double LrnScale(double[] x, LrnShape s, int n, int c, int pixel)
    {
        var (first, last) = LrnWindow(c, s);
        double sum = 0;
        for (int j = first; j <= last; j++)
        {
            double value = x[(((n * s.C) + j) * s.H * s.W) + pixel];
            sum += value * value;
        }
        return s.K + (s.Alpha * sum);
    }

    /// <summary>y = x / (k + α·Σ_window x²)^β, the paper's formula.</summary>
    public static double[] LrnForward(double[] x, LrnShape s)
    {
        var y = new double[s.Length];
        int pixels = s.H * s.W;
        for (int n = 0; n < s.N; n++)
        {
            for (int c = 0; c < s.C; c++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    int index = (((n * s.C) + c) * pixels) + p;
                    y[index] = x[index] / Math.Pow(LrnScale(x, s, n, c, p), s.Beta);
                }
            }
        }
        return y;
    }

    /// <summary>
    /// dx[c] = Σ_j dy[j]·∂y[j]/∂x[c], from the chain rule on y[j] = x[j]·s[j]^−β:
    /// ∂y[j]/∂x[c] = [j = c]·s[j]^−β − β·x[j]·s[j]^(−β−1)·α·2·x[c]·[c ∈ window(j)].
    /// </summary>
    public static double[] LrnBackward(double[] x, double[] dy, LrnShape s)
    {
        var dx = new double[s.Length];
        int pixels = s.H * s.W;
        for (int n = 0; n < s.N; n++)
        {
            for (int p = 0; p < pixels; p++)
            {
                for (int c = 0; c < s.C; c++)
                {
                    int cIndex = (((n * s.C) + c) * pixels) + p;
                    double sum = 0;
                    for (int j = 0; j < s.C; j++)
                    {
                        int jIndex = (((n * s.C) + j) * pixels) + p;
                        double scale = LrnScale(x, s, n, j, p);
                        double derivative = j == c ? Math.Pow(scale, -s.Beta) : 0;
                        var (first, last) = LrnWindow(j, s);
                        if (c >= first && c <= last)
                        {
                            derivative -= s.Beta * x[jIndex] * Math.Pow(scale, -s.Beta - 1) * s.Alpha * 2 * x[cIndex];
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
