namespace AlexNet.Training.Data;

/// <summary>
/// Turning a stored image into a network input. The paper's recipe (section 4.1): training takes a
/// random crop of the input size from the stored square, mirrors it half of the time and adds PCA
/// colour noise; evaluation takes the central crop, or the ten crops of <see cref="TenCrops"/> whose
/// softmax outputs are averaged. Every input has the training-set mean subtracted. Options add
/// random-resized crops (<see cref="ResizedCrop"/>, resized by <see cref="BilinearResize"/>) and colour
/// jitter (<see cref="ColourJitter"/>), and whole images stored by their shorter side, on which the
/// paper's crops are placed as on the square the paper would have cut (<see cref="OnShortSide"/>).
/// </summary>
public static class Augmentation
{
    /// <summary>The standard deviation of the PCA noise α (the paper's 0.1).</summary>
    public const double ColourNoiseStd = 0.1;

    /// <summary>
    /// How one image is turned into an input: crop corner, mirror, PCA noise α; then, where set, the
    /// box's size in stored pixels (<see cref="Width"/>×<see cref="Height"/>, resized to the input; 0: a
    /// crop of the input's size, copied) and the colour jitter.
    /// </summary>
    public readonly record struct Draw(int X, int Y, bool Flip, double Alpha0, double Alpha1, double Alpha2)
    {
        /// <summary>The box's width in stored pixels; 0 for the input's size.</summary>
        public int Width { get; init; }

        /// <summary>The box's height in stored pixels; 0 for the input's size.</summary>
        public int Height { get; init; }

        /// <summary>The colour jitter; null for none.</summary>
        public ColourJitter.Draw? Jitter { get; init; }
    }

    /// <summary>
    /// The augmentation of training image <paramref name="imageIndex"/> in <paramref name="epoch"/>:
    /// a pure function of (seed, epoch, image), so it does not depend on threads, batch size or where a
    /// run was resumed. Crop corners are uniform in 0 … <paramref name="maxOffset"/>.
    /// </summary>
    public static Draw ForTraining(ulong seed, int epoch, int imageIndex, int maxOffset)
    {
        var crop = RandomStream.Words(seed, RandomStream.Purpose.Crop, (uint)epoch, (ulong)imageIndex);
        var colour = RandomStream.Words(seed, RandomStream.Purpose.Colour, (uint)epoch, (ulong)imageIndex);
        int x = RandomStream.Below(maxOffset + 1, crop.X0, crop.X1);
        int y = RandomStream.Below(maxOffset + 1, crop.X2, crop.X3 >> 1);
        bool flip = (crop.X3 & 1) == 1;
        var (a0, a1) = RandomStream.Normals(colour.X0, colour.X1);
        var (a2, _) = RandomStream.Normals(colour.X2, colour.X3);
        return new Draw(x, y, flip, a0 * ColourNoiseStd, a1 * ColourNoiseStd, a2 * ColourNoiseStd);
    }

    /// <summary>
    /// Places <paramref name="draw"/>, a crop of the paper's stored square of <paramref name="preprocessing"/>.StoredSize,
    /// on a whole image of <paramref name="height"/>×<paramref name="width"/> stored by its shorter side S: the paper's
    /// square is the image's central S×S square, so a corner (X, Y) becomes ((W − S)/2 + X·f, (H − S)/2 + Y·f) and the crop's
    /// side crop·f, with f = S / StoredSize, the box then resized to the input. That is "resize the shorter side to StoredSize, crop":
    /// evaluation's centre crop and ten crops see what they see on the square.
    /// </summary>
    public static Draw OnShortSide(Draw draw, int height, int width, Preprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        int shortSide = Math.Min(height, width);
        double f = (double)shortSide / preprocessing.StoredSize;
        int side = Math.Min(shortSide, (int)Math.Round(preprocessing.CropSize * f));
        int x = Math.Clamp(((width - shortSide) / 2) + (int)Math.Round(draw.X * f), 0, width - side);
        int y = Math.Clamp(((height - shortSide) / 2) + (int)Math.Round(draw.Y * f), 0, height - side);
        return draw with { X = x, Y = y, Width = side, Height = side };
    }

    /// <summary>The central crop, unmirrored, without colour noise.</summary>
    public static Draw Centre(int maxOffset) => new(maxOffset / 2, maxOffset / 2, false, 0, 0, 0);

