using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AlexNet.Layers;

namespace AlexNet.Tests.Layers;

/// <summary>
/// Docs/alexnet.md shows the summaries and totals of the variants; this test regenerates them and
/// compares, so the page cannot drift from the code. Each generated block sits between
/// <c>&lt;!-- BEGIN name --&gt;</c> and <c>&lt;!-- END name --&gt;</c>; on a mismatch the message holds the
/// block to paste.
/// </summary>
public partial class AlexNetDocTests
{
    /// <summary>The variants the page summarizes, with the class counts it uses.</summary>
    internal static readonly (string Name, int Classes)[] Summarized =
        [("alexnet", 1000), ("caffenet", 1000), ("torchvision", 1000), ("keras-blog", 17), ("mini", 17)];

    private static readonly (string Name, int Classes)[] Totals = [("alexnet", 1000), ("alexnet", 17), .. Summarized.Skip(1)];

    [Fact]
    public void Every_generated_block_of_the_page_matches_the_code()
    {
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "Docs", "alexnet.md")).ReplaceLineEndings("\n");
        var expected = new Dictionary<string, string> { ["totals"] = TotalsTable() };
        foreach (var (name, classes) in Summarized)
        {
            expected[$"summary {name} {classes}"] = "```text\n" + VariantSummaries.Get(name, classes).ToText() + "```\n";
        }

        var found = Block().Matches(page).ToDictionary(match => match.Groups["name"].Value, match => match.Groups["body"].Value);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), found.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, body) in expected)
        {
            Assert.True(found[name] == body, $"Docs/alexnet.md is out of date: replace the block '{name}' with\n{body}");
        }
    }

    /// <summary>The totals table: one row per variant and class count.</summary>
    internal static string TotalsTable()
    {
        var table = new StringBuilder();
        table.Append("| Variant | Classes | Input | Parameters | of which trainable | MACs per image |\n");
        table.Append("|---|---:|---|---:|---:|---:|\n");
        foreach (var (name, classes) in Totals)
        {
            var summary = VariantSummaries.Get(name, classes);
            var input = summary.InputShape;
            table.Append(CultureInfo.InvariantCulture,
                $"| `{name}` | {classes} | {input[0]}x{input[1]}x{input[2]} | {summary.TotalParameters:N0} | {summary.TrainableParameters:N0} | {summary.MultiplyAccumulates:N0} |\n");
        }
        return table.ToString();
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AlexNetFromScratch.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No AlexNetFromScratch.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"<!-- BEGIN (?<name>[^>]+?) -->\n(?<body>.*?)<!-- END \k<name> -->", RegexOptions.Singleline)]
    private static partial Regex Block();
}
