using AlexNet.Backends.Cpu;
using AlexNet.Training.Benchmarking;

namespace AlexNet.Tests.Training;

/// <summary>
/// The GEMM blocking measured once per processor: which candidate is chosen (a pure function of the
/// measurements), the cached file's round trip, and a file that cannot be trusted — corrupt, unusable
/// blocks, another processor — never used as it is.
/// </summary>
public sealed class GemmTuningTests
{
    private static readonly GemmBlocking Rule = new(160, 408, 6528);
    private static readonly GemmBlocking Other = new(256, 240, 4096);

    [Fact]
    public void The_rule_is_kept_unless_another_blocking_is_clearly_faster()
    {
        Assert.Equal(Rule, GemmTuning.Choose([(Rule, 100.0), (Other, 98.0)]));
        Assert.Equal(Other, GemmTuning.Choose([(Rule, 100.0), (Other, 96.0)]));
        Assert.Equal(Rule, GemmTuning.Choose([(Rule, 100.0), (Other, 120.0)]));
        Assert.Throws<ArgumentException>(() => GemmTuning.Choose([]));
    }

    [Fact]
    public void The_candidates_start_with_the_rule_and_are_all_usable_and_different()
    {
        var caches = new CpuCaches(32L << 10, 1L << 20, 32L << 20);
        var candidates = GemmTuning.Candidates(caches, 8, 32);
        Assert.Equal(GemmBlocking.ForCaches(caches, 8, 32), candidates[0]);
        Assert.Contains(GemmBlocking.Default, candidates);
        Assert.Equal(candidates.Count, candidates.Distinct().Count());
        Assert.All(candidates, c => Assert.Null(c.Problem()));
        // On the Zen 5 guest's caches the rule is the default itself, listed once.
        Assert.Single(GemmTuning.Candidates(CpuCaches.Fallback, 8, 32), c => c == GemmBlocking.Default);
    }

    [Fact]
    public void A_saved_blocking_is_read_back_for_the_same_processor_and_kernel_only()
    {
        using var folder = new TempFolder();
        string path = GemmTuning.FilePath(folder.Path);
        GemmTuning.Save(path, Tuned("cpu A", "Vector512", "160,408,6528"));

        Assert.Equal(Rule, GemmTuning.Load(path, "cpu A", GemmKernel.Vector512, out string? problem));
        Assert.Null(problem);
        Assert.Null(GemmTuning.Load(path, "cpu B", GemmKernel.Vector512, out problem));
        Assert.Contains("not on this cpu B", problem, StringComparison.Ordinal);
        Assert.Null(GemmTuning.Load(path, "cpu A", GemmKernel.Vector256, out problem));
        Assert.Contains("with Vector256", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void No_file_means_no_tuned_blocking_and_no_problem()
    {
        using var folder = new TempFolder();
        Assert.Null(GemmTuning.Load(GemmTuning.FilePath(folder.Path), "cpu A", GemmKernel.Vector512, out string? problem));
        Assert.Null(problem);
        Assert.Null(GemmTuning.Resolve(folder.Path, threads: 1, _ => Assert.Fail("nothing to measure without a file")));
    }

    [Theory]
    [InlineData("{ not json", "cannot be read")]
    [InlineData("{}", "incomplete")]
    [InlineData("""{"version": 1, "processor": "cpu A", "kernel": "Vector512", "blocking": "7,5,3", "measuredAt": "", "measured": []}""", "KC = 7")]
    [InlineData("""{"version": 9, "processor": "cpu A", "kernel": "Vector512", "blocking": "160,408,6528", "measuredAt": "", "measured": []}""", "format version 9")]
    public void A_corrupt_file_is_not_trusted(string json, string expected)
    {
        using var folder = new TempFolder();
        string path = GemmTuning.FilePath(folder.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        Assert.Null(GemmTuning.Load(path, "cpu A", GemmKernel.Vector512, out string? problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_file_is_measured_again_and_rewritten()
    {
        using var folder = new TempFolder();
        string path = GemmTuning.FilePath(folder.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "\0\0garbage");
        var log = new List<string>();

        var blocking = GemmTuning.Resolve(folder.Path, threads: 1, log.Add);

        Assert.NotNull(blocking);
        Assert.Null(blocking.Value.Problem());
        Assert.Contains(log, line => line.Contains("not used", StringComparison.Ordinal) && line.Contains("cannot be read", StringComparison.Ordinal));
        using var probe = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        Assert.Equal(blocking, GemmTuning.Load(path, CpuCaches.ProcessorName(), probe.GemmKernel, out string? problem));
        Assert.Null(problem);
    }

    private static GemmTuning.TunedBlocking Tuned(string processor, string kernel, string blocking) =>
        new(GemmTuning.Version, processor, kernel, blocking, "2026-12-03T15:00:00Z", [new GemmTuning.Measurement(blocking, 1.5)]);
}
