using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// How the convolution algorithms share a batch's images between GEMM products and threads.
public sealed partial class CpuBackend
{
    /// <summary>
    /// How a convolution's images are shared out: <see cref="PerProduct"/> images side by side in each
    /// GEMM — on small maps one image's OH·OW columns are too few to fill the micro-kernel's 32-column
    /// tiles and keep it busy (13×13 = 169 columns compute as 192; 4×4 as 32), so several images make one
    /// wider product — and the groups of images spread over the threads, each with its own workspace.
    /// A batch with fewer groups than threads goes one group at a time with the threads inside GEMM.
    /// </summary>
    private readonly unsafe struct ImageGroups
    {
        /// <summary>Columns a product should have at least, when the batch allows.</summary>
        private const int TargetColumns = 512;

        private readonly CpuBackend _backend;
        private readonly int _images, _pixels;

        /// <param name="backend">whose threads and workspace to use</param>
        /// <param name="images">N</param>
        /// <param name="pixels">columns per image in the products (OH·OW, or H·W for the input gradient)</param>
        /// <param name="stride">floats from one image's data to the next's, as the products read them</param>
        public ImageGroups(CpuBackend backend, int images, int pixels, long stride)
        {
            _backend = backend;
            _images = images;
            _pixels = pixels;
            Stride = stride;
            int wanted = (TargetColumns + pixels - 1) / pixels;
            // Never so many that a thread is left without a group, nor offsets past 32 bits.
            int limit = (int)Math.Clamp(int.MaxValue / 2 / Math.Max(1, stride), 1, int.MaxValue);
            PerProduct = Math.Clamp(Math.Min(wanted, images / backend.Threads), 1, limit);
        }

        /// <summary>Images side by side in one product.</summary>
        public int PerProduct { get; }

        /// <summary>Floats between consecutive images' data.</summary>
        public long Stride { get; }

        /// <summary>Floats of the product's output band [rows, PerProduct·pixels] when it needs one (several images), else 0.</summary>
        public long OutputBandLength(int rows) => PerProduct > 1 ? (long)rows * PerProduct * _pixels : 0;

        /// <summary>Runs <paramref name="work"/>(first image, count, workspace, parallel) for every group of images.</summary>
        public void ForEach(long workspaceLength, ImageWork work)
        {
            int perProduct = PerProduct, images = _images;
            int groups = (images + perProduct - 1) / perProduct;
            var backend = _backend;
            if (groups >= backend.Threads && backend.Threads > 1)
            {
                Parallel.For(0, groups, backend._parallel,
                    () => backend._workspace.Rent(workspaceLength),
                    (group, _, workspace) =>
                    {
                        int first = group * perProduct;
                        work(first, Math.Min(perProduct, images - first), workspace.Pointer, false);
                        return workspace;
                    },
                    workspace => workspace.Dispose());
            }
            else
            {
                using var workspace = backend._workspace.Rent(workspaceLength);
                for (int first = 0; first < images; first += perProduct)
                {
                    work(first, Math.Min(perProduct, images - first), workspace.Pointer, backend.Threads > 1);
                }
            }
        }

        /// <summary>
        /// Copies a product's output band [rows, count·pixels] back to each image: row r, image i goes to
        /// <paramref name="target"/> + i·<paramref name="imageStride"/> + r·pixels, plus <paramref name="bias"/>[r] when given,
        /// then max(0, ·) with <paramref name="relu"/> (the fused ReLU, on the row while it is in L1).
        /// </summary>
        public void Scatter(float* band, int rows, int count, float* target, long imageStride, float* bias, bool relu = false)
        {
            int pixels = _pixels;
            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < count; i++)
                {
                    var source = new ReadOnlySpan<float>(band + (((long)r * count) + i) * pixels, pixels);
                    var destination = new Span<float>(target + (i * imageStride) + ((long)r * pixels), pixels);
                    if (bias != null)
                    {
                        TensorPrimitives.Add(source, bias[r], destination);
                    }
                    else
                    {
                        source.CopyTo(destination);
                    }
                    if (relu)
                    {
                        TensorPrimitives.Max(destination, 0f, destination);
                    }
                }
            }
        }
    }

    private unsafe delegate void ImageWork(int first, int count, float* workspace, bool parallel);
}
