using System.Globalization;

namespace AlexNet.Training.Data;

/// <summary>
/// How decoded images are stored before any crop: the paper's squares (the shorter side resized to
/// <see cref="Size"/>, then the central <see cref="Size"/>×<see cref="Size"/> square, section 2), or
/// whole images whose shorter side is resized to <see cref="Size"/> with their aspect kept
/// (<c>--stored-short-side</c>), from which random-resized crops see what the square would cut off.
/// </summary>
/// <param name="Size">the square's side, or the shorter side</param>
/// <param name="ShortSide">true: whole images of varying H×W; false: the paper's squares</param>
public readonly record struct StoredForm(int Size, bool ShortSide)
{
    /// <summary>The paper's <paramref name="size"/>×<paramref name="size"/> squares.</summary>
    public static StoredForm Square(int size) => new(size, ShortSide: false);

    /// <summary>Whole images, their shorter side resized to <paramref name="size"/>.</summary>
    public static StoredForm ShortSideOf(int size) => new(size, ShortSide: true);

    /// <summary><c>square 256</c> or <c>short side 320</c>: part of the cache's key and index header.</summary>
    public override string ToString() => ShortSide ? string.Create(CultureInfo.InvariantCulture, $"short side {Size}") : string.Create(CultureInfo.InvariantCulture, $"square {Size}");
}

/// <summary>One decoded image as stored: <see cref="Height"/>×<see cref="Width"/>×3 bytes, RGB, row-major (HWC).</summary>
public readonly record struct StoredImage(byte[] Pixels, int Height, int Width);
