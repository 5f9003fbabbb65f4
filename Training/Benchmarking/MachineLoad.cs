using System.Globalization;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// How busy the machine was with <i>other</i> work while a measurement ran — a timing taken while
/// other processes compete for the cores is not a measurement of this code. Linux only (from
/// <c>/proc/stat</c> and <c>/proc/self/stat</c>, as libtorch-bench's guard); elsewhere nothing is
/// reported. Start one before the timed runs and call <see cref="Stop"/> after them.
/// </summary>
public sealed class MachineLoad
{
    /// <summary>Above this share of the machine used by other processes, results are marked contended.</summary>
    public const double ContendedShare = 0.10;

    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private readonly (long Busy, long Steal, long Total)? _machine = MachineTicks();
    private readonly double? _ownSeconds = OwnCpuSeconds();

    /// <summary>The 1-minute load average (runnable threads, this process's included), or null where unknown.</summary>
    public static double? LoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The share of the machine's CPU time (all cores) that other processes used since this object was
    /// created, and the share stolen by the hypervisor; null where /proc is not available.
    /// </summary>
    public (double Other, double Steal)? Stop()
    {
        var machine = MachineTicks();
        double? own = OwnCpuSeconds();
        if (_machine is not { } before || machine is not { } after || _ownSeconds is not { } ownBefore || own is not { } ownAfter)
        {
            return null;
        }
        double total = Math.Max(1, after.Total - before.Total);
        double ours = (ownAfter - ownBefore) * TicksPerSecond;
        return (Math.Max(0, (after.Busy - before.Busy - ours) / total), (after.Steal - before.Steal) / total);
    }

    /// <summary>" other processes 3%" (marked when contended), with the hypervisor's steal when there is any.</summary>
    public static string Describe((double Other, double Steal)? share)
    {
        if (share is not { } s)
        {
            return "";
        }
        string text = string.Create(CultureInfo.InvariantCulture, $"other processes {100 * s.Other:F0}%");
        if (s.Other > ContendedShare)
        {
            text += " (CONTENDED)";
        }
        if (s.Steal > 0.02)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", steal {100 * s.Steal:F0}%");
        }
        return text;
    }

    /// <summary>Busy, stolen and total ticks of all cores, from the first line of /proc/stat.</summary>
    private static (long Busy, long Steal, long Total)? MachineTicks()
    {
        try
        {
            long[] f = [.. File.ReadLines("/proc/stat").First()
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(t => long.Parse(t, CultureInfo.InvariantCulture))];
            long idle = f[3] + f[4], steal = f.Length > 7 ? f[7] : 0, total = f.Sum();
            return (total - idle - steal, steal, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>User + system CPU seconds of this process, from /proc/self/stat.</summary>
    private static double? OwnCpuSeconds()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
