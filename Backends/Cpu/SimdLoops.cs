using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// The few elementwise loops <c>TensorPrimitives</c> has no single call for. Each is written three
/// times over the same formula: 512-bit vectors where the processor has them natively (16 floats a
/// step), else 256-bit vectors (8 floats), and always a scalar loop for the remaining tail.
/// </summary>
internal static unsafe class SimdLoops
{
    /// <summary>y[i] = (x[i] − mean)·scale + shift: batch normalization's per-channel map, subtracting the mean first so no precision is lost when |mean| is large.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeAffine(float* x, float mean, float scale, float shift, float* y, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(mean);
            var a = Vector512.Create(scale);
            var b = Vector512.Create(shift);
            for (; i <= length - 16; i += 16)
            {
                Vector512.MultiplyAddEstimate(Vector512.Load(x + i) - m, a, b).Store(y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(mean);
            var a = Vector256.Create(scale);
            var b = Vector256.Create(shift);
            for (; i <= length - 8; i += 8)
            {
                Vector256.MultiplyAddEstimate(Vector256.Load(x + i) - m, a, b).Store(y + i);
            }
        }
        for (; i < length; i++)
        {
            y[i] = ((x[i] - mean) * scale) + shift;
        }
    }

    /// <summary>dx[i] = dy[i]·a + (x[i] − mean)·b + d: batch normalization's input gradient, per channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormInputGradient(float* dy, float* x, float mean, float a, float b, float d, float* dx, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(mean);
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            var vd = Vector512.Create(d);
            for (; i <= length - 16; i += 16)
            {
                var partial = Vector512.MultiplyAddEstimate(Vector512.Load(x + i) - m, vb, vd);
                Vector512.MultiplyAddEstimate(Vector512.Load(dy + i), va, partial).Store(dx + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(mean);
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            var vd = Vector256.Create(d);
            for (; i <= length - 8; i += 8)
            {
                var partial = Vector256.MultiplyAddEstimate(Vector256.Load(x + i) - m, vb, vd);
                Vector256.MultiplyAddEstimate(Vector256.Load(dy + i), va, partial).Store(dx + i);
            }
        }
        for (; i < length; i++)
        {
            dx[i] = (dy[i] * a) + (((x[i] - mean) * b) + d);
        }
    }

    /// <summary>Σ (x[i] − mean)²: the variance's sum, taken around the mean so no precision is lost to cancellation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SumOfSquaredDeviations(float* x, float mean, int length)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(mean);
            var s = Vector512<float>.Zero;
            for (; i <= length - 16; i += 16)
            {
                var d = Vector512.Load(x + i) - m;
                s = Vector512.MultiplyAddEstimate(d, d, s);
            }
            sum = Vector512.Sum(s);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(mean);
            var s = Vector256<float>.Zero;
            for (; i <= length - 8; i += 8)
            {
                var d = Vector256.Load(x + i) - m;
                s = Vector256.MultiplyAddEstimate(d, d, s);
            }
            sum = Vector256.Sum(s);
        }
        for (; i < length; i++)
        {
            float d = x[i] - mean;
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Σ dy[i]·(x[i] − mean): batch normalization's backward sum, taken around the mean.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotWithDeviations(float* dy, float* x, float mean, int length)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(mean);
            var s = Vector512<float>.Zero;
            for (; i <= length - 16; i += 16)
            {
                s = Vector512.MultiplyAddEstimate(Vector512.Load(dy + i), Vector512.Load(x + i) - m, s);
            }
            sum = Vector512.Sum(s);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(mean);
            var s = Vector256<float>.Zero;
            for (; i <= length - 8; i += 8)
            {
                s = Vector256.MultiplyAddEstimate(Vector256.Load(dy + i), Vector256.Load(x + i) - m, s);
            }
            sum = Vector256.Sum(s);
        }
        for (; i < length; i++)
        {
            sum += dy[i] * (x[i] - mean);
        }
        return sum;
    }

    /// <summary>dx[i] = dy[i] where y[i] &gt; 0, else 0: ReLU's backward as a masked copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PassWherePositive(float* y, float* dy, float* dx, long length)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= length - 16; i += 16)
            {
                var positive = Vector512.GreaterThan(Vector512.Load(y + i), Vector512<float>.Zero);
                Vector512.ConditionalSelect(positive, Vector512.Load(dy + i), Vector512<float>.Zero).Store(dx + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - 8; i += 8)
            {
                var positive = Vector256.GreaterThan(Vector256.Load(y + i), Vector256<float>.Zero);
                Vector256.ConditionalSelect(positive, Vector256.Load(dy + i), Vector256<float>.Zero).Store(dx + i);
            }
        }
        for (; i < length; i++)
        {
            dx[i] = y[i] > 0 ? dy[i] : 0;
        }
    }
}
