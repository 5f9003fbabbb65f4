using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AlexNet.Backends.Cpu.Gemm;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// The im2col matrix of one image, never stored: entry (r, p) — kernel tap r = (c·KH + i)·KW + j,
/// output pixel p = oh·OW + ow — is <c>image[rowOffset[r] + pixelOffset[p]]</c>, two small tables of
/// offsets into the image. GEMM's packing reads each cache-sized sliver of the matrix through the
/// tables when it needs it (<see cref="ImageColumns"/>, <see cref="ImageColumnsTransposed"/>), so
/// the matrix — 450 MB for conv2 over a batch of 64 — only ever exists a sliver at a time, in L1.
/// <para>
/// The tables need an image without edges: the image is first copied with its zero padding around
/// it (<see cref="Prepare"/>), so every window lies inside. For a stride S &gt; 1 each row is also split
/// into its S phases (input column S·q + r goes to phase r, position q), so that neighbouring output
/// pixels, which read every S-th input column, read neighbouring floats of a phase instead; that keeps
/// the runs of consecutive offsets long, and runs are what packing copies fast (<see cref="Gather"/>).
/// </para>
/// </summary>
internal static unsafe class ColumnTables
{
    /// <summary>
    /// How the prepared image is laid out: per channel, H + 2·PH padded rows, each split into
    /// <paramref name="Phases"/> phases of ⌈(W + 2·PW)/phases⌉ floats. Phases = the stride makes
    /// neighbouring output pixels neighbouring floats (for the forward); 1 keeps neighbouring taps
    /// of a kernel row neighbouring floats (for the weight gradient).
    /// </summary>
    public readonly record struct Layout(int Channels, int Height, int Width, int PadHeight, int PadWidth, int Phases)
    {
        public int PaddedHeight => Height + (2 * PadHeight);

        public int PaddedWidth => Width + (2 * PadWidth);

        /// <summary>Floats per phase of one padded row.</summary>
        public int PhaseWidth => (PaddedWidth + Phases - 1) / Phases;

        /// <summary>Floats the prepared image takes.</summary>
        public long Length => (long)Channels * PaddedHeight * Phases * PhaseWidth;

        /// <summary>True when the prepared image would be the image itself (no padding, no phases): no copy is needed.</summary>
        public bool IsImage => PadHeight == 0 && PadWidth == 0 && Phases == 1;
    }

    /// <summary>
    /// Copies a C×H×W image into <paramref name="destination"/> laid out as <paramref name="layout"/> says:
    /// zero borders of the padding, and each padded row split into its phases. One pass over the image.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Prepare(float* image, Layout layout, float* destination)
    {
        new Span<float>(destination, checked((int)layout.Length)).Clear();
        int phases = layout.Phases, phaseWidth = layout.PhaseWidth;
        for (int c = 0; c < layout.Channels; c++)
        {
            for (int h = 0; h < layout.Height; h++)
            {
                float* source = image + ((((long)c * layout.Height) + h) * layout.Width);
                float* row = destination + ((((long)c * layout.PaddedHeight) + h + layout.PadHeight) * phases * phaseWidth);
                if (phases == 1)
                {
                    new ReadOnlySpan<float>(source, layout.Width).CopyTo(new Span<float>(row + layout.PadWidth, layout.Width));
                    continue;
                }
                // Padded column S·q + r goes to phase r, position q: walk each phase with step S.
                for (int r = 0; r < phases; r++)
                {
                    int first = layout.PadWidth + ((((r - layout.PadWidth) % phases) + phases) % phases);
                    float* phase = row + ((long)r * phaseWidth);
                    for (int padded = first, q = first / phases; padded < layout.PadWidth + layout.Width; padded += phases, q++)
                    {
                        phase[q] = source[padded - layout.PadWidth];
                    }
                }
            }
        }
    }

    /// <summary>rowOffsets[(c·KH + i)·KW + j] = where tap (c, i, j) of output pixel (0, 0) lies in the prepared image.</summary>
    public static void RowOffsets(Layout layout, int kernelHeight, int kernelWidth, int* rowOffsets)
    {
        int phases = layout.Phases, phaseWidth = layout.PhaseWidth;
        int r = 0;
        for (int c = 0; c < layout.Channels; c++)
        {
            for (int i = 0; i < kernelHeight; i++)
            {
                for (int j = 0; j < kernelWidth; j++)
                {
                    rowOffsets[r++] = (((((c * layout.PaddedHeight) + i) * phases) + (j % phases)) * phaseWidth) + (j / phases);
                }
            }
        }
    }

