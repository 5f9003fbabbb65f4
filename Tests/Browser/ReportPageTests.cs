using System.Text.Json;
using AlexNet.Training.Reporting.Html;

namespace AlexNet.Tests.Browser;

/// <summary>
/// <c>report.html</c> of a trained run, opened from disk in headless Chromium: every chart and grid is
/// drawn, the charts answer hover and legend clicks, each confusion-matrix cell shows exactly its test
/// images, and the page logs no error and requests nothing.
/// </summary>
[Collection(nameof(BrowserPages))]
public sealed class ReportPageTests(TrainedRun run)
{
    private static readonly string[] Charts = ["#loss-chart", "#accuracy-chart", "#rate-chart", "#class-chart"];

    /// <summary>The data inlined in the page, as the page's script reads it.</summary>
    private ReportData InlinedData()
    {
        string html = File.ReadAllText(run.Report);
        const string open = "<script type=\"application/json\" id=\"report-data\">";
        int start = html.IndexOf(open, StringComparison.Ordinal) + open.Length;
        return JsonSerializer.Deserialize<ReportData>(html[start..html.IndexOf("</script>", start, StringComparison.Ordinal)], HtmlPage.Json)!;
    }

    [Fact]
    public async Task Every_chart_and_grid_renders_with_no_console_error_and_no_request()
    {
        await using var chromium = await Chromium.StartAsync();
        var page = await chromium.OpenAsync(new Uri(run.Report));
        var data = InlinedData();
        int classes = data.Test!.ClassNames.Count;

        foreach (string chart in Charts)
        {
            Assert.True(await page.CanvasHasContentAsync(chart), $"{chart} is blank.");
        }
        Assert.Equal(classes * classes, await page.Playwright.Locator("#matrix td.cell").CountAsync());
        Assert.Equal(classes + 1, await page.Playwright.Locator("#class-table tr").CountAsync());
        Assert.Equal(data.Settings.Count, await page.Playwright.Locator("#settings tr").CountAsync());
        Assert.True(await page.Playwright.EvalOnSelectorAsync<int>("#filters", "img => img.naturalWidth") > 0, "conv1's kernels did not load.");
        Assert.Equal($"{100 * data.Test.Top1:0.0}%", await page.Playwright.InnerTextAsync("#test-top1 .value"));
        Assert.Equal(3, await page.Playwright.EvaluateAsync<int>("() => charts['loss-chart'].data.labels.length"));
        await page.ScreenshotAsync("report");
        page.AssertQuiet();
    }

    [Fact]
    public async Task Clicking_a_cell_shows_the_test_images_of_that_confusion_and_only_those()
    {
        await using var chromium = await Chromium.StartAsync();
        var page = await chromium.OpenAsync(new Uri(run.Report));
        var test = InlinedData().Test!;
        int classes = test.ClassNames.Count;

        for (int i = 0; i < classes; i++)
        {
            for (int j = 0; j < classes; j++)
            {
                await page.Playwright.ClickAsync($"#matrix td[data-true='{i}'][data-predicted='{j}']");
                string[] expected = [.. test.Images.Where(m => m.Label == i && m.Predicted == j).Select(m => m.Name)];
                Assert.Equal(test.Counts[i][j], expected.Length);
                var shown = await page.Playwright.Locator("#cell-images img").EvaluateAllAsync<string[]>("images => images.map(i => i.alt)");
                Assert.Equal(expected, shown);
                Assert.StartsWith($"{test.ClassNames[i]} predicted as {test.ClassNames[j]}: {expected.Length} image", await page.Playwright.InnerTextAsync("#cell-title"), StringComparison.Ordinal);
                Assert.True(await page.Playwright.Locator("#cell-images img").EvaluateAllAsync<bool>("images => images.every(i => i.complete && i.naturalWidth === 64)"));
            }
        }
        Assert.Equal(1, await page.Playwright.Locator("#matrix td.selected").CountAsync());
        Assert.Equal($"#cell={classes - 1},{classes - 1}", await page.Playwright.EvaluateAsync<string>("() => location.hash"));
        page.AssertQuiet();

        // The address of a cell opens the page with that cell chosen.
        var linked = await chromium.OpenAsync(new Uri(new Uri(run.Report).AbsoluteUri + "#cell=1,0"));
        Assert.StartsWith($"{test.ClassNames[1]} predicted as {test.ClassNames[0]}: {test.Counts[1][0]} image", await linked.Playwright.InnerTextAsync("#cell-title"), StringComparison.Ordinal);
        linked.AssertQuiet();
    }

    [Fact]
    public async Task Hovering_a_chart_shows_its_values_and_clicking_a_legend_entry_hides_that_series()
    {
        await using var chromium = await Chromium.StartAsync();
        var page = await chromium.OpenAsync(new Uri(run.Report));
        // Positions are relative to the canvas; Playwright waits for it to be visible and still before it acts.
        var chart = page.Playwright.Locator("#loss-chart");
        var area = await page.Playwright.EvaluateAsync<double[]>("() => { const a = charts['loss-chart'].chartArea; return [a.left, a.top, a.right, a.bottom]; }");
        await chart.HoverAsync(new() { Position = new() { X = (float)((area[0] + area[2]) / 2), Y = (float)((area[1] + area[3]) / 2) } });
        Assert.True(await Becomes(page.Playwright, "() => charts['loss-chart'].tooltip.getActiveElements().length > 0"), "No tooltip on hover.");

        var hit = await page.Playwright.EvaluateAsync<double[]>("() => { const b = charts['loss-chart'].legend.legendHitBoxes[1]; return [b.left + b.width / 2, b.top + b.height / 2]; }");
        await chart.ClickAsync(new() { Position = new() { X = (float)hit[0], Y = (float)hit[1] } });
        Assert.True(await Becomes(page.Playwright, "() => !charts['loss-chart'].isDatasetVisible(1)"), "The validation series is still shown.");
        Assert.True(await page.Playwright.EvaluateAsync<bool>("() => charts['loss-chart'].isDatasetVisible(0)"));
        page.AssertQuiet();
    }

    /// <summary>
    /// Whether <paramref name="condition"/> holds within 5 s: Chart.js handles mouse events on the next
    /// animation frame, which a busy machine can delay past an immediate check.
    /// </summary>
    private static async Task<bool> Becomes(Microsoft.Playwright.IPage page, string condition)
    {
        try
        {
            await page.WaitForFunctionAsync(condition, null, new() { Timeout = 5000 });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
