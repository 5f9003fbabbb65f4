using AlexNet.Backends.Cpu;
using FsCheck;
using FsCheck.Fluent;

namespace AlexNet.Tests.Backends;

/// <summary>
/// The GEMM's cache blocks chosen per processor: the rule from the cache sizes (a pure function), the
/// cache sizes read from sysfs, the KC,MC,NC text form, and the GEMM computing the same products with
/// any usable blocking.
/// </summary>
public sealed class GemmBlockingTests
{
    [Fact]
    public void The_rule_gives_the_Zen_5_guests_measured_blocking_for_its_caches()
    {
        var zen5 = new CpuCaches(48L << 10, 1L << 20, 32L << 20);
        Assert.Equal(GemmBlocking.Default, GemmBlocking.ForCaches(zen5, 8, 32));
        Assert.Equal(new GemmBlocking(256, 240, 4096), GemmBlocking.ForCaches(CpuCaches.Fallback, 8, 32));
    }

    [Fact]
    public void A_smaller_L1_gives_a_shorter_k_block_and_taller_row_blocks()
    {
        // The Zen 4 guest: 32 KiB L1d, 1 MiB L2, 32 MiB L3. (8 + 32)·KC·4 ≤ 5/6 of 32 KiB → KC = 160.
        var zen4 = GemmBlocking.ForCaches(new CpuCaches(32L << 10, 1L << 20, 32L << 20), 8, 32);
        Assert.Equal(new GemmBlocking(160, 408, 6528), zen4);
    }

    [Fact]
    public void The_rule_keeps_its_blocks_inside_the_caches_and_usable_for_any_sizes()
    {
        var caches =
            from l1 in Gen.Choose(1, 512)
            from l2 in Gen.Choose(16, 8192)
            from l3 in Gen.Choose(0, 1024)
            from tile in Gen.Elements((8, 32), (6, 16), (4, 4))
            select (Caches: new CpuCaches(l1 * 1024L, l2 * 1024L, Math.Max(l3 * 1024L * 1024, l2 * 1024L)), Tile: tile);
        Properties.Check(caches, c =>
        {
            var (rows, columns) = c.Tile;
            var blocking = GemmBlocking.ForCaches(c.Caches, rows, columns);
            Assert.Null(blocking.Problem());
            // Each block fits its cache share unless the cache is too small even for the smallest block.
            Assert.True(blocking.KC == GemmBlocking.DepthQuantum || (rows + columns) * blocking.KC * 4L <= c.Caches.L1Data, $"KC {blocking.KC} overflows L1 {c.Caches.L1Data}");
            Assert.True(blocking.MC == GemmBlocking.RowQuantum || blocking.MC == GemmBlocking.MaximumRows / GemmBlocking.RowQuantum * GemmBlocking.RowQuantum
                || (long)blocking.MC * blocking.KC * 4 <= c.Caches.L2 / 4, $"MC {blocking.MC} × KC {blocking.KC} overflows a quarter of L2 {c.Caches.L2}");
            Assert.Equal(blocking, GemmBlocking.ForDepth(c.Caches, blocking.KC));
        }, maxTest: 200);
    }

    [Theory]
    [InlineData("256,240,4096", 256, 240, 4096)]
    [InlineData(" 160 , 408 , 6528 ", 160, 408, 6528)]
    public void Blocking_text_round_trips(string text, int kc, int mc, int nc)
    {
        var blocking = GemmBlocking.Parse(text);
        Assert.Equal(new GemmBlocking(kc, mc, nc), blocking);
        Assert.Equal(blocking, GemmBlocking.Parse(blocking.ToString()));
    }

    [Theory]
    [InlineData("256,240", "expected KC,MC,NC")]
    [InlineData("a,b,c", "expected KC,MC,NC")]
    [InlineData("250,240,4096", "KC = 250: expected a multiple of 16")]
    [InlineData("256,0,4096", "MC = 0: expected a multiple of 24")]
    [InlineData("256,240,100000", "NC = 100000: expected a multiple of 32")]
    public void Unusable_blocking_text_is_refused_with_what_was_expected(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => GemmBlocking.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backend_refuses_an_unusable_blocking()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CpuBackend(new CpuBackendOptions { GemmBlocking = new GemmBlocking(100, 240, 4096) }));
        Assert.Contains("KC = 100", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Tiny blocks make every product cross many k, row and column blocks: the sums must still be the reference's.</summary>
    [Theory]
    [InlineData(16, 24, 32)]
    [InlineData(48, 48, 64)]
    [InlineData(160, 408, 6528)]
    public void Gemm_with_any_usable_blocking_matches_the_reference(int kc, int mc, int nc)
    {
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 2, GemmBlocking = new GemmBlocking(kc, mc, nc) });
        Assert.Equal(new GemmBlocking(kc, mc, nc), backend.GemmBlocking);
        Properties.Check(Cases.Gemm, c => GemmProperties.Verify(backend, c), maxTest: 15);
        GemmProperties.Verify(backend, new GemmCase(97, 130, 300, false, true, 1.5f, 0.5f, Seed: 3));
    }

    [Fact]
    public void Sysfs_cache_entries_are_read_by_level_and_type()
    {
        using var folder = new AlexNet.Tests.Training.TempFolder();
        void Entry(int index, string level, string type, string size)
        {
            string path = folder.Combine($"index{index}");
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "level"), level + "\n");
            File.WriteAllText(Path.Combine(path, "type"), type + "\n");
            File.WriteAllText(Path.Combine(path, "size"), size + "\n");
        }
        Entry(0, "1", "Data", "32K");
        Entry(1, "1", "Instruction", "32K");
        Entry(2, "2", "Unified", "1024K");
        Entry(3, "3", "Unified", "32768K");
        Assert.Equal(new CpuCaches(32L << 10, 1L << 20, 32L << 20), CpuCaches.FromSysfs(folder.Path));
        Assert.Null(CpuCaches.FromSysfs(folder.Combine("missing")));
    }

    [Theory]
    [InlineData("48K", 48L << 10)]
    [InlineData("1024K", 1L << 20)]
    [InlineData("32M", 32L << 20)]
    [InlineData("65536", 65536L)]
    [InlineData("", null)]
    [InlineData("12Q", null)]
    [InlineData("-4K", null)]
    public void Sysfs_sizes_are_parsed(string text, long? bytes) => Assert.Equal(bytes, CpuCaches.ParseSize(text));

    [Fact]
    public void Caches_without_an_L1_data_or_L2_cache_are_not_guessed()
    {
        Assert.Null(CpuCaches.FromEntries([(1, "Instruction", 32768), (2, "Unified", 1 << 20)]));
        Assert.Equal(new CpuCaches(32768, 1 << 20, 1 << 20), CpuCaches.FromEntries([(1, "Data", 32768), (2, "Unified", 1 << 20)]));
    }
}
