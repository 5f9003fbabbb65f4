namespace AlexNet.Backends.Cpu;

/// <summary>
/// The cache blocks of the CPU GEMM (Gemm/Sgemm.cs), which depend on the processor's caches:
/// <list type="bullet">
/// <item>KC, the length of the k blocks: a KC × NR sliver of B stays in L1 while A's MR × KC slivers stream past;</item>
/// <item>MC, the rows of C per task: an MC × KC block of packed A stays in L2 while the task sweeps its columns;</item>
/// <item>NC, the columns of B packed at once: a KC × NC block, in L3.</item>
/// </list>
/// <see cref="ForCaches"/> derives them from the cache sizes (<see cref="CpuCaches.Detect"/>); the app can
/// instead measure a few candidates once and keep the fastest (Training/Benchmarking/GemmTuning.cs,
/// <c>alexnet bench --tune-gemm</c>). Docs/performance.md has the measurements behind the rule.
/// </summary>
public readonly record struct GemmBlocking(int KC, int MC, int NC)
{
    /// <summary>MC is a multiple of this, so every micro-kernel's rows (8, 6, 4) divide it.</summary>
    public const int RowQuantum = 24;

    /// <summary>KC is a multiple of this: whole cache lines of a packed row of A (16 floats).</summary>
    public const int DepthQuantum = 16;

    /// <summary>NC is a multiple of this, so every micro-kernel's columns (32, 16, 4) divide it.</summary>
    public const int ColumnQuantum = 32;

    /// <summary>The largest KC, MC and NC accepted: beyond them a block outgrows any cache.</summary>
    public const int MaximumDepth = 2048, MaximumRows = 4096, MaximumColumns = 16384;

    /// <summary>
    /// The blocking measured on the Zen 5 guest the GEMM was first tuned on (48 KiB L1d, 1 MiB L2,
    /// 32 MiB L3, 86% of the peak): what <see cref="ForCaches"/> gives for those caches, and the blocking
    /// used where no cache sizes can be read.
    /// </summary>
    public static GemmBlocking Default => new(256, 240, 4096);

    /// <summary>
    /// The rule, from the cache sizes and the micro-kernel's tile (MR × NR). The A and B slivers one
    /// tile reads, (MR + NR)·KC floats, take 5/6 of L1d (the rest for C's tile and the stack); packed A,
    /// MC·KC floats, a quarter of L2 (the B slivers and C's rows pass through it too); packed B, KC·NC
    /// floats, an eighth of L3 (shared by every core). Each is rounded down to its quantum and kept
    /// within [quantum, maximum]. For 48 KiB / 1 MiB / 32 MiB and 8×32 this gives 256 / 240 / 4096.
    /// </summary>
    public static GemmBlocking ForCaches(CpuCaches caches, int tileRows, int tileColumns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tileRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileColumns, 1);
        int kc = RoundDown(caches.L1Data * 5 / 6 / ((tileRows + tileColumns) * sizeof(float)), DepthQuantum, MaximumDepth);
        return ForDepth(caches, kc);
    }

    /// <summary>MC and NC by <see cref="ForCaches"/>' rule for a given KC (rounded to its quantum): the candidates a measurement compares.</summary>
    public static GemmBlocking ForDepth(CpuCaches caches, int kc)
    {
        kc = RoundDown(kc, DepthQuantum, MaximumDepth);
        int mc = RoundDown(caches.L2 / 4 / ((long)kc * sizeof(float)), RowQuantum, MaximumRows);
        int nc = RoundDown(caches.L3 / 8 / ((long)kc * sizeof(float)), ColumnQuantum, MaximumColumns);
        return new GemmBlocking(kc, mc, nc);
    }

    /// <summary>What is wrong with these blocks, or null when Sgemm can use them (a blocking read from a file is checked with this).</summary>
    public string? Problem()
    {
        if (KC < DepthQuantum || KC > MaximumDepth || KC % DepthQuantum != 0)
        {
            return $"KC = {KC}: expected a multiple of {DepthQuantum} from {DepthQuantum} to {MaximumDepth}";
        }
        if (MC < RowQuantum || MC > MaximumRows || MC % RowQuantum != 0)
        {
            return $"MC = {MC}: expected a multiple of {RowQuantum} from {RowQuantum} to {MaximumRows}";
        }
        if (NC < ColumnQuantum || NC > MaximumColumns || NC % ColumnQuantum != 0)
        {
            return $"NC = {NC}: expected a multiple of {ColumnQuantum} from {ColumnQuantum} to {MaximumColumns}";
        }
        return null;
    }

    /// <summary>KC,MC,NC, as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => $"{KC},{MC},{NC}";

    /// <summary>Reads "KC,MC,NC" (e.g. 256,240,4096), checked by <see cref="Problem"/>.</summary>
    /// <exception cref="FormatException">Not three integers, or blocks Sgemm cannot use; the message says which.</exception>
    public static GemmBlocking Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int kc)
            || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int mc)
            || !int.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out int nc))
        {
            throw new FormatException($"'{text}' is not a GEMM blocking: expected KC,MC,NC, three integers such as 256,240,4096.");
        }
        var blocking = new GemmBlocking(kc, mc, nc);
        if (blocking.Problem() is { } problem)
        {
            throw new FormatException($"'{text}' is not a usable GEMM blocking: {problem}.");
        }
        return blocking;
    }

    private static int RoundDown(long value, int quantum, int maximum) =>
        (int)Math.Clamp(value / quantum * quantum, quantum, maximum / quantum * quantum);
}
