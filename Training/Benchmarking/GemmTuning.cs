using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AlexNet.Backends.Cpu;
using AlexNet.Tensors;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Training.Benchmarking;

/// <summary>
/// The CPU GEMM's cache blocks measured once on this processor and kept in the user's cache folder
/// (<c>cpu/gemm-blocking.json</c> under <see cref="Data.DataCache.Root"/>): <c>alexnet bench --tune-gemm</c>
/// times a few candidates around <see cref="GemmBlocking.ForCaches"/>'s rule at AlexNet's product shapes
/// and files the fastest under the processor's name and micro-kernel; <c>train</c> and <c>bench</c> then use
/// it. A file made on another processor is ignored; one that cannot be read or holds unusable blocks is
/// never trusted: it is measured again and rewritten. Without a file the rule is used.
/// </summary>
public static class GemmTuning
{
    /// <summary>The file's format version; another version is measured again.</summary>
    public const int Version = 1;

    /// <summary>Another candidate replaces the rule only when it is at least this much faster: less is noise on a shared machine.</summary>
    public const double RequiredGain = 0.03;

    /// <summary>KC values tried beside the rule's: half, three quarters, one and one and a half times the Zen 5 guest's 256.</summary>
    private static readonly int[] CandidateDepths = [128, 192, 256, 384];

    /// <summary>
    /// The product shapes timed (M, N, K): conv3's 13×13 forward on three images side by side (the 3×3
    /// layers' implicit GEMM), a Winograd product of conv4 (1024 tiles, 192 channels), conv1's forward on one
    /// image (short k) and a dense layer at batch 64 (few rows, long k: fc6's shape at a quarter of its size).
    /// </summary>
    private static readonly (int M, int N, int K)[] Shapes = [(384, 507, 2304), (192, 1024, 192), (96, 3025, 363), (64, 2048, 4608)];

    /// <summary>One candidate's measured time: the sum over <see cref="Shapes"/> of each shape's fastest run.</summary>
    public sealed record Measurement(string Blocking, double Milliseconds);

    /// <summary>What the file holds.</summary>
    public sealed record TunedBlocking(int Version, string Processor, string Kernel, string Blocking, string MeasuredAt, IReadOnlyList<Measurement> Measured);

    /// <summary>Where the tuned blocking lives under the cache folder <paramref name="cacheRoot"/>.</summary>
    public static string FilePath(string cacheRoot) => Path.Combine(cacheRoot, "cpu", "gemm-blocking.json");

    /// <summary>The blockings to measure: the rule's first, then the Zen 5 guest's <see cref="GemmBlocking.Default"/>, then each of <see cref="CandidateDepths"/> with MC and NC by the same rule, without repeats.</summary>
    public static IReadOnlyList<GemmBlocking> Candidates(CpuCaches caches, int tileRows, int tileColumns)
    {
        var rule = GemmBlocking.ForCaches(caches, tileRows, tileColumns);
        var candidates = new List<GemmBlocking> { rule };
        foreach (var candidate in CandidateDepths.Select(kc => GemmBlocking.ForDepth(caches, kc)).Prepend(GemmBlocking.Default))
        {
            if (!candidates.Contains(candidate))
            {
                candidates.Add(candidate);
            }
        }
        return candidates;
    }

    /// <summary>
    /// The fastest candidate, unless it beats the first (the rule's) by less than <see cref="RequiredGain"/>:
    /// then the rule's. Measurements are (blocking, milliseconds); the first is the rule's.
    /// </summary>
    public static GemmBlocking Choose(IReadOnlyList<(GemmBlocking Blocking, double Milliseconds)> measured)
    {
        if (measured.Count == 0)
        {
            throw new ArgumentException("Nothing was measured: expected the rule's blocking and its alternatives.", nameof(measured));
        }
        var (rule, ruleTime) = measured[0];
        var (best, bestTime) = measured.MinBy(m => m.Milliseconds);
        return bestTime < ruleTime * (1 - RequiredGain) ? best : rule;
    }

    /// <summary>
    /// Reads the tuned blocking at <paramref name="path"/> for this <paramref name="processor"/> and
    /// <paramref name="kernel"/>. Returns it, or null with <paramref name="problem"/> saying why not:
    /// no file (problem null), or a file that cannot be trusted (another processor or kernel, another
    /// version, unreadable JSON, unusable blocks).
    /// </summary>
    public static GemmBlocking? Load(string path, string processor, GemmKernel kernel, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
        {
            return null;
        }
        TunedBlocking? tuned;
        try
        {
            tuned = JsonSerializer.Deserialize<TunedBlocking>(File.ReadAllText(path), JsonOptions);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            problem = $"{path} cannot be read ({e.Message})";
            return null;
        }
        if (tuned is null || tuned.Processor is null || tuned.Kernel is null || tuned.Blocking is null)
        {
            problem = $"{path} is incomplete: expected version, processor, kernel and blocking";
            return null;
        }
        if (tuned.Version != Version)
        {
            problem = $"{path} has format version {tuned.Version}, expected {Version}";
            return null;
        }
        if (tuned.Processor != processor || tuned.Kernel != kernel.ToString())
        {
            problem = $"{path} was measured on {tuned.Processor} with the {tuned.Kernel} kernel, not on this {processor} with {kernel}";
            return null;
        }
        try
        {
            return GemmBlocking.Parse(tuned.Blocking);
        }
        catch (FormatException e)
        {
            problem = $"{path}: {e.Message}";
            return null;
        }
    }

