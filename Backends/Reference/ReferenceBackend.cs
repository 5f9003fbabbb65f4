using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

/// <summary>
/// The readable truth of every <see cref="IBackend"/> op: plain loops in the order of each formula,
/// one partial file per op family (<c>ReferenceBackend.Convolution.cs</c>, <c>.Pooling.cs</c>, <c>.Lrn.cs</c>, …),
/// with no vectors, no threads and no cleverness. Read an op here first; <c>Cpu/</c> and <c>Cuda/</c>
/// compute the same thing faster.
/// <para>
/// Each file holds two things: the maths, as static methods generic over the floating type
/// (<c>where T : IFloatingPointIeee754&lt;T&gt;</c>) on flat row-major arrays, and the backend op that
/// checks its tensors against <see cref="OpContract"/> and runs that maths in <c>float</c>. The tests run
/// the same maths in <c>double</c> to check every gradient by central differences and to compare the
/// fast backends with it, so each op's arithmetic is written exactly once.
/// </para>
/// <para>
/// It is slow (AlexNet's conv1 is seven nested loops over 105 million products per image) and meant
/// for reading and stepping through in a debugger: <c>alexnet train --backend reference --model mini</c>.
/// </para>
/// </summary>
public sealed partial class ReferenceBackend : IBackend
{
    /// <summary><c>reference</c>.</summary>
    public string Name => "reference";

    /// <summary>Nothing is queued: every op has finished when it returns.</summary>
    public void Synchronize()
    {
    }

    /// <summary>Nothing to free: tensors are owned by their creators, and their memory is managed.</summary>
    public void Dispose()
    {
    }

    /// <summary>One thread, plain loops, host memory.</summary>
    public BackendDescription Describe() =>
        new(Name, Threads: 1, Kernels: "plain loops (the readable reference)", Device: "host memory (managed float arrays)");

    /// <summary>Creates a zero-filled tensor backed by a managed array.</summary>
    public Tensor Allocate(Shape shape, string? name = null) => new(shape, new ReferenceBuffer(this, shape.Length), name);

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>; lengths must match.</summary>
    public void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        float[] y = Values(destination, nameof(destination), nameof(Upload));
        OpContract.TransferLength(nameof(Upload), source.Length, destination);
        source.CopyTo(y);
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>; lengths must match.</summary>
    public void Download(Tensor source, Span<float> destination)
    {
        float[] x = Values(source, nameof(source), nameof(Download));
        OpContract.TransferLength(nameof(Download), destination.Length, source);
        x.AsSpan(0, source.Length).CopyTo(destination);
    }

    /// <summary>The values of <paramref name="tensor"/>, after checking it lives on this backend and is not disposed.</summary>
    private float[] Values(Tensor tensor, string name, string op)
    {
        OpContract.OnDevice(op, name, tensor, this);
        return ((ReferenceBuffer)tensor.Buffer).Values;
    }

    /// <summary>Writes <paramref name="values"/> into <paramref name="tensor"/> (its first values, when a view is shorter than its buffer).</summary>
    private static void Store(ReadOnlySpan<float> values, Tensor tensor) => values.CopyTo(((ReferenceBuffer)tensor.Buffer).Values);

    /// <summary>Adds <paramref name="values"/> to <paramref name="tensor"/>: how parameter gradients accumulate.</summary>
    private static void Accumulate(ReadOnlySpan<float> values, Tensor tensor)
    {
        float[] target = ((ReferenceBuffer)tensor.Buffer).Values;
        for (int i = 0; i < values.Length; i++)
        {
            target[i] += values[i];
        }
    }
}
