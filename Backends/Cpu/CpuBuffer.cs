using System.Runtime.InteropServices;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// A CPU tensor's memory: native (unmanaged) floats aligned to 64 bytes — one cache line, and one
/// full <c>Vector512</c> — so SIMD loads never straddle lines and the garbage collector never moves
/// or scans them. Zeroed at allocation, freed on <see cref="TensorBuffer.Dispose"/>, and freed by the
/// finalizer if a tensor is forgotten.
/// </summary>
internal sealed unsafe class CpuBuffer : TensorBuffer
{
    /// <summary>Bytes of alignment of every buffer: a cache line.</summary>
    public const int Alignment = 64;

    private readonly CpuBackend _backend;
    private float* _pointer;

    public CpuBuffer(CpuBackend backend, int length)
        : base(backend, length)
    {
        _backend = backend;
        _pointer = NativeFloats.Allocate(length);
        // Tell the GC about the native memory, so a program that forgets to dispose tensors still
        // triggers collections (and finalizers) before memory runs out.
        GC.AddMemoryPressure(Bytes);
        _backend.TrackAllocation(Bytes);
    }

    /// <summary>The first float; throws once the buffer is disposed.</summary>
    public float* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    private long Bytes => (long)Length * sizeof(float);

    ~CpuBuffer() => Free();

    protected override void Release() => Free();

    private void Free()
    {
        if (_pointer != null)
        {
            NativeFloats.Free(_pointer);
            _pointer = null;
            GC.RemoveMemoryPressure(Bytes);
            _backend.TrackAllocation(-Bytes);
        }
    }
}

/// <summary>Allocation of 64-byte-aligned, zeroed native float arrays, shared by buffers and workspaces.</summary>
internal static unsafe class NativeFloats
{
    public static float* Allocate(long length)
    {
        nuint bytes = (nuint)length * sizeof(float);
        var pointer = (float*)NativeMemory.AlignedAlloc(bytes, CpuBuffer.Alignment);
        NativeMemory.Clear(pointer, bytes);
        return pointer;
    }

    public static void Free(float* pointer) => NativeMemory.AlignedFree(pointer);
}
