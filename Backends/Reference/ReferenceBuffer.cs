using AlexNet.Tensors;

namespace AlexNet.Backends.Reference;

/// <summary>
/// A reference tensor's memory: a plain managed <c>float[]</c>, so the debugger shows every value and
/// the garbage collector frees what is forgotten. The fast backends keep theirs in aligned native
/// memory (<c>Cpu/CpuBuffer.cs</c>) or on the GPU (<c>Cuda/CudaBuffer.cs</c>).
/// </summary>
internal sealed class ReferenceBuffer : TensorBuffer
{
    public ReferenceBuffer(ReferenceBackend backend, int length)
        : base(backend, length)
    {
        Values = new float[length];
    }

    /// <summary>The values, row-major.</summary>
    public float[] Values { get; }

    protected override void Release()
    {
        // Managed memory: nothing to hand back; IsDisposed already refuses further use.
    }
}
