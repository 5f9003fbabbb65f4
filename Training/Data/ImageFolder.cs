namespace AlexNet.Training.Data;

/// <summary>
/// A generic image-folder data set: one subfolder per class, named after the class, holding that
/// class's images, directly or in nested subfolders. Classes are the subfolders in ordinal name order,
/// or in the order of a <see cref="ClassList"/>; hidden files and folders and files without an image
/// extension are ignored.
/// </summary>
public static class ImageFolder
{
    /// <summary>File extensions read as images (the formats the decoder understands).</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tga", ".tif", ".tiff", ".webp", ".pbm", ".pgm", ".ppm" };

    /// <summary>The class names and labelled files of the data set in <paramref name="directory"/>.</summary>
    /// <exception cref="AppException">Fewer than two classes, or a class folder without images.</exception>
    public static (IReadOnlyList<string> ClassNames, IReadOnlyList<DataItem> Files) List(string directory, ClassList? classes = null)
    {
        var found = Directory.EnumerateDirectories(directory)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var classFolders = classes is null ? found : classes.Folders.Select(f => Path.Combine(directory, f)).ToList();
        if (classes is not null)
        {
            var unknown = found.Select(Path.GetFileName).Where(f => !classes.Folders.Contains(f!)).ToList();
            if (classFolders.FirstOrDefault(f => !Directory.Exists(f)) is { } missing)
            {
                throw new AppException($"The class list names '{Path.GetFileName(missing)}', but '{directory}' has no such folder; every listed class needs a folder of images.");
            }
            if (unknown.Count > 0)
            {
                throw new AppException($"'{directory}' has class folder(s) the class list does not name: {string.Join(", ", unknown.Take(5))}; add them to the list or move them away.");
            }
        }
        if (classFolders.Count < 2)
        {
            throw new AppException($"'{directory}' has {classFolders.Count} class folder(s); an image-folder data set needs at least two subfolders, one per class, each holding that class's images (or the Oxford 17 layout jpg/image_0001.jpg …).");
        }
        var files = new List<DataItem>();
        var names = new List<string>();
        foreach (string folder in classFolders)
        {
            int label = names.Count;
            names.Add(classes is null ? Path.GetFileName(folder) : classes.Names[label]);
            var images = ImagesUnder(folder);
            if (images.Count == 0)
            {
                throw new AppException($"Class folder '{folder}' holds no image files ({string.Join(", ", ImageExtensions.Order(StringComparer.Ordinal))}); every class needs images.");
            }
            files.AddRange(images.Select(path => new DataItem(path, label)));
        }
        return (names, files);
    }

    /// <summary>The image files in <paramref name="folder"/> and its non-hidden subfolders, in ordinal order of their relative paths.</summary>
    public static List<string> ImagesUnder(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        return [.. Directory.EnumerateFiles(folder, "*", options)
            .Where(path => IsImageFile(path) && !Path.GetRelativePath(folder, path).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>True for a file read as an image: not hidden, with one of <see cref="ImageExtensions"/>.</summary>
    public static bool IsImageFile(string path) =>
        !Path.GetFileName(path).StartsWith('.') && ImageExtensions.Contains(Path.GetExtension(path));
}
