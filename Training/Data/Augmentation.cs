namespace AlexNet.Training.Data;

/// <summary>
/// Turning a stored square into a network input, as the paper does (section 4.1): training takes a
/// random crop of the input size, mirrors it half of the time and adds PCA colour noise; evaluation
/// takes the central crop, or the ten crops of <see cref="TenCrops"/> whose softmax outputs are
/// averaged. Every input has the training-set mean subtracted.
/// </summary>
public static class Augmentation
{
    /// <summary>The standard deviation of the PCA noise α (the paper's 0.1).</summary>
    public const double ColourNoiseStd = 0.1;

    /// <summary>How one training image is augmented in one epoch: crop corner, mirror, PCA noise α.</summary>
    public readonly record struct Draw(int X, int Y, bool Flip, double Alpha0, double Alpha1, double Alpha2);

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

    /// <summary>The central crop, unmirrored, without colour noise.</summary>
    public static Draw Centre(int maxOffset) => new(maxOffset / 2, maxOffset / 2, false, 0, 0, 0);

    /// <summary>The paper's ten test crops: the four corners and the centre, each also mirrored.</summary>
    public static Draw[] TenCrops(int maxOffset)
    {
        (int X, int Y)[] corners = [(0, 0), (maxOffset, 0), (0, maxOffset), (maxOffset, maxOffset), (maxOffset / 2, maxOffset / 2)];
        return [.. corners.Select(c => new Draw(c.X, c.Y, false, 0, 0, 0)), .. corners.Select(c => new Draw(c.X, c.Y, true, 0, 0, 0))];
    }

    /// <summary>
    /// Writes the crop <paramref name="draw"/> of the stored HWC image as a CHW float input:
    /// input[c, i, j] = (pixel[y + i, x + j′, c] − mean[c] + colourShift[c])·scale[c], with j′ = crop − 1 − j when mirrored.
    /// </summary>
    /// <param name="hwc">the stored square, <paramref name="preprocessing"/>.StoredSize² × 3 bytes</param>
    /// <param name="draw">crop corner, mirror and colour noise</param>
    /// <param name="preprocessing">stored and crop sizes, mean, PCA</param>
    /// <param name="chw">3 × crop × crop floats, overwritten</param>
    public static void WriteInput(ReadOnlySpan<byte> hwc, Draw draw, Preprocessing preprocessing, Span<float> chw)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        int stored = preprocessing.StoredSize, crop = preprocessing.CropSize;
        if (hwc.Length != stored * stored * 3 || chw.Length != 3 * crop * crop)
        {
            throw new ArgumentException($"Expected a {stored}×{stored}×3 image and a 3×{crop}×{crop} destination, got {hwc.Length} and {chw.Length} values.");
        }
        if ((uint)draw.X > (uint)(stored - crop) || (uint)draw.Y > (uint)(stored - crop))
        {
            throw new ArgumentOutOfRangeException(nameof(draw), $"Crop corner ({draw.X}, {draw.Y}) puts a {crop}×{crop} crop outside the {stored}×{stored} image.");
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
        for (int i = 0; i < crop; i++)
        {
            var row = hwc.Slice((((draw.Y + i) * stored) + draw.X) * 3, crop * 3);
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
