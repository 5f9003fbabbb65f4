namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>y = max(0, x).</summary>
    public static double[] ReluForward(double[] x) => x.Select(v => Math.Max(0, v)).ToArray();

    /// <summary>dx = dy where y &gt; 0, else 0.</summary>
    public static double[] ReluBackward(double[] y, double[] dy) => y.Select((v, i) => v > 0 ? dy[i] : 0).ToArray();

    /// <summary>True when dropout keeps element i: its uniform number u(seed, offset, i) is at least p.</summary>
    public static bool DropoutKeeps(float p, ulong seed, ulong offset, long i) => AlexNet.Backends.Philox.Uniform(seed, offset, i) >= p;

    /// <summary>y = x / (1 − p) where kept, 0 where dropped: one Philox draw per element, as documented.</summary>
    public static double[] Dropout(double[] x, float p, ulong seed, ulong offset) =>
        x.Select((v, i) => DropoutKeeps(p, seed, offset, i) ? v / (1.0 - p) : 0).ToArray();

    /// <summary>y + alpha·x.</summary>
    public static double[] Axpy(double alpha, double[] x, double[] y) => y.Select((v, i) => v + (alpha * x[i])).ToArray();
}
