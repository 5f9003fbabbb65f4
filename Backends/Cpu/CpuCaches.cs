using System.Globalization;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// The data caches one core sees, in bytes (L3 as a whole, shared by the cores), and the processor's
/// name: what <see cref="GemmBlocking.ForCaches"/> sizes the GEMM's blocks by. Read from Linux's sysfs
/// (<c>/sys/devices/system/cpu/cpu0/cache</c>) where it exists, else from the x86 CPUID instruction,
/// else the Zen 5 guest's sizes the blocking was first tuned on.
/// </summary>
public readonly record struct CpuCaches(long L1Data, long L2, long L3)
{
    /// <summary>48 KiB, 1 MiB, 32 MiB: the Zen 5 guest's caches, for processors whose caches cannot be read.</summary>
    public static CpuCaches Fallback => new(48L << 10, 1L << 20, 32L << 20);

    /// <summary>This machine's caches (computed once: they do not change while the process runs).</summary>
    public static CpuCaches Detect() => Detected.Value;

    private static readonly Lazy<CpuCaches> Detected = new(() =>
        FromSysfs("/sys/devices/system/cpu/cpu0/cache") ?? FromCpuid() ?? Fallback);

    /// <summary>
    /// The caches described by sysfs' <c>index*/{level,type,size}</c> files under <paramref name="folder"/>,
    /// or null when the folder is missing or lacks L1d or L2 (a processor without L3 gets L3 = L2).
    /// </summary>
    public static CpuCaches? FromSysfs(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }
        var entries = new List<(int Level, string Type, long Bytes)>();
        foreach (string index in Directory.EnumerateDirectories(folder, "index*"))
        {
            try
            {
                string level = File.ReadAllText(Path.Combine(index, "level")).Trim();
                string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                string size = File.ReadAllText(Path.Combine(index, "size")).Trim();
                if (int.TryParse(level, CultureInfo.InvariantCulture, out int l) && ParseSize(size) is { } bytes)
                {
                    entries.Add((l, type, bytes));
                }
            }
            catch (IOException)
            {
                // An entry that cannot be read is skipped; the others may still describe the caches.
            }
        }
        return FromEntries(entries);
    }

    /// <summary>The caches from (level, type, bytes) entries as sysfs lists them; null without L1d and L2.</summary>
    public static CpuCaches? FromEntries(IEnumerable<(int Level, string Type, long Bytes)> entries)
    {
        long l1 = 0, l2 = 0, l3 = 0;
        foreach (var (level, type, bytes) in entries)
        {
            bool data = type is "Data" or "Unified";
            if (level == 1 && data)
            {
                l1 = bytes;
            }
            else if (level == 2 && data)
            {
                l2 = bytes;
            }
            else if (level == 3 && data)
            {
                l3 = bytes;
            }
        }
        return l1 > 0 && l2 > 0 ? new CpuCaches(l1, l2, l3 > 0 ? l3 : l2) : null;
    }

    /// <summary>A sysfs size: "48K", "1024K", "32M" or a number of bytes; null if it is none of those.</summary>
    public static long? ParseSize(string text)
    {
        text = text.Trim();
        long unit = text.EndsWith('K') ? 1L << 10 : text.EndsWith('M') ? 1L << 20 : text.EndsWith('G') ? 1L << 30 : 1;
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 ? value * unit : null;
    }

    /// <summary>
    /// The caches from CPUID's deterministic cache parameters (leaf 4 on Intel, 0x8000001D on AMD): for each
    /// cache, ways × partitions × line size × sets. Null on other processors or when the leaf is missing.
    /// </summary>
    private static CpuCaches? FromCpuid()
    {
        if (!X86Base.IsSupported)
        {
            return null;
        }
        uint leaf = Vendor() == "AuthenticAMD" ? 0x8000001Du : 4u;
        uint highest = (uint)X86Base.CpuId(unchecked((int)(leaf & 0x80000000u)), 0).Eax;
        if (highest < leaf)
        {
            return null;
        }
        var entries = new List<(int, string, long)>();
        for (int sub = 0; sub < 16; sub++)
        {
            var (eax, ebx, ecx, _) = X86Base.CpuId(unchecked((int)leaf), sub);
            int type = eax & 0x1F;
            if (type == 0)
            {
                break;
            }
            int level = (eax >> 5) & 0x7;
            long bytes = (long)(((ebx >> 22) & 0x3FF) + 1) * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) * ((long)(uint)ecx + 1);
            entries.Add((level, type switch { 1 => "Data", 2 => "Instruction", _ => "Unified" }, bytes));
        }
        return FromEntries(entries);
    }

    /// <summary>
    /// The processor's identity — vendor, family, model and stepping, and its brand string — from CPUID on
    /// x86, else the architecture: what a blocking measured on this machine is filed under.
    /// </summary>
    public static string ProcessorName()
    {
        if (!X86Base.IsSupported)
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
        int signature = X86Base.CpuId(1, 0).Eax;
        int family = (signature >> 8) & 0xF, model = (signature >> 4) & 0xF, stepping = signature & 0xF;
        if (family == 0xF)
        {
            family += (signature >> 20) & 0xFF;
        }
        if (family >= 6)
        {
            model += ((signature >> 16) & 0xF) << 4;
        }
        var brand = new StringBuilder();
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000u), 0).Eax >= 0x80000004u)
        {
            for (uint leaf = 0x80000002u; leaf <= 0x80000004u; leaf++)
            {
                var (a, b, c, d) = X86Base.CpuId(unchecked((int)leaf), 0);
                foreach (int register in (int[])[a, b, c, d])
                {
                    brand.Append(Encoding.ASCII.GetString(BitConverter.GetBytes(register)));
                }
            }
        }
        return $"{Vendor()} family {family} model {model} stepping {stepping} ({brand.ToString().TrimEnd('\0').Trim()})";
    }

    private static string Vendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return Encoding.ASCII.GetString([.. BitConverter.GetBytes(ebx), .. BitConverter.GetBytes(edx), .. BitConverter.GetBytes(ecx)]);
    }
}
