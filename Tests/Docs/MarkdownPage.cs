using System.Text.RegularExpressions;

namespace AlexNet.Tests.Docs;

/// <summary>A fenced code block of a Markdown page: its info string (```example → "example"), its text, and the line it starts on.</summary>
public sealed record FencedBlock(string Info, string Text, int Line);

/// <summary>An inline code span outside fenced blocks, and its line.</summary>
public sealed record InlineCode(string Text, int Line);

/// <summary>A Markdown link [text](target) outside fenced blocks, and its line.</summary>
public sealed record MarkdownLink(string Text, string Target, int Line);

/// <summary>
/// The parts of a Markdown page the documentation tests check: fenced blocks, inline code spans and
/// links. Just enough Markdown for our own pages (``` fences, single-backtick spans, inline links).
/// </summary>
public sealed partial class MarkdownPage
{
    private MarkdownPage(string path, string text)
    {
        Path = path;
        Text = text;
        var blocks = new List<FencedBlock>();
        var spans = new List<InlineCode>();
        var links = new List<MarkdownLink>();
        var headings = new List<string>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                string info = line.TrimStart()[3..].Trim();
                int start = i;
                var body = new List<string>();
                for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
                {
                    body.Add(lines[i]);
                }
                blocks.Add(new FencedBlock(info, string.Join('\n', body), start + 1));
                continue;
            }
            if (line.StartsWith('#'))
            {
                headings.Add(line.TrimStart('#').Trim());
            }
            // Links first, on the line with its code spans intact, then the spans.
            foreach (Match link in LinkPattern().Matches(line))
            {
                links.Add(new MarkdownLink(link.Groups["text"].Value, link.Groups["target"].Value, i + 1));
            }
            foreach (Match span in SpanPattern().Matches(line))
            {
                spans.Add(new InlineCode(span.Groups["code"].Value, i + 1));
            }
        }
        Blocks = blocks;
        InlineCode = spans;
        Links = links;
        Headings = headings;
    }

    /// <summary>The page's path relative to the repository root, with forward slashes.</summary>
    public string Path { get; }

    public string Text { get; }

    public IReadOnlyList<FencedBlock> Blocks { get; }

    public IReadOnlyList<InlineCode> InlineCode { get; }

    public IReadOnlyList<MarkdownLink> Links { get; }

    /// <summary>The text of every heading, in order.</summary>
    public IReadOnlyList<string> Headings { get; }

    /// <summary>Reads the page at <paramref name="relativePath"/> (from the repository root).</summary>
    public static MarkdownPage Read(string relativePath) =>
        new(relativePath, File.ReadAllText(System.IO.Path.Combine(Repository.Root, relativePath)).ReplaceLineEndings("\n"));

    /// <summary>Parses <paramref name="text"/> as if it were the page at <paramref name="path"/>.</summary>
    public static MarkdownPage Parse(string path, string text) => new(path, text.ReplaceLineEndings("\n"));

    /// <summary>GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.</summary>
    public static string Anchor(string heading)
    {
        var kept = heading.ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_');
        return string.Concat(kept).Replace(' ', '-');
    }

    [GeneratedRegex(@"\[(?<text>[^\]]+)\]\((?<target>[^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"`(?<code>[^`]+)`")]
    private static partial Regex SpanPattern();
}

/// <summary>Where the repository is: the folder above the test binaries that holds AlexNetFromScratch.sln.</summary>
public static class Repository
{
    private static readonly Lazy<string> Found = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "AlexNetFromScratch.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No AlexNetFromScratch.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => Found.Value;
}
