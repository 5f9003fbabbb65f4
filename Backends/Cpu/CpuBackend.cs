using System.Runtime.CompilerServices;
using AlexNet.Backends.Cpu.Gemm;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// The fast CPU implementation of <see cref="IBackend"/>: the same maths as the readable
/// <c>Reference/ReferenceBackend.*.cs</c>, op for op (<c>CpuBackend.Lrn.cs</c> ↔ <c>ReferenceBackend.Lrn.cs</c>;
/// the convolutions in <c>Convolution/</c>), checked by the same <see cref="OpContract"/>, and made fast with SIMD vectors
/// (<c>Vector512</c>/<c>Vector256</c>, <c>TensorPrimitives</c>, each with a scalar tail), a
/// cache-blocked GEMM (<see cref="Sgemm"/>) and <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>
/// over batch, channels or tiles, capped at <see cref="Threads"/>. Scratch memory comes from a
/// reusable <see cref="Workspace"/>, so hot loops never allocate. Ops may be called from several
/// threads at once.
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    private readonly ParallelOptions _parallel;
    private readonly Workspace _workspace = new();
    private readonly Sgemm _gemm;
    private long _allocatedBytes;
    private bool _disposed;

    /// <summary>Creates a CPU backend with one thread per logical processor and the widest GEMM kernel.</summary>
    public CpuBackend()
        : this(new CpuBackendOptions())
    {
    }

    /// <summary>Creates a CPU backend with the given thread count and GEMM kernel.</summary>
    public CpuBackend(CpuBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "CpuBackendOptions.Threads must be 0 (one per logical processor) or more.");
        }
        Threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        _gemm = new Sgemm(options.GemmKernel, options.GemmBlocking, _workspace, _parallel);
        Winograd = options.Winograd;
        ConvolutionDots = options.ConvolutionDots;
    }

    /// <summary><c>cpu</c>.</summary>
    public string Name => "cpu";

    /// <summary>The most threads any op uses.</summary>
    public int Threads { get; }

    /// <summary>The GEMM micro-kernel in use (never <see cref="GemmKernel.Auto"/>).</summary>
    public GemmKernel GemmKernel => _gemm.Kernel;

    /// <summary>GEMM's cache blocks in use (KC, MC, NC).</summary>
    public GemmBlocking GemmBlocking => _gemm.Blocking;

    /// <summary>Bytes held by live tensors of this backend: watch it to spot tensors that are never disposed.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Bytes of scratch memory the backend keeps for reuse (im2col columns, packed GEMM panels).</summary>
    public long WorkspaceBytes => _workspace.Bytes;

    /// <summary>Threads, the GEMM micro-kernel, host memory and what it holds.</summary>
    public BackendDescription Describe() =>
        new(Name, Threads, $"GEMM kernel {GemmKernel}, blocking {GemmBlocking}, convolution implicit GEMM{(Winograd ? " (Winograd for 3x3 stride 1)" : "")}{(ConvolutionDots ? " (dot products for few pixels)" : "")}", "host memory (64-byte aligned)", AllocatedBytes, WorkspaceBytes);

    /// <summary>Nothing is queued on the CPU: every op has finished when it returns.</summary>
    public void Synchronize()
    {
    }

    /// <summary>Frees the scratch memory. Tensors are owned by their creators and disposed by them.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _workspace.Dispose();
        }
    }

    internal void TrackAllocation(long bytes) => Interlocked.Add(ref _allocatedBytes, bytes);

    // ----- Running work on the backend's threads --------------------------------------------

    /// <summary>
    /// Runs <paramref name="body"/> for 0 … count − 1 on up to <see cref="Threads"/> threads, or inline
    /// when there is one item or one thread (no task overhead for tiny ops).
    /// </summary>
    private void ParallelFor(int count, Action<int> body)
    {
        if (count == 1 || Threads == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else if (count > 1)
        {
            Parallel.For(0, count, _parallel, body);
        }
    }

    /// <summary>
    /// Splits 0 … length − 1 into contiguous chunks of at least <paramref name="minimumChunk"/>
    /// elements, at most one per thread, and runs <paramref name="body"/>(start, count) on each:
    /// how elementwise ops share memory-bound work without paying for threads on small tensors.
    /// </summary>
    private void ParallelChunks(long length, long minimumChunk, Action<long, long> body)
    {
        int chunks = (int)Math.Clamp(length / minimumChunk, 1, Threads);
        long chunkLength = (length + chunks - 1) / chunks;
        ParallelFor(chunks, chunk =>
        {
            long start = chunk * chunkLength;
            body(start, Math.Min(chunkLength, length - start));
        });
    }

    // ----- Validation: every op checks its tensors (OpContract) before touching memory ----------

    /// <summary>The memory of <paramref name="tensor"/>, after the contract's check that it lives on this backend and is not disposed.</summary>
    private unsafe float* Data(Tensor tensor, string name, [CallerMemberName] string op = "")
    {
        OpContract.OnDevice(op, name, tensor, this);
        return ((CpuBuffer)tensor.Buffer).Pointer;
    }
}
