using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AlexNet.Backends.Distributed;
using AlexNet.Layers.Variants;
using AlexNet.Training.Distributed;

namespace AlexNet.Training.Cli;

/// <summary>
/// <c>mpirun -np N alexnet comm-bench</c>: how long one all-reduce of a model's gradients takes
/// between the ranks, alone (a barrier first, so no rank waits for another's compute), in the
/// manner of nccl-tests: the median time, the algorithm bandwidth (bytes / time) and the bus
/// bandwidth (× 2(N − 1)/N, what a ring all-reduce moves through each link).
/// </summary>
public static class CommBenchCommand
{
    public static Command Create(AppContext app)
    {
        var model = CommonOptions.Model("alexnet");
        var repeats = new Option<int>("--repeats") { Description = "Timed all-reduces (after 2 untimed ones).", DefaultValueFactory = _ => 10, HelpName = "N" }.AtLeast(1);
        var timeout = new Option<int>("--comm-timeout") { Description = "Seconds one all-reduce may wait for the other ranks.", DefaultValueFactory = _ => 300, HelpName = "SECONDS" }.AtLeast(1);
        var command = new Command("comm-bench", "Time the all-reduce of a model's gradients between data-parallel processes (start it with mpirun -np N).")
        {
            model, repeats, timeout,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            using var communicator = Communicators.Create("auto", app.Environment, TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var variant = ModelVariants.Get(parse.GetValue(model)!);
            using var backend = CommonOptions.CreateBackend("cpu", threads: 1);
            using var built = variant.Build(backend, 17, seed: 0);
            var gradient = new float[built.ParameterCount];
            var times = new List<double>();
            for (int i = 0; i < parse.GetValue(repeats) + 2; i++)
            {
                communicator.Barrier();
                long start = Stopwatch.GetTimestamp();
                communicator.AllReduceSum(gradient);
                if (i >= 2)
                {
                    times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                }
            }
            times.Sort();
            double median = times[times.Count / 2], bytes = gradient.Length * 4.0, n = communicator.Size;
            if (communicator.Rank == 0)
            {
                app.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{variant.Name} (17 classes): {bytes / 1e6:0.##} MB of gradients, all-reduce over {communicator.Size} process(es) with {communicator.Engine}: median {1000 * median:0.00} ms of {times.Count} (min {1000 * times[0]:0.00}, max {1000 * times[^1]:0.00}); algorithm bandwidth {bytes / median / 1e9:0.###} GB/s, bus bandwidth {bytes / median / 1e9 * 2 * (n - 1) / n:0.###} GB/s."));
            }
            communicator.Barrier();
            return Task.FromResult(0);
        });
        return command;
    }
}
