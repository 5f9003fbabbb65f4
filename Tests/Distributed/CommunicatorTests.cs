using AlexNet.Backends.Distributed;
using AlexNet.Training;
using AlexNet.Training.Data;
using AlexNet.Training.Distributed;

namespace AlexNet.Tests.Distributed;

/// <summary>The communicators' contract, on the group of one and on ranks as threads of one process.</summary>
public sealed class CommunicatorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="body"/> on every rank of an in-process group, each on its own thread.</summary>
    internal static T[] OnRanks<T>(int size, Func<ICommunicator, T> body, TimeSpan? timeout = null)
    {
        using var group = new InProcessGroup(size, timeout ?? Patience);
        var tasks = group.Members.Select(member => Task.Factory.StartNew(() => body(member), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Task.WaitAll(tasks, TestContext.Current.CancellationToken);
        return [.. tasks.Select(t => t.Result)];
    }

    [Fact]
    public void All_reduce_gives_every_rank_the_sum_in_rank_order()
    {
        float[][] results = OnRanks(3, c =>
        {
            float[] values = [c.Rank, 10 * c.Rank, 0.1f * (c.Rank + 1)];
            c.AllReduceSum(values);
            return values;
        });

        float expectedLast = (0.1f + 0.2f) + 0.3f;
        Assert.All(results, r => Assert.Equal([3f, 30f, expectedLast], r));
    }

    [Fact]
    public void Broadcast_copies_the_roots_bytes_to_every_rank()
    {
        byte[][] results = OnRanks(3, c =>
        {
            byte[] buffer = c.Rank == 2 ? [7, 8, 9] : [0, 0, 0];
            c.Broadcast(buffer, root: 2);
            return buffer;
        });

        Assert.All(results, r => Assert.Equal([7, 8, 9], r));
    }

    [Fact]
    public void Rank_zeros_text_reaches_every_rank_whatever_the_others_held()
    {
        string[] names = OnRanks(2, c => DataParallel.FromWriter(c, c.Rank == 0 ? "mini-synthetic-2" : "something else"));

        Assert.All(names, n => Assert.Equal("mini-synthetic-2", n));
    }

    [Fact]
    public void A_rank_that_never_arrives_makes_the_others_time_out_with_a_message()
    {
        using var group = new InProcessGroup(2, TimeSpan.FromMilliseconds(200));
        var present = group.Members[0];

        var e = Assert.Throws<CommunicatorTimeoutException>(() => present.AllReduceSum(new float[4]));

        Assert.Contains("Rank 0 waited 0.2 s in AllReduceSum", e.Message, StringComparison.Ordinal);
        Assert.Contains("stopped taking part", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ranks_passing_different_lengths_are_told_so()
    {
        var errors = OnRanks(2, c =>
        {
            try
            {
                c.AllReduceSum(new float[c.Rank + 1]);
                return "";
            }
            catch (ArgumentException e)
            {
                return e.Message;
            }
        });

        Assert.All(errors, m => Assert.Contains("every rank must pass the same length", m, StringComparison.Ordinal));
    }

    [Fact]
    public void The_group_of_one_changes_nothing_and_loads_no_library()
    {
        using var local = Communicators.Create("auto", _ => null, Patience);
        float[] values = [1, 2, 3];
        local.AllReduceSum(values);
        local.Barrier();

        Assert.IsType<LocalCommunicator>(local);
        Assert.Equal((0, 1, "local"), (local.Rank, local.Size, local.Engine));
        Assert.Equal([1f, 2f, 3f], values);
    }

    [Fact]
    public void Mpirun_is_recognised_by_its_environment()
    {
        Assert.True(MpiCommunicator.IsLaunchedByMpirun(name => name == "OMPI_COMM_WORLD_SIZE" ? "2" : null));
        Assert.False(MpiCommunicator.IsLaunchedByMpirun(_ => null));
    }

    [Fact]
    public void Shards_split_a_batch_into_consecutive_equal_parts_and_refuse_an_uneven_split()
    {
        var shards = Enumerable.Range(0, 4).Select(r => new BatchShard(r, 4)).ToArray();

        Assert.Equal([0, 8, 16, 24], shards.Select(s => s.Start(32)));
        Assert.All(shards, s => Assert.Equal(8, s.Size(32)));
        var e = Assert.Throws<AppException>(() => shards[0].CheckSplits(30));
        Assert.Equal("A batch of 30 does not split evenly over 4 processes; use a --batch-size that is a multiple of 4 (e.g. 32).", e.Message);
    }
}
