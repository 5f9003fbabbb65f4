using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Emulation;
using AlexNet.Backends.Reference;
using AlexNet.Tests.Cuda;

namespace AlexNet.Tests.Backends;

/// <summary>
/// The backends every property and exact test runs against. Adding a backend is one line in
/// <see cref="All"/>: its name; why it cannot run on this machine (null when it can); how to create
/// it; whether tests may use it from several threads at once (otherwise they take turns); and
/// whether this run must have it. A backend that cannot run makes its tests skip with that reason —
/// or fail, when it is required (in CI, <c>ALEXNET_CI=1</c>; for the real GPU,
/// <c>ALEXNET_REQUIRE_GPU=1</c>) — never pass silently.
/// </summary>
public static class TestBackends
{
    private static readonly TestBackend[] All =
    [
        // The readable maths of every op, in float: the same code the double-precision comparisons use.
        new("reference", unavailableReason: static () => null, create: static () => new ReferenceBackend(), threadSafe: true, required: static () => true),
        new("cpu", unavailableReason: static () => null, create: static () => new CpuBackend(), threadSafe: true, required: static () => true),
        // The CUDA backend's code and kernels on the CPU (g++-built emulator, its stream deferred as a GPU's); CI installs g++, so there it must run.
        new("cuda-emulated", unavailableReason: CudaTools.EmulatorUnavailableReason, create: static () => CudaBackend.CreateEmulated(EmulatorMode.Deferred),
            threadSafe: true, required: static () => CudaTools.InCi),
        // A real GPU, where there is one (never in CI); serialized, so no two tests share its stream at once.
        new("cuda", unavailableReason: CudaTools.GpuUnavailableReason, create: static () => CudaBackend.Create(), threadSafe: false,
            required: static () => CudaTools.GpuRequired),
    ];

    /// <summary>
    /// Deliberately broken CUDA launches (Tests/Cuda/KnownBadLaunches.cs). No theory lists them; the
    /// known-bad tests run single properties on them by name and expect those properties to fail.
    /// </summary>
    private static readonly TestBackend[] Broken = [.. KnownBadLaunches.All.Select(fault =>
        new TestBackend(fault.Name, CudaTools.EmulatorUnavailableReason, fault.Create, threadSafe: true, required: static () => CudaTools.InCi))];

    /// <summary>Every backend name, as theory data: <c>[Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]</c>.</summary>
    public static TheoryData<string> Names => [.. All.Select(b => b.Name)];

    /// <summary>
    /// Runs <paramref name="body"/> on the backend called <paramref name="name"/>: one instance per test
    /// run, created on first use and shared by the tests (serialized when the backend is not thread-safe).
    /// Skips the test when the backend cannot run on this machine.
    /// </summary>
    public static void Run(string name, Action<IBackend> body)
    {
        var backend = All.Concat(Broken).SingleOrDefault(b => b.Name == name) ?? throw new ArgumentException($"No test backend is called '{name}'.", nameof(name));
        string? reason = backend.UnavailableReason();
        if (reason is not null && backend.Required())
        {
            Assert.Fail($"backend {name} must run here ({(name == "cuda" ? "ALEXNET_REQUIRE_GPU=1" : "ALEXNET_CI=1")}), but {reason}");
        }
        Assert.SkipWhen(reason is not null, $"backend {name}: {reason}");
        if (backend.ThreadSafe)
        {
            body(backend.Instance);
        }
        else
        {
            lock (backend)
            {
                body(backend.Instance);
            }
        }
    }

    private sealed class TestBackend(string name, Func<string?> unavailableReason, Func<IBackend> create, bool threadSafe, Func<bool> required)
    {
        private readonly Lazy<IBackend> _instance = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

        public string Name => name;

        public bool ThreadSafe => threadSafe;

        public Func<bool> Required => required;

        public IBackend Instance => _instance.Value;

        public string? UnavailableReason() => unavailableReason();
    }
}
