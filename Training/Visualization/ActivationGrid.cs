using AlexNet.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Training.Visualization;

/// <summary>
/// One layer's output for one image as a picture: each channel's feature map [H, W] is a grey tile,
/// all on one scale per layer — black is the layer's smallest value, white its largest — so that a
/// map that barely responds looks dark next to one that responds strongly (after a ReLU, black is 0).
/// A vector [F] (after flatten, a dense layer) is one tile of F cells, row by row.
/// </summary>
public static class ActivationGrid
{
    /// <summary>A feature map is magnified to at least this many pixels on its longer side.</summary>
    public const int MinimumTileSide = 32;

    /// <summary>Cells per row when a vector of <paramref name="features"/> values is drawn as one tile.</summary>
    public static int VectorColumns(int features) => TileGrid.SquareColumns(features);

    /// <summary>The grid layout for one image's output of shape [1, C, H, W] or [1, F].</summary>
    public static TileGrid Layout(Shape shape) => shape.Rank switch
    {
        4 => new TileGrid(shape.C, shape.H, shape.W, TileGrid.SquareColumns(shape.C), MinimumTileSide),
        2 => new TileGrid(1, (shape[1] + VectorColumns(shape[1]) - 1) / VectorColumns(shape[1]), VectorColumns(shape[1]), 1, 4 * VectorColumns(shape[1])),
        _ => throw new ArgumentException($"Activations are drawn from one image's [1, C, H, W] or [1, F], not {shape}."),
    };

    /// <summary>Draws one image's layer output <paramref name="values"/> of shape <paramref name="shape"/> ([1, C, H, W] or [1, F]).</summary>
    public static Image<Rgb24> Draw(ReadOnlySpan<float> values, Shape shape)
    {
        if (shape.N != 1 || values.Length != shape.Length)
        {
            throw new ArgumentException($"Activations are drawn for one image: expected {shape.Length} values of shape [1, …], got {values.Length} values of shape {shape}.");
        }
        var grid = Layout(shape);
        var image = grid.NewImage();
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        foreach (float v in values)
        {
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        int cellsPerTile = grid.TileHeight * grid.TileWidth;
        int tileLength = shape.Rank == 4 ? shape.H * shape.W : shape[1];
        for (int i = 0; i < values.Length; i++)
        {
            int tile = i / tileLength, cell = i % tileLength;
            if (cell < cellsPerTile)
            {
                byte level = TileGrid.Level(values[i], low, high);
                grid.Paint(image, tile, cell / grid.TileWidth, cell % grid.TileWidth, new Rgb24(level, level, level));
            }
        }
        return image;
    }

    /// <summary>
    /// The network's input for one image, [1, 3, H, W] after preprocessing (mean subtracted), as colours again:
    /// stretched to 0 … 255 over all three channels, so the crop and its colours are what the network saw.
    /// </summary>
    public static Image<Rgb24> DrawInput(ReadOnlySpan<float> values, Shape shape)
    {
        if (shape.Rank != 4 || shape.N != 1 || shape.C != 3 || values.Length != shape.Length)
        {
            throw new ArgumentException($"The input is drawn from one RGB image [1, 3, H, W], not {shape}.");
        }
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        foreach (float v in values)
        {
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        int plane = shape.H * shape.W;
        var image = new Image<Rgb24>(shape.W, shape.H);
        for (int y = 0; y < shape.H; y++)
        {
            for (int x = 0; x < shape.W; x++)
            {
                int at = (y * shape.W) + x;
                image[x, y] = new Rgb24(TileGrid.Level(values[at], low, high), TileGrid.Level(values[plane + at], low, high),
                    TileGrid.Level(values[(2 * plane) + at], low, high));
            }
        }
        return image;
    }
}
