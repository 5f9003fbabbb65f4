using System.Diagnostics;
using System.Globalization;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// What the garbage collector saw between <see cref="Start"/> and <see cref="Stop"/>: collections per
/// generation and managed bytes allocated. A training step that allocates large arrays every time
/// shows up here as gen-2 collections; ours should allocate (almost) nothing once warm.
/// </summary>
public sealed class GarbageCounter
{
    private int _gen0, _gen1, _gen2;
    private long _bytes;

    /// <summary>Collections of generations 0, 1, 2 and the managed bytes allocated since <see cref="Start"/>, once stopped.</summary>
    public (int Gen0, int Gen1, int Gen2, long Bytes) Result { get; private set; }

    /// <summary>Remembers the current counts.</summary>
    public void Start()
    {
        _gen0 = GC.CollectionCount(0);
        _gen1 = GC.CollectionCount(1);
        _gen2 = GC.CollectionCount(2);
        _bytes = GC.GetTotalAllocatedBytes(precise: true);
    }

    /// <summary>Takes the differences since <see cref="Start"/>.</summary>
    public void Stop() => Result = (GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2,
        GC.GetTotalAllocatedBytes(precise: true) - _bytes);

    /// <summary>The most memory this process has held so far (its peak resident set, VmHWM on Linux), in bytes.</summary>
    public static long PeakResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>Bytes as "1.23 GiB", "45.6 MiB", "789 KiB" or "12 B".</summary>
    public static string FormatBytes(double bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):F2} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):F1} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 10):F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:F0} B"),
    };
}
