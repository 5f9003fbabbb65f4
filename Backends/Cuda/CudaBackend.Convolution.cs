using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Convolution as im2col + GEMM (Caffe's way): unfold the input patches of a chunk of images into a
// column matrix (Kernels/im2col.cu), then one cuBLAS product per group, batched over the images of
// the chunk with a stride of 0 for the shared weights. The backward passes are the transposed
// products and col2im. Bias: Kernels/bias.cu. Mirrors Cpu/CpuBackend.Convolution.cs.
public sealed partial class CudaBackend
{
    /// <summary>Column matrices of at most this many bytes at once: big batches are unfolded in chunks of images.</summary>
    private const long ColumnsBudgetBytes = 256L << 20;

    public void Im2Col(Tensor x, int kernelHeight, int kernelWidth, Convolution convolution, Tensor columns)
    {
        var g = Geometry.Of(nameof(Im2Col), x, kernelHeight, kernelWidth, convolution);
        ExpectShape(nameof(Im2Col), nameof(columns), columns, new Shape(g.Batch, g.Rows, g.Patch));
        ExpectDistinct(nameof(Im2Col), columns, nameof(columns), x, nameof(x));
        Unfold(g, Address(x, nameof(Im2Col)), 0, g.Batch, Address(columns, nameof(Im2Col)));
    }

    public void Col2Im(Tensor columns, int kernelHeight, int kernelWidth, Convolution convolution, Tensor x)
    {
        var g = Geometry.Of(nameof(Col2Im), x, kernelHeight, kernelWidth, convolution);
        ExpectShape(nameof(Col2Im), nameof(columns), columns, new Shape(g.Batch, g.Rows, g.Patch));
        ExpectDistinct(nameof(Col2Im), x, nameof(x), columns, nameof(columns));
        Fold(g, Address(columns, nameof(Col2Im)), 0, g.Batch, Address(x, nameof(Col2Im)));
    }

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y)
    {
        const string op = nameof(Conv2dForward);
        var g = Geometry.Of(op, x, weight, convolution);
        ExpectShape(op, nameof(y), y, new Shape(g.Batch, g.Filters, g.OutHeight, g.OutWidth));
        ExpectDistinct(op, y, nameof(y), x, nameof(x));
        ExpectDistinct(op, y, nameof(y), weight, nameof(weight));
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
        if (bias is not null)
        {
            ExpectShape(op, nameof(bias), bias, new Shape(g.Filters));
            LaunchElements(Kernel.BiasForward, y.Length, Address(bias, op), g.Filters, g.Patch, y.Length, output);
        }
    }

    public void Conv2dBackwardData(Tensor dy, Tensor weight, Convolution convolution, Tensor dx)
    {
        const string op = nameof(Conv2dBackwardData);
        var g = Geometry.Of(op, dx, weight, convolution);
        ExpectShape(op, nameof(dy), dy, new Shape(g.Batch, g.Filters, g.OutHeight, g.OutWidth));
        ExpectDistinct(op, dx, nameof(dx), dy, nameof(dy));
        ExpectDistinct(op, dx, nameof(dx), weight, nameof(weight));
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
        var g = Geometry.Of(op, x, dWeight, convolution);
        ExpectShape(op, nameof(dy), dy, new Shape(g.Batch, g.Filters, g.OutHeight, g.OutWidth));
        ExpectDistinct(op, dWeight, nameof(dWeight), x, nameof(x));
        ExpectDistinct(op, dWeight, nameof(dWeight), dy, nameof(dy));
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
        ExpectRank(op, nameof(dy), dy, 4);
        ExpectShape(op, nameof(dBias), dBias, new Shape(dy.Shape.C));
        ExpectDistinct(op, dBias, nameof(dBias), dy, nameof(dy));
        LaunchBlocks(Kernel.BiasBackward, dy.Shape.C, Address(dy, op), dy.Shape.N, dy.Shape.C, dy.Shape.H * dy.Shape.W, Address(dBias, op));
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

        public static Geometry Of(string op, Tensor x, int kernelHeight, int kernelWidth, Convolution convolution)
        {
            convolution.Validate();
            ExpectRank(op, nameof(x), x, 4);
            var s = x.Shape;
            return new Geometry(s.N, s.C, s.H, s.W, 0, 1, kernelHeight, kernelWidth, convolution.Stride, convolution.Padding,
                convolution.OutputSize(s.H, kernelHeight), convolution.OutputSize(s.W, kernelWidth));
        }

        public static Geometry Of(string op, Tensor x, Tensor weight, Convolution convolution)
        {
            convolution.Validate();
            ExpectRank(op, nameof(x), x, 4);
            ExpectRank(op, nameof(weight), weight, 4);
            var s = x.Shape;
            var w = weight.Shape;
            int groups = convolution.Groups;
            if (s.C % groups != 0 || w.N % groups != 0 || w.C != s.C / groups)
            {
                throw new ArgumentException($"{op}: the weights {weight.Describe()} do not fit the input {x.Describe()} with {groups} group(s): " +
                    $"expected [O, {s.C / Math.Max(1, groups)}, KH, KW] with O and {s.C} both divisible by {groups}.", nameof(weight));
            }
            return new Geometry(s.N, s.C, s.H, s.W, w.N, groups, w.H, w.W, convolution.Stride, convolution.Padding,
                convolution.OutputSize(s.H, w.H), convolution.OutputSize(s.W, w.W));
        }
    }
}
