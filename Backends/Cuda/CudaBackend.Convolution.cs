using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Convolution as im2col + GEMM (Caffe's way): unfold the input patches of a chunk of images into a
// column matrix (Kernels/im2col.cu), then one cuBLAS product per group, batched over the images of
// the chunk with a stride of 0 for the shared weights. The backward passes are the transposed
// products and col2im. Bias: Kernels/bias.cu. Mirrors Cpu/Convolution/.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Convolution.cs.
public sealed partial class CudaBackend
{
    /// <summary>Column matrices of at most this many bytes at once: big batches are unfolded in chunks of images.</summary>
    private const long ColumnsBudgetBytes = 256L << 20;

    public void Im2Col(Tensor x, int kernelHeight, int kernelWidth, Convolution convolution, Tensor columns)
    {
        var g = Geometry.From(OpContract.Im2Col(x, kernelHeight, kernelWidth, convolution, columns), filters: 0);
        Unfold(g, Address(x, nameof(Im2Col)), 0, g.Batch, Address(columns, nameof(Im2Col)));
    }

    public void Col2Im(Tensor columns, int kernelHeight, int kernelWidth, Convolution convolution, Tensor x)
    {
        var g = Geometry.From(OpContract.Col2Im(columns, kernelHeight, kernelWidth, convolution, x), filters: 0);
        Fold(g, Address(columns, nameof(Col2Im)), 0, g.Batch, Address(x, nameof(Col2Im)));
    }

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y) =>
        ConvolutionForward(nameof(Conv2dForward), x, weight, bias, y, OpContract.Conv2dForward(x, weight, bias, convolution, y), relu: false);

    // Fused: the reference's Conv2dForward followed by its ReluForward. cuBLAS writes the product; one
    // kernel then adds the bias and takes the max (bias_relu_forward), one pass over y instead of two.
    public void Conv2dReluForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y) =>
        ConvolutionForward(nameof(Conv2dReluForward), x, weight, bias, y, OpContract.Conv2dReluForward(x, weight, bias, convolution, y), relu: true);

    private void ConvolutionForward(string op, Tensor x, Tensor weight, Tensor? bias, Tensor y, ConvolutionShape shape, bool relu)
    {
        var g = Geometry.From(shape);
        var input = Address(x, op);
        var weights = Address(weight, op);
        var output = Address(y, op);
        int chunk = ImagesPerChunk(g);
        using var columns = Scratch((long)chunk * g.Rows * g.Patch);
        for (int start = 0; start < g.Batch; start += chunk)
        {
            int count = Math.Min(chunk, g.Batch - start);
            Unfold(g, input, start, count, columns.Pointer);
            for (int group = 0; group < g.Groups; group++)
            {
                // y[n, group's filters] (Og × P) = W_group (Og × Rg) · columns[n, group's rows] (Rg × P), for each image n.
                RowMajorGemm(false, false, g.FiltersPerGroup, g.Patch, g.RowsPerGroup, 1f,
                    weights.Plus((long)group * g.FiltersPerGroup * g.RowsPerGroup), g.RowsPerGroup, 0,
                    columns.Pointer.Plus((long)group * g.RowsPerGroup * g.Patch), g.Patch, (long)g.Rows * g.Patch,
                    0f, output.Plus(((long)start * g.Filters + (group * g.FiltersPerGroup)) * g.Patch), g.Patch, (long)g.Filters * g.Patch,
                    count);
            }
        }
        BiasAndRelu(op, bias, g.Filters, g.Patch, y, relu);
    }

    public void Conv2dBackwardData(Tensor dy, Tensor weight, Convolution convolution, Tensor dx)
    {
        const string op = nameof(Conv2dBackwardData);
        var g = Geometry.From(OpContract.Conv2dBackwardData(dy, weight, convolution, dx));
        var gradient = Address(dy, op);
        var weights = Address(weight, op);
        var inputGradient = Address(dx, op);
        int chunk = ImagesPerChunk(g);
        using var columns = Scratch((long)chunk * g.Rows * g.Patch);
        for (int start = 0; start < g.Batch; start += chunk)
        {
            int count = Math.Min(chunk, g.Batch - start);
            for (int group = 0; group < g.Groups; group++)
            {
                // dColumns[n, group's rows] (Rg × P) = W_groupᵀ (Rg × Og) · dy[n, group's filters] (Og × P).
                RowMajorGemm(true, false, g.RowsPerGroup, g.Patch, g.FiltersPerGroup, 1f,
                    weights.Plus((long)group * g.FiltersPerGroup * g.RowsPerGroup), g.RowsPerGroup, 0,
                    gradient.Plus(((long)start * g.Filters + (group * g.FiltersPerGroup)) * g.Patch), g.Patch, (long)g.Filters * g.Patch,
                    0f, columns.Pointer.Plus((long)group * g.RowsPerGroup * g.Patch), g.Patch, (long)g.Rows * g.Patch,
                    count);
            }
            Fold(g, columns.Pointer, start, count, inputGradient);
        }
    }

    public void Conv2dBackwardFilter(Tensor x, Tensor dy, Convolution convolution, Tensor dWeight)
    {
        const string op = nameof(Conv2dBackwardFilter);
        var g = Geometry.From(OpContract.Conv2dBackwardFilter(x, dy, convolution, dWeight));
        var input = Address(x, op);
        var gradient = Address(dy, op);
        var weightGradient = Address(dWeight, op);
        int chunk = ImagesPerChunk(g);
        using var columns = Scratch((long)chunk * g.Rows * g.Patch);
        for (int start = 0; start < g.Batch; start += chunk)
        {
            int count = Math.Min(chunk, g.Batch - start);
            Unfold(g, input, start, count, columns.Pointer);
            for (int image = 0; image < count; image++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    // dW_group (Og × Rg) += dy[n, group's filters] (Og × P) · columns[n, group's rows]ᵀ (P × Rg).
                    // One image at a time: batching would have every image write the same dW at once.
                    RowMajorGemm(false, true, g.FiltersPerGroup, g.RowsPerGroup, g.Patch, 1f,
                        gradient.Plus((((long)(start + image) * g.Filters) + (group * g.FiltersPerGroup)) * g.Patch), g.Patch, 0,
                        columns.Pointer.Plus((((long)image * g.Rows) + (group * g.RowsPerGroup)) * g.Patch), g.Patch, 0,
                        1f, weightGradient.Plus((long)group * g.FiltersPerGroup * g.RowsPerGroup), g.RowsPerGroup, 0);
                }
            }
        }
    }

    public void Conv2dBackwardBias(Tensor dy, Tensor dBias)
    {
        const string op = nameof(Conv2dBackwardBias);
        var (n, channels, pixels) = OpContract.Conv2dBackwardBias(dy, dBias);
        LaunchBlocks(Kernel.BiasBackward, channels, Address(dy, op), n, channels, pixels, Address(dBias, op));
    }

    private static int ImagesPerChunk(Geometry g) =>
        (int)Math.Clamp(ColumnsBudgetBytes / Math.Max(1L, (long)g.Rows * g.Patch * sizeof(float)), 1, g.Batch);

    // im2col of images start … start + count − 1 into columns [count, Rows, Patch].
    private void Unfold(Geometry g, DevicePointer x, int start, int count, DevicePointer columns) =>
        LaunchElements(Kernel.Im2colForward, (long)count * g.Rows * g.Patch,
            x.Plus((long)start * g.ImageLength), count, g.Channels, g.Height, g.Width,
            g.KernelHeight, g.KernelWidth, g.Stride, g.Padding, g.OutHeight, g.OutWidth, columns);

    // col2im of columns [count, Rows, Patch] into images start … start + count − 1 (overwritten).
    private void Fold(Geometry g, DevicePointer columns, int start, int count, DevicePointer x) =>
        LaunchElements(Kernel.Im2colBackward, (long)count * g.ImageLength,
            columns, count, g.Channels, g.Height, g.Width,
            g.KernelHeight, g.KernelWidth, g.Stride, g.Padding, g.OutHeight, g.OutWidth, x.Plus((long)start * g.ImageLength));

    /// <summary>The sizes of one convolution: input [N, C, H, W], O filters of C/groups × KH × KW, output [N, O, OH, OW].</summary>
    private readonly record struct Geometry(int Batch, int Channels, int Height, int Width, int Filters, int Groups,
        int KernelHeight, int KernelWidth, int Stride, int Padding, int OutHeight, int OutWidth)
    {
        public int Patch => OutHeight * OutWidth;                                // P: output positions per image
        public int Rows => Channels * KernelHeight * KernelWidth;                // rows of an image's column matrix
        public int RowsPerGroup => Channels / Groups * KernelHeight * KernelWidth; // Rg
        public int FiltersPerGroup => Filters / Groups;                          // Og
        public int ImageLength => Channels * Height * Width;

        /// <summary>The contract's sizes; <paramref name="filters"/> is 0 for im2col/col2im, which have none.</summary>
        public static Geometry From(ConvolutionShape s, int? filters = null) =>
            new(s.N, s.C, s.H, s.W, filters ?? s.O, s.Groups, s.KH, s.KW, s.Stride, s.Padding, s.OH, s.OW);
    }
}
