using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using AlexNet.Tests.Browser;
using AlexNet.Training.Reporting.Html;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>train --dashboard</c> without a browser: what <c>/data.json</c> answers in the middle of a run, that the
/// server is gone when the run ends, and the errors for a port that is taken or a host without a dashboard.
/// </summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task Data_json_holds_the_finished_epochs_and_the_current_step_and_the_server_stops_with_the_run()
    {
        using var work = TestFiles.NewFolder();
        int port = DashboardPageTests.FreePort();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var address = new Uri($"http://127.0.0.1:{port}/data.json");
        ReportData? seen = null;
        string? page = null;
        void Look(long step, AlexNet.Backends.IBackend _)
        {
            if (step == 13)
            {
                seen = JsonSerializer.Deserialize<ReportData>(http.GetStringAsync(address).GetAwaiter().GetResult(), HtmlPage.Json);
                page = http.GetStringAsync(new Uri(address, "/")).GetAwaiter().GetResult();
            }
        }

        var result = await AppRunner.RunAsync(work.Path, null, Look, TestContext.Current.CancellationToken,
            "train", "--model", "mini", "--synthetic", "--epochs", "2", "--batch-size", "8", "--name", "d", "--dashboard", port.ToString(CultureInfo.InvariantCulture));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"Dashboard: http://127.0.0.1:{port}/ (it stops with the run).", result.Output, StringComparison.Ordinal);
        Assert.NotNull(seen);
        Assert.True(seen.Live);
        Assert.Equal([1], seen.History.Select(m => m.Epoch));
        Assert.Equal(new EpochProgressReport(2, 2, 3, 10, seen.Progress!.Loss, seen.Progress.Top1, seen.Progress.ImagesPerSecond, "train"), seen.Progress);
        Assert.Equal("conv1", seen.Filters!.Layer);
        Assert.Contains("<script type=\"application/json\" id=\"report-data\">", page, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(address, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_port_in_use_is_refused_with_its_number_before_training_starts()
    {
        using var work = TestFiles.NewFolder();
        int port = DashboardPageTests.FreePort();
        using var taken = new PageServer("127.0.0.1", port, () => "taken", data: null);

        var result = await AppRunner.RunAsync(work.Path, null,
            "train", "--model", "mini", "--synthetic", "--epochs", "1", "--name", "d", "--dashboard", port.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Cannot serve on 127.0.0.1:{port}", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1/1", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dashboard_host_without_a_dashboard_is_a_usage_error()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--dashboard-host", "0.0.0.0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--dashboard-host says where the dashboard listens; give --dashboard [PORT] too.", result.Error, StringComparison.Ordinal);
    }
}
