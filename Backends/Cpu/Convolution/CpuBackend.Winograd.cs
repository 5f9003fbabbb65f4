using AlexNet.Backends.Cpu.Gemm;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Winograd convolution for stride-1 3×3 layers (Lavin & Gray, 2016): fewer multiplications than the
// direct sums of Reference/ReferenceBackend.Convolution.cs, the same result up to rounding. Each
// output is cut into m×m blocks, each read from a t×t input tile (t = m + 2, WinogradTile.cs); with
// every tile transformed, the block's t² products summed over the input channels are t² independent
// matrix products, one per position ξ of the tile:
//   forward         U[ξ] = (G w Gᵀ)[ξ] [O, C]    V[ξ] = (Bᵀ d B)[ξ] [C, tiles]    M[ξ] = U[ξ] · V[ξ]    y = Aᵀ M A
//   backward-data   the forward of dy with the flipped, transposed filters and padding 2 − P (as in
//                   CpuBackend.BackwardDataAsConvolution.cs)
//   backward-filter Ŷ[ξ] = (A dY Aᵀ)[ξ] [O, tiles]   S[ξ] = Σ over tiles Ŷ[ξ] · V[ξ]ᵀ    dW += Gᵀ S G
// The products run on the packed GEMM (Gemm/Sgemm.cs); the transforms are vectorized along the tiles,
// eight per vector (WinogradTransforms.cs). Images go in chunks so the transformed tiles of one chunk
// stay within WinogradChunkFloats; the chunks spread over the threads, or, with fewer chunks than
// threads, the threads work inside each step. ConvolutionChooser.cs says when this is used; the maths
// is on Docs/layers/convolution.md.
public sealed partial class CpuBackend
{
    /// <summary>
    /// Transformed tiles (input and output of the products) one chunk of images may hold: 8 M floats, 32 MB
    /// per thread. Wider products keep GEMM nearer its peak: AlexNet's conv3 forward (one thread, batch 32) took
    /// 88, 75 and 70 ms with 2, 4 and 8 M floats (and 256, 512, 1024 target tiles), on a loaded machine.
    /// </summary>
    private const long WinogradChunkFloats = 8L << 20;

    /// <summary>Tiles (GEMM columns) a chunk's products should have, when the batch and <see cref="WinogradChunkFloats"/> allow.</summary>
    private const int WinogradTargetTiles = 1024;

    /// <summary>Whether the 3×3 stride-1 convolutions may use Winograd (<see cref="CpuBackendOptions.Winograd"/>).</summary>
    public bool Winograd { get; }

    /// <summary>One convolution run as Winograd's forward: what it reads, with its already transformed filters, and what it writes.</summary>
    private readonly unsafe struct WinogradPass(
        float* input, int inChannels, int h, int w, int padding,
        float* filters, int outChannels, int groups,
        int images, float* output, int oh, int ow, float* bias, bool relu = false)
    {
        /// <summary>[Images, InChannels, H, W]</summary>
        public float* Input => input;

        public int InChannels => inChannels;

        public int H => h;

        public int W => w;

        public int Padding => padding;

        /// <summary>U: [t², Groups] matrices [OutChannels/Groups, InChannels/Groups], packed by <see cref="WinogradFilters"/>.</summary>
        public float* Filters => filters;

        public int OutChannels => outChannels;

        public int Groups => groups;

        public int Images => images;

        /// <summary>[Images, OutChannels, OH, OW], overwritten.</summary>
        public float* Output => output;

        public int OH => oh;

        public int OW => ow;

        /// <summary>[OutChannels], or null.</summary>
        public float* Bias => bias;

        /// <summary>Whether the output is written as max(0, ·): a ReLU fused into the output transform.</summary>
        public bool Relu => relu;
    }

    /// <summary>y = conv(x, weight) + bias through F(m×m, 3×3), then max(0, y) with <paramref name="relu"/>.</summary>
    internal unsafe void ForwardWinograd(float* px, float* pWeight, float* pBias, in ConvolutionGeometry g, float* py, WinogradTile tile, bool relu = false)
    {
        using var filters = WinogradFilters(pWeight, g, tile, flipped: false);
        WinogradConvolve(new WinogradPass(px, g.C, g.H, g.W, g.Padding, filters.Pointer, g.O, g.Groups, g.N, py, g.OH, g.OW, pBias, relu), tile);
    }

