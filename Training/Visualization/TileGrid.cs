using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Training.Visualization;

/// <summary>
/// Lays out equal tiles (a filter, a feature map) in rows and columns on a dark background, each tile
/// magnified by a whole number so that every cell of it is a crisp square of pixels.
/// </summary>
public sealed class TileGrid
{
    /// <summary>Pixels between tiles and around the edge.</summary>
    public const int Gap = 2;

    /// <summary>The background between tiles: dark grey, so black and white cells both show.</summary>
    public static readonly Rgb24 Background = new(40, 40, 40);

    /// <summary>A grid of <paramref name="tiles"/> tiles of <paramref name="tileHeight"/>×<paramref name="tileWidth"/> cells.</summary>
    /// <param name="tiles">how many tiles</param>
    /// <param name="tileHeight">cells per tile, vertically</param>
    /// <param name="tileWidth">cells per tile, horizontally</param>
    /// <param name="columns">tiles per row</param>
    /// <param name="minimumTileSide">magnify until a tile is at least this many pixels on its longer side</param>
    public TileGrid(int tiles, int tileHeight, int tileWidth, int columns, int minimumTileSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tiles, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        Tiles = tiles;
        TileHeight = tileHeight;
        TileWidth = tileWidth;
        Columns = Math.Min(columns, tiles);
        Rows = (tiles + Columns - 1) / Columns;
        Scale = Math.Max(1, (minimumTileSide + Math.Max(tileHeight, tileWidth) - 1) / Math.Max(tileHeight, tileWidth));
    }

    public int Tiles { get; }

    public int TileHeight { get; }

    public int TileWidth { get; }

    public int Columns { get; }

    public int Rows { get; }

    /// <summary>Screen pixels per cell, along each axis.</summary>
    public int Scale { get; }

    public int Width => Gap + (Columns * ((TileWidth * Scale) + Gap));

    public int Height => Gap + (Rows * ((TileHeight * Scale) + Gap));

    /// <summary>About as many columns as rows: ⌈√tiles⌉.</summary>
    public static int SquareColumns(int tiles) => (int)Math.Ceiling(Math.Sqrt(tiles));

    /// <summary>The top-left pixel of tile <paramref name="tile"/> (row-major: tile 0 top left, then to the right).</summary>
    public (int X, int Y) Origin(int tile) =>
        (Gap + (tile % Columns * ((TileWidth * Scale) + Gap)), Gap + (tile / Columns * ((TileHeight * Scale) + Gap)));

    /// <summary>A new image of the grid's size, filled with <see cref="Background"/>.</summary>
    public Image<Rgb24> NewImage() => new(Width, Height, Background);

    /// <summary>Paints cell (<paramref name="row"/>, <paramref name="column"/>) of tile <paramref name="tile"/> in <paramref name="color"/>.</summary>
    public void Paint(Image<Rgb24> image, int tile, int row, int column, Rgb24 color)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (x, y) = Origin(tile);
        for (int dy = 0; dy < Scale; dy++)
        {
            for (int dx = 0; dx < Scale; dx++)
            {
                image[x + (column * Scale) + dx, y + (row * Scale) + dy] = color;
            }
        }
    }

    /// <summary>A value in [low, high] as a byte 0 … 255 (128 when the range is empty).</summary>
    public static byte Level(float value, float low, float high) =>
        high > low ? (byte)Math.Clamp(MathF.Round(255f * (value - low) / (high - low)), 0f, 255f) : (byte)128;
}