    /// <summary>Writes <paramref name="tuned"/> to <paramref name="path"/> (whole or not at all), creating its folder.</summary>
    public static void Save(string path, TunedBlocking tuned)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(tuned, JsonOptions));
    }

    /// <summary>
    /// Times every <see cref="Candidates"/> blocking on <paramref name="threads"/> threads, in rounds that
    /// alternate the candidates (so a busy moment of the machine hits them all), and returns the choice
    /// with every measurement; <paramref name="log"/> gets one line per candidate.
    /// </summary>
    public static TunedBlocking Measure(int threads, int rounds, Action<string> log)
    {
        var caches = CpuCaches.Detect();
        GemmKernel kernel;
        int rows, columns;
        using (var probe = new CpuBackend(new CpuBackendOptions { Threads = threads }))
        {
            kernel = probe.GemmKernel;
            (rows, columns) = kernel switch { GemmKernel.Vector512 => (8, 32), GemmKernel.Vector256 => (6, 16), _ => (4, 4) };
        }
        var candidates = Candidates(caches, rows, columns);
        var backends = candidates.Select(b => new CpuBackend(new CpuBackendOptions { Threads = threads, GemmBlocking = b })).ToList();
        try
        {
            var random = new Random(1);
            var best = new double[candidates.Count, Shapes.Length];
            for (int i = 0; i < best.Length; i++)
            {
                best[i / Shapes.Length, i % Shapes.Length] = double.MaxValue;
            }
            // Round 0 warms up (the JIT, the workspaces) and is not counted.
            var inputs = Shapes.Select(shape => (A: Uniform(random, shape.M * shape.K), B: Uniform(random, shape.K * shape.N))).ToArray();
            for (int round = 0; round <= rounds; round++)
            {
                for (int s = 0; s < Shapes.Length; s++)
                {
                    var (m, n, k) = Shapes[s];
                    var (a, b) = inputs[s];
                    for (int c = 0; c < candidates.Count; c++)
                    {
                        var backend = backends[c];
                        using var ta = backend.Allocate(new Shape(m, k));
                        using var tb = backend.Allocate(new Shape(k, n));
                        backend.Upload(a, ta);
                        backend.Upload(b, tb);
                        using var tc = backend.Allocate(new Shape(m, n));
                        long start = Stopwatch.GetTimestamp();
                        backend.Gemm(ta, tb, false, false, 1, 0, tc);
                        double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        if (round > 0)
                        {
                            best[c, s] = Math.Min(best[c, s], milliseconds);
                        }
                    }
                }
            }
            var measured = new List<(GemmBlocking, double)>();
            for (int c = 0; c < candidates.Count; c++)
            {
                double total = Enumerable.Range(0, Shapes.Length).Sum(s => best[c, s]);
                measured.Add((candidates[c], total));
                log(string.Create(CultureInfo.InvariantCulture, $"  GEMM blocking {candidates[c]}{(c == 0 ? " (rule)" : ""),-7}: {total:F2} ms over {Shapes.Length} AlexNet product shapes, best of {rounds}"));
            }
            var chosen = Choose(measured);
            return new TunedBlocking(Version, CpuCaches.ProcessorName(), kernel.ToString(), chosen.ToString(),
                DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), [.. measured.Select(m => new Measurement(m.Item1.ToString(), Math.Round(m.Item2, 3)))]);
        }
        finally
        {
            foreach (var backend in backends)
            {
                backend.Dispose();
            }
        }
    }

    /// <summary>
    /// The blocking the app's cpu backend should use: the tuned one when the file holds a trustworthy one
    /// for this processor; when the file exists but cannot be trusted, a new measurement (written back);
    /// when there is none, null (the backend derives its blocking from the caches). <paramref name="log"/>
    /// hears about a measurement and why it was needed.
    /// </summary>
    public static GemmBlocking? Resolve(string cacheRoot, int threads, Action<string> log)
    {
        string path = FilePath(cacheRoot);
        using var probe = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        var loaded = Load(path, CpuCaches.ProcessorName(), probe.GemmKernel, out string? problem);
        if (loaded is not null || problem is null)
        {
            return loaded;
        }
        log($"The tuned GEMM blocking is not used: {problem}. Measuring it again (a few seconds).");
        var tuned = Measure(threads, rounds: 3, log);
        Save(path, tuned);
        return GemmBlocking.Parse(tuned.Blocking);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static float[] Uniform(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }
        return values;
    }
}
