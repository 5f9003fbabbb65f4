using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// The two ceilings of the roofline model (Williams, Waterman &amp; Patterson, 2009) measured on this
/// machine: how many floating-point operations the cores can do per second at best, and how many
/// bytes per second main memory delivers. A layer that does I operations per byte it must move
/// (its arithmetic intensity) can run at most min(peak, I · bandwidth): below the ridge point
/// peak/bandwidth it is memory-bound, above it compute-bound.
/// </summary>
public static class Roofline
{
    /// <summary>Independent multiply-add chains per thread: enough to cover the FMA latency on both pipes (2 pipes × 4 cycles on Zen 5), few enough for AVX2's 16 registers.</summary>
    private const int Chains = 12;

    /// <summary>Floats per array of the bandwidth test: 64 MiB each, twice the 32 MiB L3, so the data comes from memory.</summary>
    private const int BandwidthLength = 16 << 20;

    /// <summary>
    /// Peak single-precision GFLOP/s on <paramref name="threads"/> threads: each thread runs
    /// <see cref="Chains"/> independent chains of fused multiply-adds on the widest native vectors,
    /// with no memory traffic at all. The best of a few runs.
    /// </summary>
    public static double PeakGflops(int threads)
    {
        const long iterations = 100_000_000;
        double best = 0;
        for (int run = 0; run < 3; run++)
        {
            double seconds = OnThreads(threads, _ => FusedMultiplyAddChains(iterations));
            int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
            best = Math.Max(best, threads * iterations * Chains * lanes * 2.0 / seconds / 1e9);
        }
        return best;
    }

    /// <summary>
    /// Main-memory bandwidth in GB/s on <paramref name="threads"/> threads, the best of a few runs:
    /// reading (a sum over a 64 MiB array) and STREAM's triad a = b + s·c (three 64 MiB arrays,
    /// counted as 3 × 4 bytes per element as STREAM counts it).
    /// </summary>
    public static (double Read, double Triad) BandwidthGBs(int threads)
    {
        var a = GC.AllocateUninitializedArray<float>(BandwidthLength);
        var b = new float[BandwidthLength];
        var c = new float[BandwidthLength];
        b.AsSpan().Fill(1f);
        c.AsSpan().Fill(2f);
        int chunk = (BandwidthLength + threads - 1) / threads;
        double read = 0, triad = 0;
        for (int run = 0; run < 5; run++)
        {
            double seconds = OnThreads(threads, t =>
            {
                int start = t * chunk, length = Math.Min(chunk, BandwidthLength - start);
                return TensorPrimitives.Sum(new ReadOnlySpan<float>(b, start, length));
            });
            read = Math.Max(read, BandwidthLength * 4.0 / seconds / 1e9);
            seconds = OnThreads(threads, t =>
            {
                int start = t * chunk, length = Math.Min(chunk, BandwidthLength - start);
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(c, start, length), 3f, new ReadOnlySpan<float>(b, start, length), new Span<float>(a, start, length));
                return a[start];
            });
            triad = Math.Max(triad, BandwidthLength * 12.0 / seconds / 1e9);
        }
        return (read, triad);
    }

    /// <summary>
    /// Runs <paramref name="work"/>(thread index) on <paramref name="threads"/> dedicated threads released
    /// together; returns the seconds from the first start to the last finish, as the threads saw them
    /// (so a descheduled main thread cannot shorten or stretch the measurement).
    /// </summary>
    private static double OnThreads(int threads, Func<int, float> work)
    {
        using var ready = new Barrier(threads);
        var results = new float[threads];
        var starts = new long[threads];
        var ends = new long[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            ready.SignalAndWait();
            starts[t] = Stopwatch.GetTimestamp();
            results[t] = work(t);
            ends[t] = Stopwatch.GetTimestamp();
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }
        foreach (var worker in workers)
        {
            worker.Join();
        }
        GC.KeepAlive(results);
        return (ends.Max() - starts.Min()) / (double)Stopwatch.Frequency;
    }

    /// <summary><see cref="Chains"/> independent multiply-add chains, <paramref name="iterations"/> steps each; the result keeps the JIT from removing them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float FusedMultiplyAddChains(long iterations)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(0.999999f);
            var s = Vector512.Create(1e-7f);
            Vector512<float> c0 = Vector512<float>.One, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, s);
                c1 = Vector512.FusedMultiplyAdd(c1, m, s);
                c2 = Vector512.FusedMultiplyAdd(c2, m, s);
                c3 = Vector512.FusedMultiplyAdd(c3, m, s);
                c4 = Vector512.FusedMultiplyAdd(c4, m, s);
                c5 = Vector512.FusedMultiplyAdd(c5, m, s);
                c6 = Vector512.FusedMultiplyAdd(c6, m, s);
                c7 = Vector512.FusedMultiplyAdd(c7, m, s);
                c8 = Vector512.FusedMultiplyAdd(c8, m, s);
                c9 = Vector512.FusedMultiplyAdd(c9, m, s);
                c10 = Vector512.FusedMultiplyAdd(c10, m, s);
                c11 = Vector512.FusedMultiplyAdd(c11, m, s);
            }
            return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(0.999999f);
            var s = Vector256.Create(1e-7f);
            Vector256<float> c0 = Vector256<float>.One, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, m, s);
                c1 = Vector256.FusedMultiplyAdd(c1, m, s);
                c2 = Vector256.FusedMultiplyAdd(c2, m, s);
                c3 = Vector256.FusedMultiplyAdd(c3, m, s);
                c4 = Vector256.FusedMultiplyAdd(c4, m, s);
                c5 = Vector256.FusedMultiplyAdd(c5, m, s);
                c6 = Vector256.FusedMultiplyAdd(c6, m, s);
                c7 = Vector256.FusedMultiplyAdd(c7, m, s);
                c8 = Vector256.FusedMultiplyAdd(c8, m, s);
                c9 = Vector256.FusedMultiplyAdd(c9, m, s);
                c10 = Vector256.FusedMultiplyAdd(c10, m, s);
                c11 = Vector256.FusedMultiplyAdd(c11, m, s);
            }
            return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
        var v = Vector128.Create(1f);
        var acc = new Vector128<float>[Chains];
        Array.Fill(acc, v);
        for (long i = 0; i < iterations; i++)
        {
            for (int k = 0; k < Chains; k++)
            {
                acc[k] = (acc[k] * 0.999999f) + Vector128.Create(1e-7f);
            }
        }
        return acc.Sum(Vector128.Sum);
    }
}
