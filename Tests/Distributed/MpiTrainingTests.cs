using System.Diagnostics;
using System.Globalization;
using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Tests.Distributed;

/// <summary>
/// <c>mpirun -np N alexnet train</c> on this machine: N processes with B/N images each end with the
/// weights of one process with batch B, up to the order of the gradient sums; a resumed run does
/// too; and a rank that hangs makes the other stop with a message, leaving the last checkpoint whole.
/// </summary>
public sealed class MpiTrainingTests
{
    // 80 training images, batch 32: 2 steps per epoch; one CPU thread per process.
    private static readonly string[] Mini = ["train", "--model", "mini", "--synthetic", "--batch-size", "32", "--threads", "1", "--seed", "5"];

    /// <summary>Largest weight difference measured here after 5 steps: 3·10⁻⁸ (2 ranks). A float reordering stays far below this bound.</summary>
    private const double Tolerance = 1e-5;

    [Fact]
    public async Task Two_processes_resumed_half_way_end_with_the_weights_of_one_uninterrupted_process()
    {
        MpiRun.RequireMpirun();
        using var work = TestFiles.NewFolder();
        var single = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--epochs", "3", "--max-steps", "5", "--name", "single"]);

        var first = await MpiRun.RunAsync(work.Path, 2, [.. Mini, "--epochs", "3", "--max-steps", "3", "--name", "dp"]);
        var rest = await MpiRun.RunAsync(work.Path, 2, "train", "--resume", "runs/dp", "--epochs", "3", "--threads", "1", "--max-steps", "2");

        Assert.True(single.ExitCode == 0, single.Error);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        Assert.True(rest.ExitCode == 0, rest.Output + rest.Error);
        Assert.Contains("on cpu, data-parallel over 2 processes (MPI (Open MPI", first.Output, StringComparison.Ordinal);
        Assert.Contains("16 of every 32 images each", first.Output, StringComparison.Ordinal);
        Assert.Single(first.Output.Split('\n'), line => line.StartsWith("Training mini", StringComparison.Ordinal)); // rank 1 prints nothing
        Assert.Contains("Resuming runs/dp at epoch 2, step 1 on cpu, data-parallel over 2 processes", rest.Output, StringComparison.Ordinal);
        AssertSameWeights(work, "single", "dp", 5);
    }

    [Fact]
    public async Task Four_processes_end_with_the_weights_of_one()
    {
        MpiRun.RequireMpirun();
        using var work = TestFiles.NewFolder();
        var single = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--epochs", "2", "--max-steps", "3", "--name", "single"]);

        var four = await MpiRun.RunAsync(work.Path, 4, [.. Mini, "--epochs", "2", "--max-steps", "3", "--name", "dp4"]);

        Assert.True(single.ExitCode == 0, single.Error);
        Assert.True(four.ExitCode == 0, four.Output + four.Error);
        Assert.Contains("data-parallel over 4 processes", four.Output, StringComparison.Ordinal);
        AssertSameWeights(work, "single", "dp4", 3);
    }

    [Fact]
    public async Task A_batch_that_does_not_split_over_the_processes_is_refused_on_every_rank()
    {
        MpiRun.RequireMpirun();
        using var work = TestFiles.NewFolder();

        var result = await MpiRun.RunAsync(work.Path, 2, "train", "--model", "mini", "--synthetic", "--batch-size", "31", "--threads", "1", "--epochs", "1");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("A batch of 31 does not split evenly over 2 processes; use a --batch-size that is a multiple of 2 (e.g. 32).", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rank_that_hangs_makes_the_other_stop_with_a_message_and_the_last_checkpoint_stays_readable()
    {
        MpiRun.RequireMpirun();
        using var work = TestFiles.NewFolder();
        string last = work.Combine("runs", "hang", "last.safetensors");
        using var mpirun = MpiRun.Start(work.Path, 2, [.. Mini, "--epochs", "500", "--comm-timeout", "2", "--name", "hang"]);
        var finished = MpiRun.WaitAsync(mpirun, TimeSpan.FromMinutes(2));

        var clock = Stopwatch.StartNew();
        while (!File.Exists(last) && clock.Elapsed < TimeSpan.FromSeconds(60) && !mpirun.HasExited)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        int? rank0 = MpiRun.RankProcess(mpirun, 0), rank1 = MpiRun.RankProcess(mpirun, 1);
        Assert.True(rank0 is not null && rank1 is not null, "both ranks should be running once the first epoch is saved");
        Signal("STOP", rank1!.Value); // rank 1 hangs: alive, but it never answers again
        while (Directory.Exists($"/proc/{rank0}") && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Signal("KILL", rank1.Value); // what an operator does to a hung process; mpirun then ends
        var result = await finished;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Rank 0 of 2 waited 2 s in MPI_", result.Error, StringComparison.Ordinal);
        Assert.Contains("one of them died or stopped answering", result.Error, StringComparison.Ordinal);
        Assert.Contains("The last checkpoint, runs/hang/last.safetensors, is intact", result.Error, StringComparison.Ordinal);
        var state = Checkpoint.Read(last).State;
        Assert.True(state.GlobalStep >= 2, $"the checkpoint is at step {state.GlobalStep}");
    }

    private static void AssertSameWeights(TempFolder work, string expectedRun, string actualRun, long steps)
    {
        var expected = Checkpoint.Read(work.Combine("runs", expectedRun, "last.safetensors"));
        var actual = Checkpoint.Read(work.Combine("runs", actualRun, "last.safetensors"));
        Assert.Equal((steps, steps), (expected.State.GlobalStep, actual.State.GlobalStep));
        double largest = 0;
        string where = "";
        foreach (var (name, tensor) in expected.Tensors.Where(t => t.Value.DType == "F32"))
        {
            float[] a = tensor.ToFloats(), b = actual.Tensors[name].ToFloats();
            for (int i = 0; i < a.Length; i++)
            {
                double difference = Math.Abs(a[i] - b[i]);
                if (difference > largest)
                {
                    (largest, where) = (difference, $"{name}[{i}]");
                }
            }
        }
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture, $"{actualRun} vs {expectedRun} after {steps} steps: largest difference {largest:G3} at {where}"));
        Assert.True(largest <= Tolerance, string.Create(CultureInfo.InvariantCulture, $"{actualRun} differs from {expectedRun} by {largest:G3} at {where} after {steps} steps (tolerance {Tolerance})"));
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
