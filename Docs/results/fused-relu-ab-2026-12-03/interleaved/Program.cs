// The fused forward against the unfused one in ONE process, alternating pair by pair, so that the load
// of a shared machine falls on both alike. Build the repository first (dotnet build -c Release), then:
//   dotnet run -c Release --project Docs/results/fused-relu-ab-2026-12-03/interleaved
using System.Diagnostics;
using AlexNet.Backends.Cpu;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
foreach (var (name, classes, batch) in new[] { ("torchvision", 1000, 16), ("alexnet", 1000, 16), ("keras-blog", 17, 1), ("torchvision", 1000, 64) })
{
    using var backend = new CpuBackend(new CpuBackendOptions { Threads = 2 });
    var variant = ModelVariants.Get(name);
    using var model = variant.Build(backend, classes, seed: 1);
    model.IsTraining = false;
    var shape = new Shape(batch, variant.InputShape[0], variant.InputShape[1], variant.InputShape[2]);
    var values = new float[shape.Length]; var r = new Random(1); for (int i = 0; i < values.Length; i++) values[i] = r.NextSingle() * 2 - 1;
    using var x = backend.Allocate(shape, "x"); backend.Upload(values, x);
    var times = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 3000) { model.FuseForward = !model.FuseForward; model.Forward(x); }
    int rounds = batch == 64 ? 10 : 30;
    for (int i = 0; i < rounds; i++)
        foreach (bool fuse in i % 2 == 0 ? new[] { false, true } : new[] { true, false })
        {
            model.FuseForward = fuse;
            var sw = Stopwatch.StartNew(); model.Forward(x); backend.Synchronize(); times[fuse].Add(sw.Elapsed.TotalMilliseconds);
        }
    double Med(List<double> l) { var s = l.Order().ToList(); return s[s.Count / 2]; }
    Console.WriteLine($"{name} b={batch} inference forward, {rounds} interleaved pairs: unfused median {Med(times[false]):F2} ms (min {times[false].Min():F2}), fused median {Med(times[true]):F2} ms (min {times[true].Min():F2}), fused/unfused {Med(times[true]) / Med(times[false]):F3}; load {File.ReadAllText("/proc/loadavg").Trim()}");
}
