using System.Globalization;
using System.Text.RegularExpressions;

namespace AlexNet.Training.Data;

/// <summary>
/// The Oxford 17 Category Flower data set (Nilsback &amp; Zisserman): 1360 JPEGs in <c>jpg/</c>,
/// <c>image_0001.jpg</c> … <c>image_1360.jpg</c>, in blocks of 80 images per class in the order of
/// <see cref="ClassNames"/>, so image NNNN has class (NNNN − 1) / 80.
/// </summary>
public static partial class Oxford17
{
    /// <summary>The folder name the data set gets inside the cache.</summary>
    public const string CacheFolderName = "oxflower17";

    /// <summary>Images per class in the official archive.</summary>
    public const int ImagesPerClass = 80;

    /// <summary>The official archive.</summary>
    public static readonly Uri OfficialUrl = new("https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz");

    /// <summary>SHA-256 of the official archive (about 60 MB).</summary>
    public const string OfficialSha256 = "fe38a60f8b4a95e657551247d3e7d799a3fafcdbc595be504b12839967823d70";

    /// <summary>The 17 species, in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "Daffodil", "Snowdrop", "LilyValley", "Bluebell", "Crocus", "Iris",
        "Tigerlily", "Tulip", "Fritillary", "Sunflower", "Daisy", "ColtsFoot",
        "Dandelion", "Cowslip", "Buttercup", "Windflower", "Pansy",
    ];

    /// <summary>
    /// The folder holding <c>image_NNNN.jpg</c> files when <paramref name="directory"/> is the data
    /// set (the folder the archive unpacks to, with <c>jpg/</c> inside) or its <c>jpg/</c> folder itself; otherwise null.
    /// </summary>
    public static string? FindImageFolder(string directory)
    {
        foreach (string candidate in new[] { Path.Combine(directory, "jpg"), directory })
        {
            if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, "image_*.jpg").Any(f => TryParseNumber(f, out _)))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The names of the official archive's images (image_0001.jpg … image_1360.jpg) that <paramref name="imageFolder"/> lacks.</summary>
    public static IReadOnlyList<string> MissingFiles(string imageFolder)
    {
        var present = Directory.EnumerateFiles(imageFolder, "image_*.jpg").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        return [.. Enumerable.Range(1, ClassNames.Count * ImagesPerClass)
            .Select(number => string.Create(CultureInfo.InvariantCulture, $"image_{number:D4}.jpg"))
            .Where(name => !present.Contains(name))];
    }

    /// <summary>The image files of the data set, with their labels, in file-number order.</summary>
    /// <exception cref="AppException">A number outside 1 … 1360, or a class without images.</exception>
    public static IReadOnlyList<DataItem> ListFiles(string imageFolder)
    {
        var files = new List<(int Number, string Path)>();
        foreach (string path in Directory.EnumerateFiles(imageFolder, "image_*.jpg"))
        {
            if (TryParseNumber(path, out int number))
            {
                if (number < 1 || number > ClassNames.Count * ImagesPerClass)
                {
                    throw new AppException($"'{path}' is numbered {number}, but Oxford 17 Flowers has images 1 to {ClassNames.Count * ImagesPerClass} only; is this the oxflower17 data set?");
                }
                files.Add((number, path));
            }
        }
        files.Sort((a, b) => a.Number.CompareTo(b.Number));
        var labeled = files.Select(f => new DataItem(f.Path, (f.Number - 1) / ImagesPerClass)).ToList();
        for (int label = 0; label < ClassNames.Count; label++)
        {
            if (!labeled.Exists(f => f.Label == label))
            {
                int first = (label * ImagesPerClass) + 1;
                throw new AppException($"Class {label} ({ClassNames[label]}) has no images in '{imageFolder}': expected image_{first:D4}.jpg to image_{first + ImagesPerClass - 1:D4}.jpg.");
            }
        }
        return labeled;
    }

    private static bool TryParseNumber(string path, out int number)
    {
        var match = ImageName().Match(Path.GetFileName(path));
        number = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return match.Success;
    }

    [GeneratedRegex(@"^image_(\d{4})\.jpg$")]
    private static partial Regex ImageName();
}
