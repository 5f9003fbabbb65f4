using AlexNet.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// ReLU: y = max(0, x); dx = dy where y > 0. Memory-bound, so chunks over threads for large tensors.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Relu.cs.
public sealed partial class CpuBackend
{
    public unsafe void ReluForward(Tensor x, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        OpContract.ReluForward(x, y);
        ParallelChunks(x.Length, ElementwiseChunk, (start, count) =>
            TensorPrimitives.Max(new ReadOnlySpan<float>(px + start, (int)count), 0f, new Span<float>(py + start, (int)count)));
    }

    public unsafe void ReluBackward(Tensor y, Tensor dy, Tensor dx)
    {
        float* py = Data(y, nameof(y));
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        OpContract.ReluBackward(y, dy, dx);
        // The forward output decides: y > 0 exactly where x > 0, and y survives an in-place forward.
        ParallelChunks(y.Length, ElementwiseChunk, (start, count) => SimdLoops.PassWherePositive(py + start, pdy + start, pdx + start, count));
    }
}
