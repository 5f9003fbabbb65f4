using System.Text.Json;
using AlexNet.Training.Explorer;
using AlexNet.Training.Reporting.Html;

namespace AlexNet.Tests.Browser;

/// <summary>
/// The explorer page of one image through a trained <c>mini</c>, opened from disk in headless Chromium:
/// every layer that computes has its grid of maps drawn, a click enlarges a map with its range, the
/// saliency map follows the chosen class, and the page logs no error and requests nothing.
/// </summary>
[Collection(nameof(BrowserPages))]
public sealed class ExplorerPageTests(TrainedRun run)
{
    private ExplorerData InlinedData()
    {
        string html = File.ReadAllText(run.Explorer);
        const string open = "<script type=\"application/json\" id=\"explorer-data\">";
        int start = html.IndexOf(open, StringComparison.Ordinal) + open.Length;
        return JsonSerializer.Deserialize<ExplorerData>(html[start..html.IndexOf("</script>", start, StringComparison.Ordinal)], HtmlPage.Json)!;
    }

    [Fact]
    public async Task Every_layer_is_shown_with_its_maps_and_the_top_classes_with_no_console_error_and_no_request()
    {
        await using var chromium = await Chromium.StartAsync();
        var page = await chromium.OpenAsync(new Uri(run.Explorer));
        var data = InlinedData();

        Assert.Equal(23, await page.Playwright.Locator("section.layer[id^='layer-']").CountAsync());
        foreach (var layer in data.Layers)
        {
            string section = $"#layer-{layer.Name}";
            Assert.Contains(layer.InputShape + " → " + layer.OutputShape, await page.Playwright.InnerTextAsync(section), StringComparison.Ordinal);
            Assert.Equal(layer.PassesThrough ? 0 : 1, await page.Playwright.Locator($"{section} canvas.grid").CountAsync());
            if (!layer.PassesThrough && layer.Maps!.Max.Zip(layer.Maps.Min).Any(r => r.First > r.Second))
            {
                Assert.True(await page.CanvasHasContentAsync($"{section} canvas.grid"), $"{layer.Name}'s maps are blank.");
            }
        }
        Assert.Equal(4, await page.Playwright.Locator("#top5 tr").CountAsync()); // the synthetic set has 4 classes
        Assert.True(await page.Playwright.EvalOnSelectorAsync<int>("#input", "img => img.naturalWidth") == 64);
        Assert.True(await page.Playwright.EvalOnSelectorAsync<int>("#saliency", "img => img.naturalWidth") == 64);
        await page.ScreenshotAsync("explorer");
        page.AssertQuiet();
    }

    [Fact]
    public async Task Clicking_a_map_enlarges_it_with_its_range_and_a_class_button_switches_the_saliency_map()
    {
        await using var chromium = await Chromium.StartAsync();
        var page = await chromium.OpenAsync(new Uri(run.Explorer));
        var conv1 = InlinedData().Layers[0];

        // The second map is one tile right of the first (the grid says how wide a tile is, its gap included).
        var grid = page.Playwright.Locator("#layer-conv1 canvas.grid");
        float tile = float.Parse((await grid.GetAttributeAsync("data-tile-width"))!, System.Globalization.CultureInfo.InvariantCulture);
        await grid.ClickAsync(new() { Position = new() { X = tile * 1.5f, Y = 10 } });
        Assert.Equal("1", await page.Playwright.GetAttributeAsync("#layer-conv1 .enlarged", "data-map"));
        string detail = await page.Playwright.InnerTextAsync("#layer-conv1 .enlarged p");
        Assert.Contains($"map 2 of {conv1.Maps!.Count}: values {conv1.Maps.Min[1]:G4}".Replace("E", "e", StringComparison.Ordinal), detail, StringComparison.Ordinal);
        Assert.True(await page.CanvasHasContentAsync("#layer-conv1 .enlarged canvas"));

        var buttons = page.Playwright.Locator("#saliency-classes button");
        Assert.Equal(await page.Playwright.InnerTextAsync("#top5 tr:nth-child(1) td:first-child"), await page.Playwright.GetAttributeAsync("#saliency", "data-class"));
        await buttons.Nth(2).ClickAsync();
        Assert.Equal(await buttons.Nth(2).InnerTextAsync(), await page.Playwright.GetAttributeAsync("#saliency", "data-class"));
        page.AssertQuiet();
    }
}
