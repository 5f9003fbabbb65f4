using System.Text.Json;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Reporting;
using AlexNet.Training.Reporting.Html;
using SixLabors.ImageSharp;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>alexnet report RUN</c> without a browser: the page's data is the run's — the history of
/// metrics.csv, the same test confusion matrix the training printed, image by image — and a folder
/// without a run is refused. (The browser tests open the page itself.)
/// </summary>
public sealed class ReportCommandTests
{
    internal static T Inlined<T>(string file, string id)
    {
        string html = File.ReadAllText(file);
        string open = $"<script type=\"application/json\" id=\"{id}\">";
        int start = html.IndexOf(open, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{file} has no {id} script.");
        start += open.Length;
        return JsonSerializer.Deserialize<T>(html[start..html.IndexOf("</script>", start, StringComparison.Ordinal)], HtmlPage.Json)!;
    }

    [Fact]
    public async Task The_page_holds_the_run_s_history_and_the_test_confusion_the_training_printed_image_by_image()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "2", "--batch-size", "8", "--name", "r", "--seed", "4");
        Assert.True(trained.ExitCode == 0, trained.Error);

        var result = await AppRunner.RunAsync(work.Path, null, "report", work.Combine("runs", "r"));

        Assert.True(result.ExitCode == 0, result.Error);
        string file = work.Combine("runs", "r", AlexNet.Training.Cli.ReportCommand.ReportFile);
        Assert.Contains($"Wrote {file} (2 epochs; test top-1", result.Output, StringComparison.Ordinal);
        var data = Inlined<ReportData>(file, "report-data");
        var state = Checkpoint.Read(work.Combine("runs", "r", "last.safetensors")).State;
        Assert.Equal(state.History, data.History);
        Assert.False(data.Live);
        Assert.Contains(data.Settings, row => row[0] == "model" && row[1] == "mini");
        Assert.Equal(("conv1", "[16, 3, 7, 7]"), (data.Filters!.Layer, data.Filters.Shape));

        var test = data.Test!;
        Assert.Equal(40, test.Images.Count);
        var confusion = new ConfusionMatrix(test.ClassNames);
        foreach (var image in test.Images)
        {
            confusion.Add(image.Label, image.Predicted);
            using var thumbnail = Image.Load(Convert.FromBase64String(image.Jpeg));
            Assert.Equal((64, 64), (thumbnail.Width, thumbnail.Height));
            Assert.InRange(image.Probability, 0.25, 1.0);
        }
        string printed = File.ReadAllText(work.Combine("runs", "r", "confusion_matrix.txt"));
        Assert.EndsWith(confusion.ToText(), printed, StringComparison.Ordinal);
        Assert.Equal(confusion.Accuracy, test.Top1, 12);
        for (int c = 0; c < test.ClassNames.Count; c++)
        {
            Assert.Equal([.. Enumerable.Range(0, test.ClassNames.Count).Select(j => confusion[c, j])], test.Counts[c]);
            Assert.Equal(confusion.Recall(c), test.Recall[c]);
            Assert.Equal(confusion.Precision(c), test.Precision[c]);
        }
    }

    [Fact]
    public async Task A_folder_without_a_run_is_refused_naming_the_file_it_expected()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "report", work.Combine("nothing"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"There is no run at {work.Combine("nothing")}: expected a run folder with last.safetensors", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Precision_and_recall_follow_the_columns_and_rows_and_are_null_where_undefined()
    {
        var m = new ConfusionMatrix(["a", "b", "c"]);
        m.Add(0, 0);
        m.Add(0, 0);
        m.Add(0, 1);
        m.Add(1, 0);

        Assert.Equal((2.0 / 3, 2.0 / 3), (m.Recall(0)!.Value, m.Precision(0)!.Value));
        Assert.Equal((0.0, 0.0), (m.Recall(1)!.Value, m.Precision(1)!.Value));
        Assert.Equal((null, null), (m.Recall(2), m.Precision(2)));
    }

    [Fact]
    public void The_vendored_Chart_js_is_the_version_its_readme_names_with_the_recorded_hash()
    {
        string vendor = Path.Combine(AlexNet.Tests.Docs.Repository.Root, "Training", "Reporting", "Html", "vendor");
        string readme = File.ReadAllText(Path.Combine(vendor, "README.md"));
        byte[] script = File.ReadAllBytes(Path.Combine(vendor, "chart.umd.min.js"));
        string banner = System.Text.Encoding.UTF8.GetString(script, 0, 200);

        var version = System.Text.RegularExpressions.Regex.Match(readme, @"\*\*(\d+\.\d+\.\d+)\*\*").Groups[1].Value;
        Assert.Contains($"Chart.js v{version}", banner, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(script)), readme, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(vendor, "chart.js-LICENSE.md")));
    }
}