    /// <summary>
    /// pixelOffsets[oh·OW + ow] = how far output pixel (oh, ow)'s window lies from pixel (0, 0)'s: S padded
    /// rows down per output row, S columns right per output column — one float of a phase when the
    /// rows are split into S phases. <paramref name="stride"/> must equal the layout's phases, or the phases be 1.
    /// </summary>
    public static void PixelOffsets(Layout layout, int stride, int outputHeight, int outputWidth, int* pixelOffsets)
    {
        int rowStep = stride * layout.Phases * layout.PhaseWidth;
        int columnStep = stride / layout.Phases;
        for (int oh = 0; oh < outputHeight; oh++)
        {
            for (int ow = 0; ow < outputWidth; ow++)
            {
                pixelOffsets[(oh * outputWidth) + ow] = (oh * rowStep) + (ow * columnStep);
            }
        }
    }

    /// <summary>
    /// Extends a table of <paramref name="pixels"/> offsets to <paramref name="images"/> consecutive images
    /// lying <paramref name="imageStride"/> floats apart: table[i·P + p] = i·stride + table[p]. With it the
    /// columns of several images are one matrix, side by side, and one GEMM covers them all.
    /// </summary>
    public static void RepeatForImages(int* table, int pixels, int images, long imageStride)
    {
        if ((images - 1) * imageStride + table[pixels - 1] > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(images), images, "The images' offsets do not fit 32 bits; take fewer images per product.");
        }
        for (int i = 1; i < images; i++)
        {
            int shift = (int)(i * imageStride);
            for (int p = 0; p < pixels; p++)
            {
                table[(i * pixels) + p] = table[p] + shift;
            }
        }
    }

    /// <summary>
    /// Packs a sliver: destination[p·nr + t] = data[bases[p] + offsets[t]] for p &lt; kc and t &lt; count,
    /// and 0 for count ≤ t &lt; nr.
    /// <para>
    /// Why it is fast: the offsets of a sliver fall into a few runs of consecutive values (an output
    /// row of pixels, a kernel row of taps), the same for every p. Each run is found once per sliver
    /// and becomes one masked 16-float load per p (AVX-512 loads only the lanes of the run, and lanes
    /// outside it cannot fault), merged into the vector being built — a handful of loads per 16 values
    /// where a gather would cost one load per value. Without AVX-512, a plain loop.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(float* data, int* bases, int kc, int* offsets, int count, int nr, float* destination)
    {
        if (!Avx512F.IsSupported || nr % 16 != 0)
        {
            for (int p = 0; p < kc; p++)
            {
                float* source = data + bases[p];
                float* target = destination + ((long)p * nr);
                for (int t = 0; t < count; t++)
                {
                    target[t] = source[offsets[t]];
                }
                for (int t = count; t < nr; t++)
                {
                    target[t] = 0;
                }
            }
            return;
        }

        // The runs, cut at 16-lane boundaries: for each, the lanes it fills (a mask) and where lane 0
        // of its load would be, so that lane l reads data + bases[p] + start + l.
        int blocks = nr / 16;
        int maxRuns = nr;
        int* starts = stackalloc int[maxRuns];
        int* firstRun = stackalloc int[blocks + 1];
        var masks = stackalloc Vector512<float>[maxRuns];
        int runs = 0;
        for (int block = 0; block < blocks; block++)
        {
            firstRun[block] = runs;
            int lane0 = block * 16, end = Math.Min(count, lane0 + 16);
            for (int t = lane0; t < end;)
            {
                int runEnd = t + 1;
                while (runEnd < end && offsets[runEnd] == offsets[runEnd - 1] + 1)
                {
                    runEnd++;
                }
                starts[runs] = offsets[t] - (t - lane0);
                var lanes = Vector512<float>.Zero;
                for (int l = t - lane0; l < runEnd - lane0; l++)
                {
                    lanes = lanes.WithElement(l, BitConverter.Int32BitsToSingle(-1));
                }
                masks[runs++] = lanes;
                t = runEnd;
            }
        }
        firstRun[blocks] = runs;

        for (int p = 0; p < kc; p++)
        {
            float* source = data + bases[p];
            float* target = destination + ((long)p * nr);
            for (int block = 0; block < blocks; block++)
            {
                var values = Vector512<float>.Zero;
                for (int run = firstRun[block]; run < firstRun[block + 1]; run++)
                {
                    values = Avx512F.MaskLoad(source + starts[run], masks[run], values);
                }
                values.Store(target + (block * 16));
            }
        }
    }
}

