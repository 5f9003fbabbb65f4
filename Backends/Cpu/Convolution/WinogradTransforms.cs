using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// One of Winograd's matrices applied to a vector, L·x, written out as the few adds and multiplies its
/// entries ask for (most are 0 or ±1): eight tiles at once, one per lane. The hot transforms (inputs,
/// outputs, and dy for the weight gradient) run through these; the filter transforms, done once per
/// call, use the matrices as they stand (<see cref="WinogradTile.Sandwich"/>). Each struct names the
/// matrix of <see cref="WinogradTile"/> it spells out; the property tests check the two agree.
/// </summary>
internal unsafe interface IWinogradTransform
{
    /// <summary>Length of x (the matrix's columns).</summary>
    static abstract int Inputs { get; }

    /// <summary>Length of L·x (its rows).</summary>
    static abstract int Outputs { get; }

    /// <summary>y[i·yStride] = (L·x)[i] with x[j] at x[j·xStride].</summary>
    static abstract void Apply(Vector256<float>* x, int xStride, Vector256<float>* y, int yStride);
}

/// <summary>Bᵀ of F(2×2, 3×3).</summary>
internal unsafe struct InputTransform2 : IWinogradTransform
{
    public static int Inputs => 4;

    public static int Outputs => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(Vector256<float>* x, int xs, Vector256<float>* y, int ys)
    {
        Vector256<float> d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs];
        y[0] = d0 - d2;
        y[ys] = d1 + d2;
        y[2 * ys] = d2 - d1;
        y[3 * ys] = d1 - d3;
    }
}

/// <summary>Aᵀ of F(2×2, 3×3).</summary>
internal unsafe struct OutputTransform2 : IWinogradTransform
{
    public static int Inputs => 4;

    public static int Outputs => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(Vector256<float>* x, int xs, Vector256<float>* y, int ys)
    {
        Vector256<float> m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs];
        y[0] = m0 + m1 + m2;
        y[ys] = m1 - m2 - m3;
    }
}

/// <summary>A = (Aᵀ)ᵀ of F(2×2, 3×3): how dy enters the weight gradient.</summary>
internal unsafe struct GradientTransform2 : IWinogradTransform
{
    public static int Inputs => 2;

    public static int Outputs => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(Vector256<float>* x, int xs, Vector256<float>* y, int ys)
    {
        Vector256<float> g0 = x[0], g1 = x[xs];
        y[0] = g0;
        y[ys] = g0 + g1;
        y[2 * ys] = g0 - g1;
        y[3 * ys] = -g1;
    }
}

/// <summary>Bᵀ of F(4×4, 3×3).</summary>
internal unsafe struct InputTransform4 : IWinogradTransform
{
    public static int Inputs => 6;

    public static int Outputs => 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(Vector256<float>* x, int xs, Vector256<float>* y, int ys)
    {
        Vector256<float> d0 = x[0], d1 = x[xs], d2 = x[2 * xs], d3 = x[3 * xs], d4 = x[4 * xs], d5 = x[5 * xs];
        var four = Vector256.Create(4f);
        var five = Vector256.Create(5f);
        var two = Vector256.Create(2f);
        y[0] = Vector256.FusedMultiplyAdd(four, d0, Vector256.FusedMultiplyAdd(-five, d2, d4));
        y[ys] = Vector256.FusedMultiplyAdd(-four, d1 + d2, d3 + d4);
        y[2 * ys] = Vector256.FusedMultiplyAdd(four, d1 - d2, d4 - d3);
        y[3 * ys] = Vector256.FusedMultiplyAdd(two, d3 - d1, d4 - d2);
        y[4 * ys] = Vector256.FusedMultiplyAdd(two, d1 - d3, d4 - d2);
        y[5 * ys] = Vector256.FusedMultiplyAdd(four, d1, Vector256.FusedMultiplyAdd(-five, d3, d5));
    }
}

/// <summary>Aᵀ of F(4×4, 3×3).</summary>
internal unsafe struct OutputTransform4 : IWinogradTransform
{
    public static int Inputs => 6;

