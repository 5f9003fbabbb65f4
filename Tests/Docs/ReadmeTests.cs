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

    /// <summary>
    /// The README's sample runs start as the app starts a run today: for each "Training MODEL (…)"
    /// sample, the same model trained one step on synthetic data prints the same parameter count,
    /// backend and initialization, and the same optimizer, schedule, batch and epochs.
    /// </summary>
    [Fact]
    public async Task The_sample_runs_begin_with_what_the_app_prints_for_their_settings()
    {
        string[] lines = MarkdownPage.Read("README.md").Text.Split('\n');
        var samples = lines.Select((line, i) => (line, i)).Where(x => x.line.StartsWith("Training ", StringComparison.Ordinal) && x.line.Contains(" parameters) on ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(samples);
        using var work = AlexNet.Tests.Training.TestFiles.NewFolder();
        foreach (var (line, i) in samples)
        {
            string model = line.Split(' ')[1];
            string classes = System.Text.RegularExpressions.Regex.Match(line, @", (\d+) classes,").Groups[1].Value;
            var run = await AlexNet.Tests.Training.AppRunner.RunAsync(work.Path, null,
                "train", "--model", model, "--classes", classes, "--synthetic", "--synthetic-images", "4", "--max-steps", "1", "--name", $"readme-{i}");
            Assert.True(run.ExitCode == 0, run.Error);
            string[] printed = run.Output.Split('\n');
            Assert.Equal(Head(printed[0]), Head(line));
            Assert.Equal(Init(printed[0]), Init(line));
            Assert.Equal(printed[1].Split("; stored")[0], lines[i + 1].Split("; stored")[0]);
        }
    }

    // "Training alexnet (56,937,873 parameters) on cpu" and "init caffe" of a run's first line.
    private static string Head(string line) => line[..line.IndexOf(':', StringComparison.Ordinal)];

    private static string Init(string line) => line[line.LastIndexOf(", init ", StringComparison.Ordinal)..];
}
