namespace AlexNet.Training.Data;

/// <summary>
/// Inception's random-resized crop (Szegedy et al. 2015, section 6; torchvision's
/// <c>RandomResizedCrop</c>): a box covering a random share s of the image's area, with a random
/// aspect r = width / height, anywhere in the image, later resized to the network's input
/// (<see cref="BilinearResize"/>). For an H×W image:
/// <code>
///   s ~ U(scale.Low, scale.High)               share of the area
///   r = exp(u), u ~ U(ln aspect.Low, ln aspect.High)   log-uniform, so r and 1/r are equally likely
///   w = round(√(s·H·W·r)),  h = round(√(s·H·W / r))     so w·h ≈ s·H·W and w/h ≈ r
///   x ~ U{0 … W − w},  y ~ U{0 … H − h}
/// </code>
/// A box that does not fit (a tall r on a wide image) is drawn again, up to <see cref="Attempts"/>
/// times; then the centre fallback takes the largest central box whose aspect is within range.
/// Every number is a pure function of (seed, epoch, image, attempt).
/// </summary>
public static class ResizedCrop
{
    /// <summary>Draws before the centre fallback (torchvision's 10).</summary>
    public const int Attempts = 10;

    /// <summary>A box of an image: top-left corner and size, in pixels.</summary>
    public readonly record struct Box(int X, int Y, int Width, int Height);

    /// <summary>The box of training image <paramref name="imageIndex"/> (<paramref name="height"/>×<paramref name="width"/>) in <paramref name="epoch"/>.</summary>
    public static Box ForTraining(ulong seed, int epoch, int imageIndex, int height, int width, Interval scale, Interval aspect)
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(aspect);
        double area = (double)height * width;
        double logLow = Math.Log(aspect.Low), logHigh = Math.Log(aspect.High);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            // The attempt is the index's high half: each attempt of each image has its own four words.
            var words = RandomStream.Words(seed, RandomStream.Purpose.ResizedCrop, (uint)epoch, (uint)imageIndex | ((ulong)attempt << 32));
            double share = scale.Low + ((scale.High - scale.Low) * RandomStream.Uniform(words.X0));
            double ratio = Math.Exp(logLow + ((logHigh - logLow) * RandomStream.Uniform(words.X1)));
            int w = (int)Math.Round(Math.Sqrt(area * share * ratio));
            int h = (int)Math.Round(Math.Sqrt(area * share / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height)
            {
                return new Box(RandomStream.Below(width - w + 1, words.X2, 0), RandomStream.Below(height - h + 1, words.X3, 0), w, h);
            }
        }
        return Centre(height, width, aspect);
    }

    /// <summary>The fallback: the whole image, narrowed to the aspect range's nearer end when its own aspect is outside, centred.</summary>
    public static Box Centre(int height, int width, Interval aspect)
    {
        ArgumentNullException.ThrowIfNull(aspect);
        double own = (double)width / height;
        var (w, h) = own < aspect.Low ? (width, Math.Min(height, (int)Math.Round(width / aspect.Low)))
            : own > aspect.High ? (Math.Min(width, (int)Math.Round(height * aspect.High)), height)
            : (width, height);
        return new Box((width - w) / 2, (height - h) / 2, w, h);
    }
}