    /// <summary>dx = conv(dy, flipped weightᵀ) with padding 2 − P, through F(m×m, 3×3).</summary>
    internal unsafe void BackwardDataWinograd(float* pdy, float* pWeight, in ConvolutionGeometry g, float* pdx, WinogradTile tile)
    {
        using var filters = WinogradFilters(pWeight, g, tile, flipped: true);
        WinogradConvolve(new WinogradPass(pdy, g.O, g.OH, g.OW, 2 - g.Padding, filters.Pointer, g.C, g.Groups, g.N, pdx, g.H, g.W, null), tile);
    }

    /// <summary>
    /// The transformed filters (<see cref="TransformFilters"/>), each position's matrix of each group packed
    /// for GEMM once (<see cref="Sgemm.Pack{TA}"/>): every chunk of images multiplies the same U[ξ].
    /// </summary>
    private unsafe Workspace.Lease WinogradFilters(float* pWeight, in ConvolutionGeometry g, WinogradTile tile, bool flipped)
    {
        int positions = tile.Size * tile.Size;
        int rows = flipped ? g.C : g.O, columns = flipped ? g.FiltersPerGroup : g.ChannelsPerGroup, rowsPerGroup = rows / g.Groups;
        long packedLength = _gemm.PackedLength(rowsPerGroup, columns);
        var packed = _workspace.Rent(packedLength * positions * g.Groups);
        using var filters = _workspace.Rent((long)positions * rows * columns);
        TransformFilters(pWeight, g, tile, flipped, filters.Pointer);
        for (int xi = 0; xi < positions; xi++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                float* u = filters.Pointer + ((((long)xi * rows) + (group * rowsPerGroup)) * columns);
                _gemm.Pack(new MatrixA(u, columns, false, rowsPerGroup), rowsPerGroup, columns, packed.Pointer + ((((long)xi * g.Groups) + group) * packedLength), parallel: true);
            }
        }
        return packed;
    }

    /// <summary>
    /// U[ξ] = G w Gᵀ for every filter: [t², O, C/g] (rows o, columns c), or for the input gradient the
    /// flipped filters with channels and filters swapped, [t², C, O/g] (rows c, columns o, w[o, c, 2 − i, 2 − j]).
    /// The nine taps are first gathered into nine planes so the transform runs along the filters.
    /// </summary>
    private unsafe void TransformFilters(float* pWeight, in ConvolutionGeometry geometry, WinogradTile tile, bool flipped, float* filters)
    {
        var g = geometry;
        int rows = flipped ? g.C : g.O, columns = flipped ? g.FiltersPerGroup : g.ChannelsPerGroup;
        int length = rows * columns, t = tile.Size;
        int cg = g.ChannelsPerGroup, og = g.FiltersPerGroup;
        WinogradRanges(length, 9, (start, count, scratch) =>
        {
            // taps[i·3 + j][k − start] = tap (i, j) of matrix entry k.
            for (int k = start; k < start + count; k++)
            {
                int row = k / columns, column = k % columns;
                float* filter = flipped
                    ? pWeight + ((((long)(row / cg * og) + column) * cg) + (row % cg)) * 9
                    : pWeight + ((long)k * 9);
                for (int tap = 0; tap < 9; tap++)
                {
                    scratch[((long)tap * count) + k - start] = filter[flipped ? 8 - tap : tap];
                }
            }
            WinogradTile.Sandwich(tile.Filter, t, 3, scratch, count, filters + start, length, count);
        });
    }

    /// <summary>The forward of one <see cref="WinogradPass"/>: input transform, t² GEMMs per group, output transform, chunk after chunk.</summary>
    private unsafe void WinogradConvolve(WinogradPass pass, WinogradTile tile)
    {
        int m = tile.Outputs, t = tile.Size, positions = t * t;
        int tilesW = (pass.OW + m - 1) / m, tiles = (pass.OH + m - 1) / m * tilesW;
        long floatsPerImage = (long)positions * (pass.InChannels + pass.OutChannels) * tiles;
        int perChunk = WinogradChunkImages(pass.Images, Threads, tiles, floatsPerImage);
        int chunks = (pass.Images + perChunk - 1) / perChunk;
        int inGroup = pass.InChannels / pass.Groups, outGroup = pass.OutChannels / pass.Groups;
        long packedLength = _gemm.PackedLength(outGroup, inGroup);
        bool chunksInParallel = chunks >= Threads && Threads > 1;
        int workers = chunksInParallel ? 1 : Threads;
        long scratchPerWorker = (long)positions * perChunk * tiles;
        WinogradChunks(chunks, chunksInParallel, (floatsPerImage * perChunk) + (workers * scratchPerWorker), (chunk, workspace) =>
        {
            int n0 = chunk * perChunk, count = Math.Min(perChunk, pass.Images - n0), columns = count * tiles;
            float* transformed = workspace, products = transformed + ((long)positions * pass.InChannels * columns);
            float* scratch = products + ((long)positions * pass.OutChannels * columns);
            bool inside = !chunksInParallel;
            WinogradTransformInputs(pass.Input, pass.InChannels, pass.H, pass.W, pass.Padding, n0, count, tilesW, tiles, tile, transformed, scratch, scratchPerWorker, inside);
            for (int xi = 0; xi < positions; xi++)
            {
                for (int group = 0; group < pass.Groups; group++)
                {
                    // M[ξ][group]: [O/g, tiles] = U[ξ][group]: [O/g, C/g] · V[ξ][group]: [C/g, tiles]
                    var u = new PackedA(pass.Filters + ((((long)xi * pass.Groups) + group) * packedLength), outGroup);
                    float* v = transformed + ((((long)xi * pass.InChannels) + (group * inGroup)) * columns);
                    float* product = products + ((((long)xi * pass.OutChannels) + (group * outGroup)) * columns);
                    _gemm.Multiply(new GemmShape(outGroup, columns, inGroup), u, new MatrixB(v, columns, false, columns), product, columns, inside);
                }
            }
            WinogradTransformOutputs(products, pass, n0, count, tilesW, tiles, tile, scratch, scratchPerWorker, inside);
        });
    }

    /// <summary>
    /// V[ξ][c][tile] = (Bᵀ d B)[ξ] for every input tile d of the chunk's images, channel by channel:
    /// the tiles' t² values gathered into t² planes (zeros in the padding), then transformed along them.
    /// </summary>
    private unsafe void WinogradTransformInputs(float* input, int channels, int h, int w, int padding, int n0, int count,
        int tilesW, int tiles, WinogradTile tile, float* transformed, float* scratch, long scratchPerWorker, bool parallel)
    {
        int m = tile.Outputs, t = tile.Size, columns = count * tiles, tilesH = tiles / tilesW;
        long imageLength = (long)channels * h * w;
        int rowLength = (tilesW * m) + 2;
        WinogradWorkers(channels, parallel, (c, worker) =>
        {
            float* planes = scratch + (worker * scratchPerWorker);
            // One input row at a time, copied into a zero-padded row so every tile's column is in range.
            float* padded = stackalloc float[rowLength];
            for (int i = 0; i < count; i++)
            {
                float* plane = input + ((n0 + i) * imageLength) + ((long)c * h * w);
                for (int ti = 0; ti < tilesH; ti++)
                {
                    for (int r = 0; r < t; r++)
                    {
                        int row = (ti * m) - padding + r;
                        var paddedRow = new Span<float>(padded, rowLength);
                        paddedRow.Clear();
                        if (row >= 0 && row < h)
                        {
                            int copied = Math.Min(w, rowLength - padding);
                            new ReadOnlySpan<float>(plane + ((long)row * w), copied).CopyTo(paddedRow.Slice(padding));
                        }
                        for (int s = 0; s < t; s++)
                        {
                            float* target = planes + ((long)((r * t) + s) * columns) + (i * tiles) + (ti * tilesW);
                            for (int tj = 0; tj < tilesW; tj++)
                            {
                                target[tj] = padded[(tj * m) + s];
                            }
                        }
                    }
                }
            }
            tile.TransformInputs(planes, columns, transformed + ((long)c * columns), (long)channels * columns, columns);
        });
    }

    /// <summary>y block = Aᵀ M A (+ bias, then max(0, ·) for a fused ReLU) for every output channel, written back only where it falls inside the output.</summary>
    private unsafe void WinogradTransformOutputs(float* products, in WinogradPass pass, int n0, int count, int tilesW, int tiles,
        WinogradTile tile, float* scratch, long scratchPerWorker, bool parallel)
    {
        int m = tile.Outputs, t = tile.Size, columns = count * tiles, tilesH = tiles / tilesW;
        int channels = pass.OutChannels, oh = pass.OH, ow = pass.OW;
        float* output = pass.Output, bias = pass.Bias;
        bool relu = pass.Relu;
        WinogradWorkers(channels, parallel, (o, worker) =>
        {
            float* blocks = scratch + (worker * scratchPerWorker);
            tile.TransformOutputs(products + ((long)o * columns), (long)channels * columns, blocks, columns, columns);
            float b = bias == null ? 0f : bias[o];
            for (int i = 0; i < count; i++)
            {
                float* plane = output + ((((long)(n0 + i) * channels) + o) * oh * ow);
                for (int ti = 0; ti < tilesH; ti++)
                {
                    for (int a = 0; a < m && (ti * m) + a < oh; a++)
                    {
                        float* row = plane + ((long)((ti * m) + a) * ow);
                        for (int bj = 0; bj < m; bj++)
                        {
                            float* source = blocks + ((long)((a * m) + bj) * columns) + (i * tiles) + (ti * tilesW);
                            for (int tj = 0; tj < tilesW && (tj * m) + bj < ow; tj++)
                            {
                                float value = source[tj] + b;
                                row[(tj * m) + bj] = relu ? MathF.Max(value, 0f) : value;
                            }
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// dWeight += Gᵀ S G with S[ξ] = Σ over the batch's tiles of (A dY Aᵀ)[ξ] · (Bᵀ x B)[ξ]ᵀ: fixed ranges
    /// of images per worker, each summing its own S, the partial sums added in worker order (reproducible).
    /// </summary>
    internal unsafe void BackwardFilterWinograd(float* px, float* pdy, in ConvolutionGeometry geometry, float* pdWeight, WinogradTile tile)
    {
        var g = geometry;
        int m = tile.Outputs, t = tile.Size, positions = t * t;
        int tilesW = (g.OW + m - 1) / m, tiles = (g.OH + m - 1) / m * tilesW;
        int cg = g.ChannelsPerGroup, og = g.FiltersPerGroup;
        long sumLength = (long)positions * g.O * cg;
        int workers = g.N >= Threads ? Threads : 1;
        bool inside = workers == 1 && Threads > 1;
        int threadsPerWorker = inside ? Threads : 1;
        long floatsPerImage = (long)positions * (g.C + g.O) * tiles;
        int perChunk = WinogradChunkImages((g.N + workers - 1) / workers, 1, tiles, floatsPerImage);
        long scratchPerWorker = (long)positions * perChunk * tiles;
        using var sums = _workspace.Rent(sumLength * workers);
        ParallelFor(workers, worker =>
        {
            int start = g.N * worker / workers, end = g.N * (worker + 1) / workers;
            float* sum = sums.Pointer + (worker * sumLength);
            using var lease = _workspace.Rent((floatsPerImage * perChunk) + (threadsPerWorker * scratchPerWorker));
            for (int n0 = start; n0 < end; n0 += perChunk)
            {
                int count = Math.Min(perChunk, end - n0), columns = count * tiles;
                float* transformed = lease.Pointer, gradients = transformed + ((long)positions * g.C * columns);
                float* scratch = gradients + ((long)positions * g.O * columns);
                WinogradTransformInputs(px, g.C, g.H, g.W, g.Padding, n0, count, tilesW, tiles, tile, transformed, scratch, scratchPerWorker, inside);
                WinogradTransformGradients(pdy, g.O, g.OH, g.OW, n0, count, tilesW, tiles, tile, gradients, scratch, scratchPerWorker, inside);
                float beta = n0 == start ? 0f : 1f;
                for (int xi = 0; xi < positions; xi++)
                {
                    for (int group = 0; group < g.Groups; group++)
                    {
                        // S[ξ][group]: [O/g, C/g] (+)= Ŷ[ξ][group]: [O/g, tiles] · V[ξ][group]ᵀ: [tiles, C/g]
                        float* dyHat = gradients + ((((long)xi * g.O) + (group * og)) * columns);
                        float* v = transformed + ((((long)xi * g.C) + (group * cg)) * columns);
                        _gemm.Multiply(new GemmShape(og, cg, columns, 1f, beta), new MatrixA(dyHat, columns, false, og), new MatrixB(v, columns, true, cg),
                            sum + ((((long)xi * g.O) + (group * og)) * cg), cg, inside);
                    }
                }
            }
        });
        float* total = sums.Pointer;
        for (int worker = 1; worker < workers; worker++)
        {
            var span = new Span<float>(total, (int)sumLength);
            TensorPrimitives.Add(span, new ReadOnlySpan<float>(total + (worker * sumLength), (int)sumLength), span);
        }
        // dWeight[o, c] += Gᵀ S[·][o, c] G, along the filters; the nine taps then scattered into place.
        int length = g.O * cg;
        WinogradRanges(length, 9, (start, count, scratch) =>
        {
            WinogradTile.Sandwich(tile.FilterTransposed, 3, t, total + start, length, scratch, count, count);
            for (int k = 0; k < count; k++)
            {
                float* filter = pdWeight + ((long)(start + k) * 9);
                for (int tap = 0; tap < 9; tap++)
                {
                    filter[tap] += scratch[((long)tap * count) + k];
                }
            }
        });
    }

    /// <summary>Ŷ[ξ][o][tile] = (A dY Aᵀ)[ξ] for every m×m block of dy (zeros past its edge), channel by channel.</summary>
    private unsafe void WinogradTransformGradients(float* pdy, int channels, int oh, int ow, int n0, int count,
        int tilesW, int tiles, WinogradTile tile, float* gradients, float* scratch, long scratchPerWorker, bool parallel)
    {
        int m = tile.Outputs, t = tile.Size, columns = count * tiles, tilesH = tiles / tilesW;
        WinogradWorkers(channels, parallel, (o, worker) =>
        {
            float* planes = scratch + (worker * scratchPerWorker);
            for (int i = 0; i < count; i++)
            {
                float* plane = pdy + ((((long)(n0 + i) * channels) + o) * oh * ow);
                for (int ti = 0; ti < tilesH; ti++)
                {
                    for (int a = 0; a < m; a++)
                    {
                        int row = (ti * m) + a;
                        for (int b = 0; b < m; b++)
                        {
                            float* target = planes + ((long)((a * m) + b) * columns) + (i * tiles) + (ti * tilesW);
                            for (int tj = 0; tj < tilesW; tj++)
                            {
                                int column = (tj * m) + b;
                                target[tj] = row < oh && column < ow ? plane[((long)row * ow) + column] : 0f;
                            }
                        }
                    }
                }
            }
            tile.TransformGradients(planes, columns, gradients + ((long)o * columns), (long)channels * columns, columns);
        });
    }

    /// <summary>
    /// Images per chunk: enough for <see cref="WinogradTargetTiles"/> tiles, within <see cref="WinogradChunkFloats"/>,
    /// no more than one of <paramref name="sharers"/> threads' share, and the chunks a multiple of the sharers
    /// where the batch allows, so no thread is left with the last chunk alone.
    /// </summary>
    private static int WinogradChunkImages(int images, int sharers, int tilesPerImage, long floatsPerImage)
    {
        int wanted = (WinogradTargetTiles + tilesPerImage - 1) / tilesPerImage;
        int fits = (int)Math.Max(1, WinogradChunkFloats / floatsPerImage);
        int perChunk = Math.Clamp(Math.Min(wanted, Math.Min(fits, images / sharers)), 1, images);
        int chunks = (images + perChunk - 1) / perChunk;
        chunks = Math.Min(images, (chunks + sharers - 1) / sharers * sharers);
        return (images + chunks - 1) / chunks;
    }

    private unsafe delegate void WinogradChunk(int chunk, float* workspace);

    private unsafe delegate void WinogradRange(int start, int count, float* scratch);

    /// <summary>Runs every chunk, spread over the threads (a workspace each) or one after another (one workspace).</summary>
    private unsafe void WinogradChunks(int chunks, bool inParallel, long workspaceLength, WinogradChunk work)
    {
        if (inParallel)
        {
            Parallel.For(0, chunks, _parallel,
                () => _workspace.Rent(workspaceLength),
                (chunk, _, lease) =>
                {
                    work(chunk, lease.Pointer);
                    return lease;
                },
                lease => lease.Dispose());
            return;
        }
        using var workspace = _workspace.Rent(workspaceLength);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            work(chunk, workspace.Pointer);
        }
    }

    /// <summary>Runs body(item, worker) for 0 … count − 1: on the calling thread (worker 0), or on every thread, each with its own worker number.</summary>
    private void WinogradWorkers(int count, bool parallel, Action<int, int> body)
    {
        int workers = parallel ? Math.Min(Threads, count) : 1;
        ParallelFor(workers, worker =>
        {
            for (int item = count * worker / workers; item < count * (worker + 1) / workers; item++)
            {
                body(item, worker);
            }
        });
    }

    /// <summary>Splits 0 … length − 1 over the threads, each range with scratch of <paramref name="planesPerElement"/> floats per element.</summary>
    private unsafe void WinogradRanges(int length, int planesPerElement, WinogradRange body)
    {
        int workers = (int)Math.Clamp(length / 4096, 1, Threads);
        ParallelFor(workers, worker =>
        {
            int start = (int)((long)length * worker / workers), end = (int)((long)length * (worker + 1) / workers);
            using var scratch = _workspace.Rent((long)planesPerElement * (end - start));
            body(start, end - start, scratch.Pointer);
        });
    }
}
