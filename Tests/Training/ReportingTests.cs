using AlexNet.Training.Optimization;
using AlexNet.Training.Reporting;
using AlexNet.Training.Run;
using SixLabors.ImageSharp;

namespace AlexNet.Tests.Training;

public sealed class ReportingTests
{
    private static readonly EpochMetrics[] History =
    [
        new(1, 0.01, 2.5, 0.20, 2.4, 0.25, 0.60, 12.5, 54.4),
        new(2, 0.01, 2.0, 0.35, 2.1, 0.30, 0.70, 12.0, 56.7),
        new(3, 0.001, 1.5, 0.55, 1.9, 0.41, 0.80, 11.9, 57.1),
    ];

    [Fact]
    public void Metrics_csv_has_a_header_and_one_row_per_epoch()
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("metrics.csv");

        MetricsCsv.Write(path, History);

        string[] lines = File.ReadAllLines(path);
        Assert.Equal(MetricsCsv.Header, lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal("3,0.001,1.500000,0.550000,1.900000,0.410000,0.800000,11.90,57.1", lines[3]);
    }

    [Fact]
    public void Plots_are_written_as_png_images()
    {
        using var folder = TestFiles.NewFolder();

        TrainingPlots.Write(folder.Path, History, "mini");

        foreach (string file in new[] { TrainingPlots.LossFile, TrainingPlots.AccuracyFile })
        {
            var info = Image.Identify(folder.Combine(file));
            Assert.Equal(800, info.Width);
            Assert.Equal(500, info.Height);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Plots_mark_whole_epochs_only(int epochs)
    {
        var history = History[..epochs];

        foreach (var plot in new[] { TrainingPlots.Loss(history, "mini"), TrainingPlots.Accuracy(history, "mini") })
        {
            using (plot)
            {
                plot.GetImageBytes(TrainingPlots.Width, TrainingPlots.Height, ScottPlot.ImageFormat.Png); // ticks are placed when the plot is drawn
                double[] ticks = [.. plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position)];
                Assert.NotEmpty(ticks);
                Assert.All(ticks, tick => Assert.Equal(Math.Round(tick), tick));
            }
        }
    }

    [Fact]
    public void Confusion_matrix_counts_and_prints_recall_per_class()
    {
        var matrix = new ConfusionMatrix(["Daffodil", "Snowdrop", "Iris"]);
        matrix.Add(0, 0);
        matrix.Add(0, 0);
        matrix.Add(0, 2);
        matrix.Add(1, 1);
        matrix.Add(2, 1);

        string text = matrix.ToText();

        Assert.Equal(5, matrix.Total);
        Assert.Equal(0.6, matrix.Accuracy, 12);
        string[] lines = text.TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^ 0 Daffodil\s+2\s+0\s+1\s+66\.7%$", lines[1]);
        Assert.Matches(@"^ 2 Iris\s+0\s+1\s+0\s+0\.0%$", lines[3]);
    }

    [Fact]
    public void Confusion_matrix_heat_map_is_a_png()
    {
        using var folder = TestFiles.NewFolder();
        var matrix = new ConfusionMatrix(["a", "b"]);
        matrix.Add(0, 0);
        matrix.Add(1, 0);

        matrix.SavePng(folder.Combine("cm.png"), "test");

        Assert.NotNull(Image.Identify(folder.Combine("cm.png")));
    }

    [Fact]
    public void Step_schedule_multiplies_by_gamma_every_step()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Step, 0.01, 90, stepEpochs: 30);

        Assert.Equal(0.01, schedule.RateFor(29), 12);
        Assert.Equal(0.001, schedule.RateFor(30), 12);
        Assert.Equal(0.0001, schedule.RateFor(60), 12);
    }

    [Fact]
    public void Cosine_schedule_falls_from_the_base_rate_to_zero()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Cosine, 0.1, 10);

        Assert.Equal(0.1, schedule.RateFor(0), 12);
        Assert.Equal(0.05, schedule.RateFor(5), 12);
        Assert.Equal(0, schedule.RateFor(10), 12);
    }

    [Fact]
    public void A_warm_up_rises_linearly_and_the_cosine_after_it_spans_the_remaining_epochs()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Cosine, 0.1, 14, warmupEpochs: 4);

        Assert.Equal([0.02, 0.04, 0.06, 0.08], [.. Enumerable.Range(0, 4).Select(epoch => Math.Round(schedule.RateFor(epoch), 12))]);
        Assert.Equal(0.1, schedule.RateFor(4), 12);
        Assert.Equal(0.05, schedule.RateFor(9), 12);
        Assert.Equal(0, schedule.RateFor(14), 12);
        Assert.Equal(0.1, new LearningRateSchedule(ScheduleKind.Constant, 0.1, 14, warmupEpochs: 4).RateFor(4), 12);
        Assert.Throws<AlexNet.Training.AppException>(() => new LearningRateSchedule(ScheduleKind.Cosine, 0.1, 14, warmupEpochs: -1));
    }

    [Fact]
    public void Plateau_schedule_divides_by_ten_after_patience_epochs_without_improvement()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Plateau, 0.01, 90, patience: 2);

        Assert.Equal(ScheduleEvent.None, schedule.EndEpoch(0.5));
        Assert.Equal(ScheduleEvent.None, schedule.EndEpoch(0.4));
        Assert.Equal(ScheduleEvent.None, schedule.EndEpoch(0.45));
        Assert.Equal(ScheduleEvent.Reduced, schedule.EndEpoch(0.41));
        Assert.Equal(0.001, schedule.RateFor(4), 12);
        Assert.Equal(ScheduleEvent.None, schedule.EndEpoch(0.3));
        Assert.Equal(0.001, schedule.RateFor(5), 12);
    }

    [Fact]
    public void Plateau_schedule_ends_the_run_when_the_error_stalls_after_three_divisions()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Plateau, 0.01, 90, patience: 1);

        Assert.Equal(ScheduleEvent.None, schedule.EndEpoch(0.5));
        Assert.Equal(ScheduleEvent.Reduced, schedule.EndEpoch(0.5));
        Assert.Equal(ScheduleEvent.Reduced, schedule.EndEpoch(0.5));
        Assert.Equal(ScheduleEvent.Reduced, schedule.EndEpoch(0.5));
        Assert.Equal(1e-5, schedule.RateFor(4), 15);
        Assert.Equal(ScheduleEvent.Converged, schedule.EndEpoch(0.5));
        Assert.True(schedule.State.Converged);
        Assert.Equal(1e-5, schedule.RateFor(5), 15);
        Assert.Equal(ScheduleEvent.None, schedule.EndEpoch(0.1));
    }

    [Fact]
    public void Unknown_schedule_lists_the_valid_ones()
    {
        var error = Assert.Throws<AlexNet.Training.AppException>(() => RunNames.Schedules.Parse("linear"));

        Assert.Contains("constant, step, plateau, cosine", error.Message, StringComparison.Ordinal);
    }
}
