using System.Globalization;

namespace AlexNet.Training.Data;

/// <summary>
/// A class list file (<c>classes.txt</c> in the data folder, or <c>--classes-file</c>): one class per
/// line, in label order, as <c>FOLDER</c> or <c>FOLDER NAME…</c>, e.g. ImageNet's
/// <c>n01440764 tench, Tinca tinca</c>. It fixes the label of every class folder (so label 0 stays
/// label 0 whatever folders a copy of the data set has) and the names shown in scores and predictions.
/// Blank lines and lines starting with <c>#</c> are skipped.
/// </summary>
public sealed record ClassList(IReadOnlyList<string> Folders, IReadOnlyList<string> Names)
{
    /// <summary>The file name looked for in a data folder.</summary>
    public const string FileName = "classes.txt";

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="AppException">The file is missing, empty, or names a folder twice.</exception>
    public static ClassList Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new AppException($"The class list '{path}' does not exist; expected a text file with one class folder name per line (optionally followed by a readable name).");
        }
        var folders = new List<string>();
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int number = 0;
        foreach (string raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int space = line.IndexOfAny([' ', '\t']);
            string folder = space < 0 ? line : line[..space];
            string name = space < 0 ? folder : line[(space + 1)..].Trim();
            if (!seen.Add(folder))
            {
                throw new AppException(string.Create(CultureInfo.InvariantCulture, $"Line {number} of the class list '{path}' names the folder '{folder}' a second time; each class appears once."));
            }
            folders.Add(folder);
            names.Add(name);
        }
        if (folders.Count < 2)
        {
            throw new AppException($"The class list '{path}' names {folders.Count} class(es); classification needs at least two, one per line.");
        }
        return new ClassList(folders, names);
    }

    /// <summary>The list in <paramref name="directory"/>'s <see cref="FileName"/>, or null when it has none.</summary>
    public static ClassList? Find(string directory)
    {
        string path = Path.Combine(directory, FileName);
        return File.Exists(path) ? Read(path) : null;
    }

    /// <summary>
    /// What differs between the classes a run was trained on and those the data gives now, in a few
    /// words: classes gone or new, else the first labels whose class moved (e.g. a reordered list).
    /// </summary>
    public static string Difference(IReadOnlyList<string> trained, IReadOnlyList<string> now)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(now);
        static string Few(IEnumerable<string> names)
        {
            var list = names.ToList();
            return string.Join(", ", list.Take(5).Select(n => $"'{n}'")) + (list.Count > 5 ? string.Create(CultureInfo.InvariantCulture, $" and {list.Count - 5} more") : "");
        }
        var gone = trained.Except(now, StringComparer.Ordinal).ToList();
        var added = now.Except(trained, StringComparer.Ordinal).ToList();
        var parts = new List<string>();
        if (trained.Count != now.Count)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{now.Count} classes instead of {trained.Count}"));
        }
        if (gone.Count > 0)
        {
            parts.Add($"missing {Few(gone)}");
        }
        if (added.Count > 0)
        {
            parts.Add($"new {Few(added)}");
        }
        if (parts.Count == 0)
        {
            var moved = Enumerable.Range(0, trained.Count).Where(i => trained[i] != now[i]).ToList();
            parts.Add("the same classes in another order: " + string.Join(", ", moved.Take(3).Select(i => string.Create(CultureInfo.InvariantCulture, $"label {i} was '{trained[i]}', is now '{now[i]}'")))
                + (moved.Count > 3 ? string.Create(CultureInfo.InvariantCulture, $" and {moved.Count - 3} more labels moved") : ""));
        }
        return string.Join("; ", parts);
    }
}
