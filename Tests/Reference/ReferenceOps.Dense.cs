namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>y[n, o] = bias[o] + Σ_i x[n, i]·weight[o, i].</summary>
    public static double[] DenseForward(double[] x, double[] weight, double[]? bias, int n, int inputs, int outputs)
    {
        var y = new double[n * outputs];
        for (int row = 0; row < n; row++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double sum = bias?[o] ?? 0;
                for (int i = 0; i < inputs; i++)
                {
                    sum += x[(row * inputs) + i] * weight[(o * inputs) + i];
                }
                y[(row * outputs) + o] = sum;
            }
        }
        return y;
    }

    /// <summary>dx[n, i] = Σ_o dy[n, o]·weight[o, i]; dWeight[o, i] = Σ_n dy[n, o]·x[n, i]; dBias[o] = Σ_n dy[n, o] (all fresh).</summary>
    public static (double[] Dx, double[] DWeight, double[] DBias) DenseBackward(double[] x, double[] weight, double[] dy, int n, int inputs, int outputs)
    {
        var dx = new double[n * inputs];
        var dWeight = new double[outputs * inputs];
        var dBias = new double[outputs];
        for (int row = 0; row < n; row++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double gradient = dy[(row * outputs) + o];
                dBias[o] += gradient;
                for (int i = 0; i < inputs; i++)
                {
                    dx[(row * inputs) + i] += gradient * weight[(o * inputs) + i];
                    dWeight[(o * inputs) + i] += gradient * x[(row * inputs) + i];
                }
            }
        }
        return (dx, dWeight, dBias);
    }
}
