using AlexNet.Tensors;

namespace AlexNet.Backends.Cpu;

// Max pooling. Every (image, channel) plane is independent, so planes are spread over threads.
// The backward recomputes each window's winner from x with the same scan as the forward (no
// stored indices): the first maximum in row-major order wins, as IBackend specifies for ties.
public sealed partial class CpuBackend
{
    public unsafe void MaxPool2dForward(Tensor x, Pooling pooling, Tensor y)
    {
        float* px = Data(x, nameof(x));
        float* py = Data(y, nameof(y));
        var (s, oh, ow) = PoolingGeometry(x, pooling);
        ExpectShape(y, nameof(y), new Shape(s.N, s.C, oh, ow));
        ExpectDistinct(y, nameof(y), x, nameof(x));
        ParallelFor(s.N * s.C, plane =>
        {
            float* input = px + ((long)plane * s.H * s.W);
            float* output = py + ((long)plane * oh * ow);
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    output[(r * ow) + c] = input[WinnerOfWindow(input, s.H, s.W, pooling, r, c)];
                }
            }
        });
    }

    public unsafe void MaxPool2dBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx)
    {
        float* px = Data(x, nameof(x));
        float* pdy = Data(dy, nameof(dy));
        float* pdx = Data(dx, nameof(dx));
        var (s, oh, ow) = PoolingGeometry(x, pooling);
        ExpectShape(dy, nameof(dy), new Shape(s.N, s.C, oh, ow));
        ExpectShape(dx, nameof(dx), s);
        ExpectDistinct(dx, nameof(dx), x, nameof(x));
        ExpectDistinct(dx, nameof(dx), dy, nameof(dy));
        ParallelFor(s.N * s.C, plane =>
        {
            float* input = px + ((long)plane * s.H * s.W);
            float* gradient = pdy + ((long)plane * oh * ow);
            float* inputGradient = pdx + ((long)plane * s.H * s.W);
            new Span<float>(inputGradient, s.H * s.W).Clear();
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    // Overlapping windows (kernel > stride) may share a winner: their gradients add.
                    inputGradient[WinnerOfWindow(input, s.H, s.W, pooling, r, c)] += gradient[(r * ow) + c];
                }
            }
        });
    }

    /// <summary>
    /// The index (in its plane) of the largest input in output (r, c)'s window, scanning rows top to
    /// bottom and each row left to right, keeping the first of equal maxima. Padding cells are
    /// skipped, never winning; every window holds at least one real cell because padding &lt; kernel.
    /// </summary>
    private static unsafe int WinnerOfWindow(float* plane, int height, int width, Pooling pooling, int r, int c)
    {
        int top = (r * pooling.Stride) - pooling.Padding;
        int left = (c * pooling.Stride) - pooling.Padding;
        int rowStart = Math.Max(top, 0), rowEnd = Math.Min(top + pooling.Kernel, height);
        int columnStart = Math.Max(left, 0), columnEnd = Math.Min(left + pooling.Kernel, width);
        int best = (rowStart * width) + columnStart;
        float bestValue = plane[best];
        for (int row = rowStart; row < rowEnd; row++)
        {
            for (int column = columnStart; column < columnEnd; column++)
            {
                int index = (row * width) + column;
                if (plane[index] > bestValue)
                {
                    best = index;
                    bestValue = plane[index];
                }
            }
        }
        return best;
    }

    private static (Shape Input, int OutputHeight, int OutputWidth) PoolingGeometry(Tensor x, Pooling pooling, [System.Runtime.CompilerServices.CallerMemberName] string op = "")
    {
        pooling.Validate();
        ExpectRank(x, nameof(x), 4, op);
        try
        {
            return (x.Shape, pooling.OutputSize(x.Shape.H), pooling.OutputSize(x.Shape.W));
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException($"{op}: x is {x.Describe()}: {error.Message}", nameof(x), error);
        }
    }
}
