using System.CommandLine;
using AlexNet.Training.Data;

namespace AlexNet.Training.Cli;

/// <summary>Options several commands share, built fresh for each command so each can set its own defaults.</summary>
public static class CommonOptions
{
    /// <summary><c>--data DIR</c>: Oxford 17 Flowers (jpg/image_0001.jpg …) or one subfolder per class.</summary>
    public static Option<DirectoryInfo> Data() => new("--data")
    {
        Description = "The data folder: Oxford 17 Flowers as unpacked (jpg/image_0001.jpg …), or any folder with one subfolder of images per class. Default: Oxford 17 Flowers in the cache ($ALEXNET_DATA or ~/.cache/alexnet), downloaded on first use.",
        HelpName = "DIR",
    };

    /// <summary><c>--max-pixels N</c>: larger images are rejected from their header.</summary>
    public static Option<long> MaxPixels() => new("--max-pixels")
    {
        Description = "Skip (with a warning) any image with more pixels than this, before decoding it.",
        DefaultValueFactory = _ => ImageDecoder.DefaultMaxPixels,
        HelpName = "N",
    };

    /// <summary>An absolute http(s) address, or null when <paramref name="text"/> is null.</summary>
    public static Uri? ParseUrl(string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new AppException($"'{text}' is not a download address; expected an absolute http:// or https:// URL.");
        }
        return url;
    }
}
