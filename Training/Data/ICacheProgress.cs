namespace AlexNet.Training.Data;

/// <summary>
/// What opening the image cache reports (<see cref="ImageCache"/>): once, first, how many of the
/// requested images the store already held; then each image it decodes, from the decoding threads at
/// the same time. A listener needs nothing else to show how far a build is and how fast it goes.
/// </summary>
public interface ICacheProgress
{
    /// <summary>The requested images the store already held (all of them when nothing was decoded).</summary>
    void Stored(int images);

    /// <summary>One image more decoded (or found unreadable).</summary>
    void Decoded();
}