/// <summary>
/// op(B) = a band of rows of one image's im2col matrix, K×N with K = the band's taps (c, i, j) and
/// N = OH·OW: the columns a convolution's weights multiply. A group's input channels are a
/// consecutive band of taps; <paramref name="rowOffsets"/> starts at the band's first.
/// </summary>
internal readonly unsafe struct ImageColumns(float* image, int* rowOffsets, int* pixelOffsets, int pixels) : IOperandB
{
    public void Pack(int p0, int column0, int kc, int nr, float* destination) =>
        ColumnTables.Gather(image, rowOffsets + p0, kc, pixelOffsets + column0, Math.Min(nr, pixels - column0), nr, destination);
}

/// <summary>
/// op(B) = the transpose of a band of one image's im2col matrix, K×N with K = OH·OW and N = the band's
/// <paramref name="taps"/> taps: what the output gradient multiplies to give the weight gradient.
/// </summary>
internal readonly unsafe struct ImageColumnsTransposed(float* image, int* rowOffsets, int taps, int* pixelOffsets) : IOperandB
{
    public void Pack(int p0, int column0, int kc, int nr, float* destination) =>
        ColumnTables.Gather(image, pixelOffsets + p0, kc, rowOffsets + column0, Math.Min(nr, taps - column0), nr, destination);
}

/// <summary>
/// op(A) = one group's weights flipped for the input gradient of a stride-1 convolution, C/g × (O/g·KH·KW):
/// A[c, (o·KH + i)·KW + j] = weight[g·O/g + o, c, KH−1−i, KW−1−j]. With it, dx is an ordinary
/// convolution of dy (padded by K−1−P) with these weights — the transposed convolution as a GEMM
/// over dy's own windows, with no column matrix and no col2im.
/// </summary>
internal readonly unsafe struct FlippedWeights(float* groupWeights, int channels, int kernelHeight, int kernelWidth) : IOperandA
{
[MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int row0, int p0, int kc, int mr, float* destination)
    {
        int area = kernelHeight * kernelWidth;
        int rows = Math.Min(mr, channels - row0);
        for (int p = 0; p < kc; p++)
        {
            int k = p0 + p, o = k / area, i = k % area / kernelWidth, j = k % kernelWidth;
            // weight[o, c, KH−1−i, KW−1−j] for c = row0 … : channels are KH·KW floats apart.
            float* source = groupWeights + ((((long)o * channels) + row0) * area) + ((kernelHeight - 1 - i) * kernelWidth) + (kernelWidth - 1 - j);
            float* target = destination + ((long)p * mr);
            for (int r = 0; r < rows; r++)
            {
                target[r] = source[(long)r * area];
            }
            for (int r = rows; r < mr; r++)
            {
                target[r] = 0;
            }
        }
    }
}

/// <summary>
/// op(A) = a band of <paramref name="rows"/> channels of several images' output gradients side by side,
/// rows × (images·P): row o, column i·P + p is <c>dy[i][o, p]</c>, where image i starts
/// <paramref name="imageStride"/> floats after image 0 and its band's rows are P floats apart.
/// The weight gradient sums over all those columns, that is over pixels and images at once.
/// </summary>
internal readonly unsafe struct ImageRows(float* first, long imageStride, int pixels, int rows) : IOperandA
{
    public void Pack(int row0, int p0, int kc, int mr, float* destination)
    {
        int count = Math.Min(mr, rows - row0);
        for (int p = p0; p < p0 + kc;)
        {
            // The part of the sliver that lies in one image: its rows are consecutive runs there.
            int image = p / pixels, pixel = p % pixels;
            int length = Math.Min(pixels - pixel, p0 + kc - p);
            Packing.Interleave(first + (image * imageStride) + ((long)row0 * pixels) + pixel, pixels, count, length, mr, destination + ((long)(p - p0) * mr));
            p += length;
        }
    }
}
