using System.Text.RegularExpressions;

namespace AlexNet.Tests.Docs;

/// <summary>
/// The learning pages point at the code by relative links whose text names a type, method or kernel
/// (<c>[`CpuBackend.LrnBackward`](../../Backends/Cpu/CpuBackend.Lrn.cs)</c>): every such link must lead
/// to a file that exists and still contains the name, and every link to a section to a heading that
/// exists, so renaming or moving code breaks this test instead of the page.
/// </summary>
public sealed class DocLinkTests
{
    /// <summary>The pages checked: the README, the reading order, the debugger walk-through, the performance page, the browser views and the layer pages.</summary>
    public static TheoryData<string> Pages =>
        [.. new[] { "README.md", "Docs/README.md", "Docs/architecture.md", "Docs/alexnet.md", "Docs/cuda.md", "Docs/testing.md", "Docs/results.md", "Docs/debugging.md", "Docs/performance.md", "Docs/visualizing.md", "Docs/reliability.md" }.Concat(LayerPageTests.LayerPages.Keys)];

    [Theory, MemberData(nameof(Pages))]
    public void Every_link_leads_to_an_existing_file_heading_and_name(string page)
    {
        var markdown = MarkdownPage.Read(page);
        var problems = markdown.Links.Select(link => Problem(page, link)).OfType<string>().ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void A_link_to_a_missing_name_or_heading_is_reported()
    {
        var page = MarkdownPage.Parse("Docs/layers/relu.md", """
            [`CpuBackend.ReluForward`](../../Backends/Cpu/CpuBackend.Relu.cs) is fine;
            [`CpuBackend.ReluSideways`](../../Backends/Cpu/CpuBackend.Relu.cs) is not;
            [the tests](../testing.md#no-such-section) neither, nor [this](missing.md).
            """);

        var problems = page.Links.Select(link => Problem(page.Path, link)).ToList();

        Assert.Null(problems[0]);
        Assert.Contains("does not contain 'ReluSideways'", problems[1], StringComparison.Ordinal);
        Assert.Contains("has no heading for #no-such-section", problems[2], StringComparison.Ordinal);
        Assert.Contains("Docs/layers/missing.md does not exist", problems[3], StringComparison.Ordinal);
    }

    /// <summary>What is wrong with <paramref name="link"/> on <paramref name="page"/>, or null.</summary>
    private static string? Problem(string page, MarkdownLink link)
    {
        string where = $"{page}:{link.Line}: [{link.Text}]({link.Target})";
        if (Regex.IsMatch(link.Target, "^[a-z]+:", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            return null; // an address outside the repository
        }
        string[] parts = link.Target.Split('#', 2);
        string folder = Path.GetDirectoryName(page) ?? "";
        string relative = parts[0].Length == 0 ? page : Path.GetRelativePath(".", Path.Combine(folder, Uri.UnescapeDataString(parts[0]))).Replace('\\', '/');
        string full = Path.GetFullPath(Path.Combine(Repository.Root, relative));
        if (!full.StartsWith(Repository.Root, StringComparison.Ordinal))
        {
            return $"{where}: leads outside the repository.";
        }
        if (Directory.Exists(full))
        {
            return null;
        }
        if (!File.Exists(full))
        {
            return $"{where}: {relative} does not exist.";
        }
        if (parts.Length == 2 && relative.EndsWith(".md", StringComparison.Ordinal)
            && !MarkdownPage.Read(relative).Headings.Any(h => MarkdownPage.Anchor(h) == parts[1]))
        {
            return $"{where}: {relative} has no heading for #{parts[1]}.";
        }
        var code = Regex.Match(link.Text, "^`(?<name>[^`]+)`$", RegexOptions.None, TimeSpan.FromSeconds(1));
        // A code name that is a file name (`CpuBackend.Lrn.cs`) names the file itself, checked above.
        if (code.Success && !Regex.IsMatch(code.Groups["name"].Value, @"\.(cs|cu|cuh|h|cpp|md|json|csproj)$", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            string name = code.Groups["name"].Value.TrimEnd(')').TrimEnd('(').Split('.')[^1];
            if (Regex.IsMatch(name, @"^\w+$", RegexOptions.None, TimeSpan.FromSeconds(1))
                && !Regex.IsMatch(File.ReadAllText(full), $@"\b{name}\b", RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                return $"{where}: {relative} does not contain '{name}'.";
            }
        }
        return null;
    }
}
