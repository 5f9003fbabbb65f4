using System.Globalization;
using System.Text;

namespace AlexNet.Training.Data;

/// <summary>
/// The index of one image-cache store (<c>index.tsv</c>): a header naming the format and the stored
/// form, then one line per source file, either
/// <c>ok SIZE TICKS SHARD OFFSET HEIGHT WIDTH SOURCE</c> (where its pixels lie) or
/// <c>skip SIZE TICKS SOURCE REASON</c> (why the decoder rejected it), tab-separated. SIZE and TICKS are
/// the file's length and modification time when it was decoded; a file with others is decoded again.
/// The file is replaced whole (written under a temporary name, then renamed), never edited in place.
/// </summary>
internal sealed class CacheIndex(StoredForm form)
{
    private const string IndexName = "index.tsv";

    /// <summary>One source file's record, or its rejection (<see cref="Reason"/> set, no pixels).</summary>
    public sealed record Entry(FileStamp Stamp, int Shard, long Offset, int Height, int Width, string? Reason)
    {
        /// <summary>Bytes its pixels take in their shard (0 for a rejection).</summary>
        public long Bytes => Reason is null ? (long)Height * Width * 3 : 0;
    }

    public StoredForm Form { get; } = form;

    /// <summary>Every source file's entry, by path.</summary>
    public Dictionary<string, Entry> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="source"/> is listed with <paramref name="stamp"/>: decoded from the file as it is now.</summary>
    public bool Matches(string source, FileStamp stamp) => Entries.TryGetValue(source, out var entry) && entry.Stamp == stamp;

    public static string ShardName(int number) => string.Create(CultureInfo.InvariantCulture, $"shard-{number:0000}.bin");

    /// <summary>The shard number in a file name <see cref="ShardName"/> wrote; null for any other name.</summary>
    public static int? ShardNumber(string fileName) =>
        fileName.StartsWith("shard-", StringComparison.Ordinal) && fileName.EndsWith(".bin", StringComparison.Ordinal)
        && int.TryParse(fileName["shard-".Length..^".bin".Length], NumberStyles.None, CultureInfo.InvariantCulture, out int number) ? number : null;

    /// <summary>The index in <paramref name="store"/>, or null when there is none yet.</summary>
    /// <exception cref="AppException">The index is not one this version wrote for <paramref name="form"/>.</exception>
    public static CacheIndex? Read(string store, StoredForm form)
    {
        string path = Path.Combine(store, IndexName);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        string expected = $"{ImageCache.FormatLine}\t{form}";
        if (lines.Length == 0 || lines[0] != expected)
        {
            throw new AppException($"The image cache index '{path}' does not start with '{expected.Replace("\t", "\\t", StringComparison.Ordinal)}'; delete the folder '{store}' and it is rebuilt.");
        }
        var index = new CacheIndex(form);
        for (int n = 1; n < lines.Length; n++)
        {
            var (source, entry) = Parse(lines[n]) ?? throw new AppException(
                $"Line {n + 1} of the image cache index '{path}' is not 'ok SIZE TICKS SHARD OFFSET HEIGHT WIDTH SOURCE' or 'skip SIZE TICKS SOURCE REASON'; delete the folder '{store}' and it is rebuilt.");
            index.Entries[source] = entry;
        }
        return index;
    }

    private static (string Source, Entry Entry)? Parse(string line)
    {
        var f = line.Split('\t');
        static bool Long(string text, out long value) => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        static bool Int(string text, out int value) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (f.Length == 8 && f[0] == "ok" && Long(f[1], out long length) && Long(f[2], out long ticks) && Int(f[3], out int shard)
            && Long(f[4], out long offset) && offset >= 0 && Int(f[5], out int height) && height > 0 && Int(f[6], out int width) && width > 0)
        {
            return (Unescape(f[7]), new Entry(new FileStamp(length, ticks), shard, offset, height, width, null));
        }
        if (f.Length == 5 && f[0] == "skip" && Long(f[1], out length) && Long(f[2], out ticks))
        {
            return (Unescape(f[3]), new Entry(new FileStamp(length, ticks), -1, 0, 0, 0, Unescape(f[4])));
        }
        return null;
    }

    /// <summary>Replaces the index in <paramref name="store"/> with this one: written and flushed under a temporary name, then renamed over the old.</summary>
    public void Write(string store)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{ImageCache.FormatLine}\t{Form}\n");
        foreach (var (source, e) in Entries)
        {
            text.Append(e.Reason is null
                ? string.Create(CultureInfo.InvariantCulture, $"ok\t{e.Stamp.Length}\t{e.Stamp.Ticks}\t{e.Shard}\t{e.Offset}\t{e.Height}\t{e.Width}\t{Escape(source)}\n")
                : string.Create(CultureInfo.InvariantCulture, $"skip\t{e.Stamp.Length}\t{e.Stamp.Ticks}\t{Escape(source)}\t{Escape(e.Reason)}\n"));
        }
        string path = Path.Combine(store, IndexName);
        string partial = ImageCache.Partial(path);
        using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }
        File.Move(partial, path, overwrite: true);
    }

    // Paths and reasons may hold tabs or line breaks; the index is one record per line.
    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static string Unescape(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                result.Append(text[i] switch { 't' => '\t', 'n' => '\n', 'r' => '\r', _ => text[i] });
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }
}
