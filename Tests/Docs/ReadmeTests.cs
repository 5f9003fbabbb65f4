using AlexNet.Layers.Variants;
using AlexNet.Training.Cli;
using Spectre.Console;

namespace AlexNet.Tests.Docs;

/// <summary>The README stays true of the code: its commands parse, and its variant table lists every variant with its input size.</summary>
public sealed class ReadmeTests
{
    private const string Run = "dotnet run -c Release --project Training -- ";

    [Fact]
    public void Every_app_command_in_the_readme_parses()
    {
        var lines = MarkdownPage.Read("README.md").Text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(Run, StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count >= 7, $"only {lines.Count} commands found");
        var root = AppHost.BuildRoot(new AlexNet.Training.Cli.AppContext(AnsiConsole.Create(new AnsiConsoleSettings()), TextWriter.Null, Repository.Root, _ => null));
        foreach (string line in lines)
        {
            string command = line[Run.Length..].Split('#')[0].Trim();
            var parsed = root.Parse(command);
            Assert.True(parsed.Errors.Count == 0, $"README: '{command}': {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void The_variant_table_has_one_line_per_variant_with_its_input_size()
    {
        var rows = MarkdownPage.Read("README.md").Text.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal) && !l.StartsWith("| `--", StringComparison.Ordinal)).ToList();
        Assert.Equal(ModelVariants.Names, rows.Select(r => r.Split('`')[1]));
        foreach (var variant in ModelVariants.All)
        {
            string row = rows.Single(r => r.StartsWith($"| `{variant.Name}` |", StringComparison.Ordinal));
            Assert.Contains($"| {variant.InputShape[1]}×{variant.InputShape[2]} |", row, StringComparison.Ordinal);
        }
    }
}
