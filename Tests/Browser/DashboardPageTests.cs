using System.Net;
using System.Net.Sockets;
using AlexNet.Tests.Training;

namespace AlexNet.Tests.Browser;

/// <summary>
/// <c>alexnet train --dashboard</c> in headless Chromium: a <c>mini</c> run on the synthetic data (10 steps an
/// epoch) is held at chosen steps while the page, opened once, is checked to follow it live — the current
/// step, the finished epochs' curves and kernels — with no console error and no request but its own.
/// </summary>
public sealed class DashboardPageTests
{
    /// <summary>A TCP port that was free a moment ago.</summary>
    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task The_page_follows_the_run_step_by_step_and_says_when_the_run_has_ended()
    {
        await using var chromium = await Chromium.StartAsync();
        using var work = TestFiles.NewFolder();
        int port = FreePort();
        using var reached = new SemaphoreSlim(0);
        using var proceed = new SemaphoreSlim(0);
        void Hold(long step, AlexNet.Backends.IBackend _)
        {
            if (step is 5 or 15)
            {
                reached.Release();
                proceed.Wait(TimeSpan.FromMinutes(2));
            }
        }
        var run = Task.Run(() => AppRunner.RunAsync(work.Path, null, Hold, CancellationToken.None,
            "train", "--model", "mini", "--synthetic", "--epochs", "2", "--batch-size", "8", "--name", "d", "--dashboard", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        try
        {
            Assert.True(await reached.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken), "The run did not reach step 5.");
            var page = await chromium.OpenAsync(new Uri($"http://127.0.0.1:{port}/"));
            var text = page.Playwright.Locator("#progress-text");
            await Microsoft.Playwright.Assertions.Expect(text).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^epoch 1/2, step 5/10: training, loss"));
            Assert.Equal(0, await page.Playwright.EvaluateAsync<int>("() => charts['loss-chart'].data.labels.length"));
            Assert.True(await page.Playwright.EvalOnSelectorAsync<int>("#filters", "img => img.naturalWidth") > 0, "conv1's kernels did not load.");

            proceed.Release();
            Assert.True(await reached.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken), "The run did not reach step 15.");
            await Microsoft.Playwright.Assertions.Expect(text).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^epoch 2/2, step 5/10: training"));
            Assert.Equal(1, await page.Playwright.EvaluateAsync<int>("() => charts['loss-chart'].data.labels.length"));
            foreach (string chart in new[] { "#loss-chart", "#accuracy-chart", "#rate-chart" })
            {
                Assert.True(await page.CanvasHasContentAsync(chart), $"{chart} is blank.");
            }
            Assert.Equal(5, await page.Playwright.EvalOnSelectorAsync<int>("#progress", "bar => bar.value"));
            await page.ScreenshotAsync("dashboard");
            page.AssertQuiet();

            proceed.Release();
            var result = await run;
            Assert.True(result.ExitCode == 0, result.Error);
            await Microsoft.Playwright.Assertions.Expect(page.Playwright.Locator("#connection.ended")).ToBeVisibleAsync();
            Assert.Empty(page.ForeignRequests);
        }
        finally
        {
            proceed.Release(2);
            await run;
        }
    }
}
