using System.Diagnostics;
using AlexNet.Tests.Cuda;

namespace AlexNet.Tests.Distributed;

/// <summary>
/// Starts the <c>alexnet</c> app (built next to the tests) under Open MPI's <c>mpirun</c>, with the
/// ranks talking TCP over the loopback interface (the path between machines, not shared memory).
/// Without mpirun the test skips; under <c>ALEXNET_CI=1</c> (.ci/run installs Open MPI) it fails.
/// </summary>
internal static class MpiRun
{
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Skips (or in CI fails) when mpirun is not installed.</summary>
    public static void RequireMpirun() => CudaTools.Require(Mpirun is not null,
        "Open MPI's mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev)");

    private static string? Mpirun => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Select(folder => Path.Combine(folder, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Starts <c>mpirun -np <paramref name="ranks"/> alexnet ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    public static Process Start(string workingDirectory, int ranks, params string[] args)
    {
        var start = new ProcessStartInfo(Mpirun!)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in (string[])["--oversubscribe", "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo", "-np", $"{ranks}",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "alexnet.dll"), .. args])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        start.Environment["TERM"] = "dumb";
        start.Environment["ALEXNET_DATA"] = Path.Combine(workingDirectory, "cache");
        return Process.Start(start)!;
    }

    /// <summary>Runs mpirun to the end (at most two minutes).</summary>
    public static async Task<Result> RunAsync(string workingDirectory, int ranks, params string[] args)
    {
        using var process = Start(workingDirectory, ranks, args);
        return await WaitAsync(process, TimeSpan.FromMinutes(2));
    }

    public static async Task<Result> WaitAsync(Process process, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(process);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun did not finish within {limit.TotalSeconds} s: {await output} {await error}");
        }
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>The process id of rank <paramref name="rank"/> among the children of <paramref name="mpirun"/>, from /proc.</summary>
    public static int? RankProcess(Process mpirun, int rank)
    {
        ArgumentNullException.ThrowIfNull(mpirun);
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out int pid))
            {
                continue;
            }
            try
            {
                string stat = File.ReadAllText(Path.Combine(folder, "stat"));
                int parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                if (parent == mpirun.Id && File.ReadAllText(Path.Combine(folder, "environ")).Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}"))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended while we looked
            }
        }
        return null;
    }
}