    public static int Outputs => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(Vector256<float>* x, int xs, Vector256<float>* y, int ys)
    {
        Vector256<float> m0 = x[0], m1 = x[xs], m2 = x[2 * xs], m3 = x[3 * xs], m4 = x[4 * xs], m5 = x[5 * xs];
        Vector256<float> sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4;
        y[0] = m0 + sum12 + sum34;
        y[ys] = Vector256.FusedMultiplyAdd(Vector256.Create(2f), difference34, difference12);
        y[2 * ys] = Vector256.FusedMultiplyAdd(Vector256.Create(4f), sum34, sum12);
        y[3 * ys] = Vector256.FusedMultiplyAdd(Vector256.Create(8f), difference34, difference12) + m5;
    }
}

/// <summary>A = (Aᵀ)ᵀ of F(4×4, 3×3): how dy enters the weight gradient.</summary>
internal unsafe struct GradientTransform4 : IWinogradTransform
{
    public static int Inputs => 4;

    public static int Outputs => 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(Vector256<float>* x, int xs, Vector256<float>* y, int ys)
    {
        Vector256<float> g0 = x[0], g1 = x[xs], g2 = x[2 * xs], g3 = x[3 * xs];
        Vector256<float> even = g0 + g2, odd = g1 + g3;
        var two = Vector256.Create(2f);
        var four = Vector256.Create(4f);
        var eight = Vector256.Create(8f);
        Vector256<float> evenScaled = Vector256.FusedMultiplyAdd(four, g2, g0), oddScaled = Vector256.FusedMultiplyAdd(eight, g3, two * g1);
        y[0] = g0;
        y[ys] = even + odd;
        y[2 * ys] = even - odd;
        y[3 * ys] = evenScaled + oddScaled;
        y[4 * ys] = evenScaled - oddScaled;
        y[5 * ys] = g3;
    }
}

/// <summary>The two-sided product out = L · in · Lᵀ through one <see cref="IWinogradTransform"/>, eight planes' positions at a time.</summary>
internal static unsafe class WinogradTransforms
{
    /// <summary>
    /// Like <see cref="WinogradTile.Sandwich"/> with L = <typeparamref name="T"/>: in[a, b] is the plane at
    /// <paramref name="input"/> + (a·q + b)·<paramref name="inputStride"/>, out[a, b] goes to
    /// <paramref name="output"/> + (a·p + b)·<paramref name="outputStride"/>, <paramref name="length"/> positions.
    /// The last few positions go through a zero-filled vector, so there is one code path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sandwich<T>(float* input, long inputStride, float* output, long outputStride, int length)
        where T : struct, IWinogradTransform
    {
        int q = T.Inputs, p = T.Outputs;
        var x = stackalloc Vector256<float>[q * q];
        var half = stackalloc Vector256<float>[p * q];
        var y = stackalloc Vector256<float>[p * p];
        for (int k = 0; k < length; k += 8)
        {
            int lanes = Math.Min(8, length - k);
            if (lanes == 8)
            {
                for (int i = 0; i < q * q; i++)
                {
                    x[i] = Vector256.Load(input + (i * inputStride) + k);
                }
            }
            else
            {
                for (int i = 0; i < q * q; i++)
                {
                    x[i] = Vector256<float>.Zero;
                    new ReadOnlySpan<float>(input + (i * inputStride) + k, lanes).CopyTo(new Span<float>(x + i, lanes));
                }
            }
            // half = L · in (down each column s), then out = half · Lᵀ (along each row a).
            for (int s = 0; s < q; s++)
            {
                T.Apply(x + s, q, half + s, q);
            }
            for (int a = 0; a < p; a++)
            {
                T.Apply(half + (a * q), 1, y + (a * p), 1);
            }
            if (lanes == 8)
            {
                for (int i = 0; i < p * p; i++)
                {
                    y[i].Store(output + (i * outputStride) + k);
                }
            }
            else
            {
                for (int i = 0; i < p * p; i++)
                {
                    new ReadOnlySpan<float>(y + i, lanes).CopyTo(new Span<float>(output + (i * outputStride) + k, lanes));
                }
            }
        }
    }
}
