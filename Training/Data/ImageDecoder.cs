using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Training.Data;

/// <summary>
/// Turns an image file into the paper's stored form (section 2): the shorter side resized to
/// <c>size</c>, then the central <c>size</c>×<c>size</c> square cropped out, kept as 8-bit RGB
/// (row-major, channels interleaved: HWC), turned upright first by the EXIF orientation a camera
/// recorded, so training, evaluation and prediction see the photo as a viewer does. The header is read first, so an image with more than
/// <see cref="MaxPixels"/> pixels is rejected before a byte of it is decoded, and so is a JPEG or PNG
/// that was cut short (<see cref="ImageCompleteness"/>), which the decoder would otherwise fill in.
/// </summary>
public sealed class ImageDecoder
{
    /// <summary>The default pixel limit: 50 megapixels, far above any photo in the data sets used here.</summary>
    public const long DefaultMaxPixels = 50_000_000;

    // One thread per image: callers decode many images in parallel, and a fixed degree keeps results independent of the machine.
    private static readonly Configuration SingleThreaded = CreateConfiguration();

    public ImageDecoder(long maxPixels = DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);
        MaxPixels = maxPixels;
    }

    /// <summary>Images with more pixels than this are rejected from their header.</summary>
    public long MaxPixels { get; }

    /// <summary>Decodes <paramref name="path"/> into <paramref name="size"/>×<paramref name="size"/>×3 bytes.</summary>
    /// <exception cref="ImageRejectedException">The file is unreadable, not an image, corrupt, truncated, or too large.</exception>
    public byte[] Load(string path, int size) => Rejecting(path, () =>
    {
        using var stream = File.OpenRead(path);
        CheckHeader(stream, path);
        stream.Position = 0;
        using var image = Image.Load<Rgb24>(SingleThreaded, stream);
        // A phone stores an upright photo as the sensor saw it plus an EXIF orientation tag: turn the pixels as a viewer would.
        image.Mutate(x => x.AutoOrient());
        return ToStoredSquare(image, size);
    });

    /// <summary>Decodes <paramref name="path"/> into the stored <paramref name="form"/>: a square as <see cref="Load(string, int)"/>, or the whole image with its shorter side resized.</summary>
    /// <exception cref="ImageRejectedException">The file is unreadable, not an image, corrupt, truncated, or too large.</exception>
    public StoredImage Load(string path, StoredForm form)
    {
        if (!form.ShortSide)
        {
            return new StoredImage(Load(path, form.Size), form.Size, form.Size);
        }
        return Rejecting(path, () =>
        {
            using var stream = File.OpenRead(path);
            CheckHeader(stream, path);
            stream.Position = 0;
            using var image = Image.Load<Rgb24>(SingleThreaded, stream);
            image.Mutate(x => x.AutoOrient());
            return ToShortSide(image, form.Size);
        });
    }

    /// <summary>
    /// Checks <paramref name="path"/> without decoding its pixels: that it opens, that its header names a
    /// known format within <see cref="MaxPixels"/>, and that a JPEG or PNG is not cut short. What passes
    /// almost always decodes; <see cref="Load(string, int)"/> still rejects the rare file whose pixel data is corrupt.
    /// </summary>
    /// <exception cref="ImageRejectedException">The file is unreadable, not an image, truncated, or too large.</exception>
    public void Check(string path) => Rejecting(path, () =>
    {
        using var stream = File.OpenRead(path);
        CheckHeader(stream, path);
        return true;
    });

    private void CheckHeader(Stream stream, string path)
    {
        var info = Image.Identify(SingleThreaded, stream, out var format)
            ?? throw new ImageRejectedException(path, "not an image in a format the decoder knows (JPEG, PNG, BMP, GIF, TGA, TIFF, WebP, PBM)");
        long pixels = (long)info.Width * info.Height;
        if (pixels > MaxPixels)
        {
            throw new ImageRejectedException(path, $"{info.Width}×{info.Height} = {pixels:N0} pixels is more than the limit of {MaxPixels:N0}");
        }
        string? truncated = format switch
        {
            JpegFormat => ImageCompleteness.JpegProblem(stream),
            PngFormat => ImageCompleteness.PngProblem(stream),
            _ => null,
        };
        if (truncated is not null)
        {
            throw new ImageRejectedException(path, truncated);
        }
    }

    /// <summary>Runs <paramref name="read"/>, turning the errors a bad or unreadable file causes into an <see cref="ImageRejectedException"/>.</summary>
    private static T Rejecting<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ImageRejectedException)
        {
            throw;
        }
        catch (Exception e) when (e is ImageFormatException or IOException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new ImageRejectedException(path, e.Message, e);
        }
    }

    /// <summary>Resizes <paramref name="image"/> so its shorter side is <paramref name="size"/> and returns the central square as HWC bytes.</summary>
    public static byte[] ToStoredSquare(Image<Rgb24> image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        (int newWidth, int newHeight) = ShortSideShape(image.Width, image.Height, size);
        image.Mutate(x => x
            .Resize(newWidth, newHeight, KnownResamplers.Bicubic)
            .Crop(new Rectangle((newWidth - size) / 2, (newHeight - size) / 2, size, size)));
        var pixels = new byte[size * size * 3];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    /// <summary>Resizes <paramref name="image"/> so its shorter side is <paramref name="size"/>, keeping its aspect, and returns all of it as HWC bytes.</summary>
    public static StoredImage ToShortSide(Image<Rgb24> image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (width, height) = ShortSideShape(image.Width, image.Height, size);
        image.Mutate(x => x.Resize(width, height, KnownResamplers.Bicubic));
        var pixels = new byte[width * height * 3];
        image.CopyPixelDataTo(pixels);
        return new StoredImage(pixels, height, width);
    }

    /// <summary>The (width, height) of a <paramref name="width"/>×<paramref name="height"/> image resized so its shorter side is <paramref name="size"/> (the same rounding as the square's).</summary>
    public static (int Width, int Height) ShortSideShape(int width, int height, int size) => width <= height
        ? (size, Math.Max(size, (int)Math.Round((double)height * size / width)))
        : (Math.Max(size, (int)Math.Round((double)width * size / height)), size);

    private static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.MaxDegreeOfParallelism = 1;
        return configuration;
    }
}

/// <summary>An image file that was skipped: unreadable, not an image, corrupt, truncated, or over the pixel limit.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(string path, string reason, Exception? inner = null)
        : base($"{path}: {Clause(reason)}", inner)
    {
        Path = path;
        Reason = Clause(reason);
    }

    /// <summary>The skipped file.</summary>
    public string Path { get; }

    /// <summary>Why it was skipped, as a clause without a final full stop (callers end the sentence).</summary>
    public string Reason { get; }

    // Messages from .NET (e.g. "Could not find file '…'.") end with a full stop; ours are clauses.
    private static string Clause(string reason) => reason.TrimEnd().TrimEnd('.');
}