    /// <summary>The paper's ten test crops: the four corners and the centre, each also mirrored.</summary>
    public static Draw[] TenCrops(int maxOffset)
    {
        (int X, int Y)[] corners = [(0, 0), (maxOffset, 0), (0, maxOffset), (maxOffset, maxOffset), (maxOffset / 2, maxOffset / 2)];
        return [.. corners.Select(c => new Draw(c.X, c.Y, false, 0, 0, 0)), .. corners.Select(c => new Draw(c.X, c.Y, true, 0, 0, 0))];
    }

    /// <summary>
    /// Writes the crop <paramref name="draw"/> of the stored square as a CHW float input:
    /// input[c, i, j] = (pixel[y + i, x + j′, c] − mean[c] + colourShift[c])·scale[c], with j′ = crop − 1 − j when mirrored.
    /// </summary>
    /// <param name="hwc">the stored square, <paramref name="preprocessing"/>.StoredSize² × 3 bytes</param>
    /// <param name="draw">crop corner, mirror and colour noise</param>
    /// <param name="preprocessing">stored and crop sizes, mean, PCA</param>
    /// <param name="chw">3 × crop × crop floats, overwritten</param>
    public static void WriteInput(ReadOnlySpan<byte> hwc, Draw draw, Preprocessing preprocessing, Span<float> chw)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        WriteInput(hwc, preprocessing.StoredSize, preprocessing.StoredSize, draw, preprocessing, chw);
    }

    /// <summary>
    /// Writes <paramref name="draw"/> of a stored <paramref name="height"/>×<paramref name="width"/> HWC image as a CHW
    /// float input. A box of the input's size without jitter is copied as the paper does (above); any other box is resized
    /// (<see cref="BilinearResize"/>), mirrored, jittered (<see cref="ColourJitter"/>), and then centred, lit and scaled the same way.
    /// </summary>
    public static void WriteInput(ReadOnlySpan<byte> hwc, int height, int width, Draw draw, Preprocessing preprocessing, Span<float> chw)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        int crop = preprocessing.CropSize;
        int boxWidth = draw.Width == 0 ? crop : draw.Width, boxHeight = draw.Height == 0 ? crop : draw.Height;
        if (hwc.Length != height * width * 3 || chw.Length != 3 * crop * crop)
        {
            throw new ArgumentException($"Expected a {height}×{width}×3 image and a 3×{crop}×{crop} destination, got {hwc.Length} and {chw.Length} values.");
        }
        if (draw.X < 0 || draw.Y < 0 || boxWidth < 1 || boxHeight < 1 || draw.X + boxWidth > width || draw.Y + boxHeight > height)
        {
            throw new ArgumentOutOfRangeException(nameof(draw), $"Crop corner ({draw.X}, {draw.Y}) puts a {boxWidth}×{boxHeight} crop outside the {width}×{height} image.");
        }
        var shift = draw.Alpha0 == 0 && draw.Alpha1 == 0 && draw.Alpha2 == 0 ? default : preprocessing.ColourShift(draw.Alpha0, draw.Alpha1, draw.Alpha2);
        Span<float> offset =
        [
            (float)-preprocessing.Mean[0] + shift.R,
            (float)-preprocessing.Mean[1] + shift.G,
            (float)-preprocessing.Mean[2] + shift.B,
        ];
        Span<float> scale = [(float)preprocessing.Scale[0], (float)preprocessing.Scale[1], (float)preprocessing.Scale[2]];
        int plane = crop * crop;
        if (boxWidth != crop || boxHeight != crop || draw.Jitter is not null)
        {
            BilinearResize.Resize(hwc, width, new ResizedCrop.Box(draw.X, draw.Y, boxWidth, boxHeight), crop, draw.Flip, chw);
            if (draw.Jitter is { } jitter)
            {
                ColourJitter.Apply(chw, jitter);
            }
            for (int c = 0; c < 3; c++)
            {
                var channel = chw.Slice(c * plane, plane);
                for (int p = 0; p < plane; p++)
                {
                    channel[p] = (channel[p] + offset[c]) * scale[c];
                }
            }
            return;
        }
        for (int i = 0; i < crop; i++)
        {
            var row = hwc.Slice((((draw.Y + i) * width) + draw.X) * 3, crop * 3);
            for (int j = 0; j < crop; j++)
            {
                int source = (draw.Flip ? crop - 1 - j : j) * 3;
                int destination = (i * crop) + j;
                chw[destination] = (row[source] + offset[0]) * scale[0];
                chw[plane + destination] = (row[source + 1] + offset[1]) * scale[1];
                chw[(2 * plane) + destination] = (row[source + 2] + offset[2]) * scale[2];
            }
        }
    }
}
