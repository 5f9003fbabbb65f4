using AlexNet.Backends.Cuda;
using AlexNet.Backends.Cuda.Nccl;

namespace AlexNet.Tests.Distributed;

/// <summary>
/// A stand-in for NCCL behind <see cref="INccl"/>, for ranks as threads over emulated CUDA devices
/// (whose device pointers are host addresses): each rank's grouped all-reduces are summed in rank
/// order at <c>ncclGroupEnd</c>. It checks what real NCCL would reject — ranks joining with
/// different unique ids or group sizes, calls outside a group, lengths that differ between ranks —
/// and can report an asynchronous error, so the communicator's host code is tested without a GPU.
/// </summary>
internal sealed class InProcessNccl : IDisposable
{
    private readonly Barrier _barrier;
    private readonly List<(ulong Address, long Count)>[] _pending;
    private readonly byte[]?[] _ids;

    public InProcessNccl(int size)
    {
        _barrier = new Barrier(size);
        _pending = [.. Enumerable.Range(0, size).Select(_ => new List<(ulong, long)>())];
        _ids = new byte[size][];
        Members = [.. Enumerable.Range(0, size).Select(rank => new Member(this, rank))];
    }

    public IReadOnlyList<Member> Members { get; }

    /// <summary>What <c>ncclCommGetAsyncError</c> reports on every rank from now on.</summary>
    public NcclResult AsyncError { get; set; }

    public void Dispose() => _barrier.Dispose();

    private void Meet()
    {
        if (!_barrier.SignalAndWait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("a rank of the in-process NCCL group did not arrive");
        }
    }

    internal sealed class Member(InProcessNccl group, int rank) : INccl
    {
        private bool _inGroup;

        public List<string> Calls { get; } = [];

        public string Version => "NCCL 2.99.0 (in-process stand-in)";

        public NcclUniqueId GetUniqueId()
        {
            Calls.Add("GetUniqueId");
            Assert.Equal(0, rank);
            var id = default(NcclUniqueId);
            new Random(42).NextBytes(id);
            return id;
        }

        public nint InitRank(int size, NcclUniqueId id, int rankGiven)
        {
            Calls.Add($"InitRank({size}, {rankGiven})");
            Assert.Equal((group.Members.Count, rank), (size, rankGiven));
            group._ids[rank] = ((Span<byte>)id).ToArray();
            group.Meet();
            Assert.All(group._ids, other => Assert.Equal(group._ids[0], other)); // one id for the whole group
            Assert.Contains(group._ids[0]!, b => b != 0);
            return rank + 1;
        }

        public void GroupStart()
        {
            Assert.False(_inGroup, "ncclGroupStart inside a group");
            _inGroup = true;
        }

        public unsafe void GroupEnd()
        {
            Assert.True(_inGroup, "ncclGroupEnd without ncclGroupStart");
            _inGroup = false;
            Calls.Add($"AllReduce×{group._pending[rank].Count}");
            group.Meet();
            var mine = group._pending[rank];
            var sums = mine.Select(call => new float[call.Count]).ToArray();
            for (int r = 0; r < group.Members.Count; r++)
            {
                var theirs = group._pending[r];
                Assert.Equal(mine.Select(c => c.Count), theirs.Select(c => c.Count));
                for (int c = 0; c < mine.Count; c++)
                {
                    var source = new ReadOnlySpan<float>((float*)theirs[c].Address, (int)theirs[c].Count);
                    for (int i = 0; i < source.Length; i++)
                    {
                        sums[c][i] += source[i];
                    }
                }
            }
            group.Meet(); // everyone has read every buffer before anyone writes
            for (int c = 0; c < mine.Count; c++)
            {
                sums[c].CopyTo(new Span<float>((float*)mine[c].Address, (int)mine[c].Count));
            }
            mine.Clear();
            group.Meet();
        }

        public void AllReduceSum(DevicePointer buffer, long count, nint communicator, nint stream)
        {
            Assert.True(_inGroup, "the communicator groups its all-reduces");
            Assert.Equal((nint)(rank + 1), communicator);
            group._pending[rank].Add((buffer.Address, count));
        }

        public NcclResult AsyncError(nint communicator) => group.AsyncError;

        public void Abort(nint communicator) => Calls.Add("Abort");

        public void Destroy(nint communicator) => Calls.Add("Destroy");

        public string Describe(NcclResult result) => $"stand-in text for {result}";
    }
}
