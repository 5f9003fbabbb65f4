namespace AlexNet.Training.Data;

/// <summary>
/// A generic image-folder data set: one subfolder per class, named after the class, holding that
/// class's images. Classes are the subfolders in ordinal name order; hidden files and files without
/// an image extension are ignored.
/// </summary>
public static class ImageFolder
{
    /// <summary>File extensions read as images (the formats the decoder understands).</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tga", ".tif", ".tiff", ".webp", ".pbm", ".pgm", ".ppm" };

    /// <summary>The class names and labelled files of the data set in <paramref name="directory"/>.</summary>
    /// <exception cref="AppException">Fewer than two classes, or a class folder without images.</exception>
    public static (IReadOnlyList<string> ClassNames, IReadOnlyList<DataItem> Files) List(string directory)
    {
        var classFolders = Directory.EnumerateDirectories(directory)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (classFolders.Count < 2)
        {
            throw new AppException($"'{directory}' has {classFolders.Count} class folder(s); an image-folder data set needs at least two subfolders, one per class, each holding that class's images (or the Oxford 17 layout jpg/image_0001.jpg …).");
        }
        var files = new List<DataItem>();
        var names = new List<string>();
        foreach (string folder in classFolders)
        {
            int label = names.Count;
            names.Add(Path.GetFileName(folder));
            var images = Directory.EnumerateFiles(folder)
                .Where(IsImageFile)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (images.Count == 0)
            {
                throw new AppException($"Class folder '{folder}' holds no image files ({string.Join(", ", ImageExtensions.Order(StringComparer.Ordinal))}); every class needs images.");
            }
            files.AddRange(images.Select(path => new DataItem(path, label)));
        }
        return (names, files);
    }

    /// <summary>True for a file read as an image: not hidden, with one of <see cref="ImageExtensions"/>.</summary>
    public static bool IsImageFile(string path) =>
        !Path.GetFileName(path).StartsWith('.') && ImageExtensions.Contains(Path.GetExtension(path));
}
