using AlexNet.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Training.Visualization;

/// <summary>
/// The first convolution's kernels as pictures — the paper's Figure 3, where 96 kernels of 11×11×3
/// show oriented edges, frequencies and colour blobs. Each kernel is drawn on its own: its three input
/// channels become red, green and blue, and its values are stretched so that its smallest weight is
/// black and its largest white (contrast-normalized per kernel, as the paper's figure is).
/// </summary>
public static class FilterGrid
{
    /// <summary>Kernels per row: the paper's figure has 96 kernels in six rows of 16.</summary>
    public const int Columns = 16;

    /// <summary>A kernel is magnified to at least this many pixels (11×11 → 44×44).</summary>
    public const int MinimumTileSide = 40;

    /// <summary>The grid layout for weights of shape [O, C, KH, KW].</summary>
    public static TileGrid Layout(Shape weights) => new(weights.N, weights.H, weights.W, Columns, MinimumTileSide);

    /// <summary>Draws <paramref name="weights"/> [O, C, KH, KW] (C = 3 as RGB, or C = 1 as grey), one tile per kernel.</summary>
    public static Image<Rgb24> Draw(ReadOnlySpan<float> weights, Shape shape)
    {
        if (shape.Rank != 4 || (shape.C != 3 && shape.C != 1) || weights.Length != shape.Length)
        {
            throw new ArgumentException($"Filters are drawn from convolution weights [O, 3 or 1, KH, KW] with {shape.Length} values, not {shape} with {weights.Length}.");
        }
        var grid = Layout(shape);
        var image = grid.NewImage();
        int kernelLength = shape.ItemLength, plane = shape.H * shape.W;
        for (int o = 0; o < shape.N; o++)
        {
            var kernel = weights.Slice(o * kernelLength, kernelLength);
            float low = float.PositiveInfinity, high = float.NegativeInfinity;
            foreach (float w in kernel)
            {
                low = Math.Min(low, w);
                high = Math.Max(high, w);
            }
            for (int i = 0; i < shape.H; i++)
            {
                for (int j = 0; j < shape.W; j++)
                {
                    int at = (i * shape.W) + j;
                    byte r = TileGrid.Level(kernel[at], low, high);
                    var color = shape.C == 3
                        ? new Rgb24(r, TileGrid.Level(kernel[plane + at], low, high), TileGrid.Level(kernel[(2 * plane) + at], low, high))
                        : new Rgb24(r, r, r);
                    grid.Paint(image, o, i, j, color);
                }
            }
        }
        return image;
    }
}
