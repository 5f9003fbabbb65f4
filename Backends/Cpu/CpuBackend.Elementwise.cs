using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Fill, copy, scale, axpy. Each is one TensorPrimitives call (vectorized, with a scalar tail) per
// chunk; large tensors are split into one chunk per thread, since these loops are memory-bound and
// two cores move more bytes than one.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Elementwise.cs.
public sealed partial class CpuBackend
{
    /// <summary>Below this many elements an elementwise op runs on one thread: starting tasks would cost more.</summary>
    private const long ElementwiseChunk = 1 << 15;

    public unsafe void Fill(float value, Tensor y)
    {
        float* py = Data(y, nameof(y));
        ParallelChunks(y.Length, ElementwiseChunk, (start, count) => new Span<float>(py + start, (int)count).Fill(value));
    }

    public unsafe void Copy(Tensor x, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        OpContract.SameLength(nameof(Copy), x, y);
        ParallelChunks(x.Length, ElementwiseChunk, (start, count) =>
            new ReadOnlySpan<float>(px + start, (int)count).CopyTo(new Span<float>(py + start, (int)count)));
    }

    public unsafe void Scale(float alpha, Tensor y)
    {
        float* py = Data(y, nameof(y));
        ParallelChunks(y.Length, ElementwiseChunk, (start, count) =>
        {
            var span = new Span<float>(py + start, (int)count);
            TensorPrimitives.Multiply(span, alpha, span);
        });
    }

    public unsafe void Axpy(float alpha, Tensor x, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        OpContract.SameLength(nameof(Axpy), x, y);
        ParallelChunks(x.Length, ElementwiseChunk, (start, count) =>
        {
            var ys = new Span<float>(py + start, (int)count);
            // y = x·alpha + y, fused per element.
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(px + start, (int)count), alpha, ys, ys);
        });
    }
}
