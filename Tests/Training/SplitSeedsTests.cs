using System.Security.Cryptography;
using System.Text.Json;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;
using AlexNet.Training.Reporting;
using AlexNet.Training.Run;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace AlexNet.Tests.Training;

/// <summary>Item 1 of issue 17: <c>train --seeds</c> trains, reuses or resumes one run per split seed and summarizes them; train's <c>test.json</c>.</summary>
public sealed class SplitSeedsTests
{
    /// <summary><c>mini</c> on 4 classes × 8 synthetic images: 16 train / 8 val / 8 test, 4 steps an epoch, two epochs.</summary>
    private static string[] Args(params string[] more) =>
        ["train", "--model", "mini", "--synthetic", "--synthetic-images", "8", "--batch-size", "4", "--epochs", "2", "--threads", "1", .. more];

    private static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    [Fact]
    public void The_mean_and_the_sample_standard_deviation_divide_by_n_and_n_minus_1()
    {
        var (mean, std) = SplitSummary.MeanAndSampleStd([0.70, 0.75, 0.80]);
        Assert.Equal(0.75, mean, 12);
        Assert.Equal(0.05, std, 12); // √((0.05² + 0 + 0.05²) / 2)

        (mean, std) = SplitSummary.MeanAndSampleStd([1, 2, 3, 4]);
        Assert.Equal(2.5, mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3), std, 12); // (2.25 + 0.25 + 0.25 + 2.25) / 3, not / 4

        Assert.Throws<ArgumentException>(() => SplitSummary.MeanAndSampleStd([0.7]));
    }

    [Fact]
    public void The_standard_error_of_one_test_score_on_340_images_is_about_two_and_a_half_points()
    {
        Assert.Equal(0.0235, SplitSummary.BinomialStandardError(0.75, 340), 4);
        Assert.Equal(0.0249, SplitSummary.BinomialStandardError(0.70, 340), 4);
    }

    [Fact]
    public void The_standard_deviation_ignores_a_shift_and_scales_with_the_values()
    {
        var property = Prop.ForAll(
            Gen.Choose(-1000, 1000).Select(i => i / 1000.0).ArrayOf().Where(a => a.Length >= 2).Zip(Gen.Choose(-100, 100).Select(i => i / 10.0)).ToArbitrary(),
            t =>
            {
                var (values, shift) = t;
                var (mean, std) = SplitSummary.MeanAndSampleStd(values);
                var (shiftedMean, shiftedStd) = SplitSummary.MeanAndSampleStd([.. values.Select(v => v + shift)]);
                var (_, doubledStd) = SplitSummary.MeanAndSampleStd([.. values.Select(v => 2 * v)]);
                return Math.Abs(shiftedMean - mean - shift) < 1e-9 && Math.Abs(shiftedStd - std) < 1e-9 && Math.Abs(doubledStd - (2 * std)) < 1e-9 && std >= 0;
            });
        Check.One(Config.QuickThrowOnFailure.WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261203UL), FSharpOption<int>.None))), property);
    }

    [Theory]
    [InlineData("1", "needs two or more")]
    [InlineData("1,2,1", "names split seed 1 twice")]
    [InlineData("1,x", "'x' is not a split seed")]
    public void Seeds_must_be_two_or_more_distinct_whole_numbers(string seeds, string message)
    {
        var e = Assert.Throws<AlexNet.Training.AppException>(() => TrainCommand.ParseSeeds(seeds));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal([1UL, 2UL, 3UL], TrainCommand.ParseSeeds("1, 2,3"));
    }

    [Fact]
    public void Settings_differences_are_named_field_by_field_and_what_a_run_measures_is_not_one()
    {
        var run = RunState.Config(TestStates.Mini());
        var other = run with
        {
            BatchSize = 16,
            Optimizer = run.Optimizer with { LearningRate = 0.1 },
            Preprocessing = run.Preprocessing with { StoredSize = 80 }, // measured per split: not a setting
            Backend = "reference", // may change on resuming
        };

        var differences = SettingsDifference.Between(run, other, "runs/a", "this command");

        Assert.Equal(["batch_size: 8 in runs/a, 16 in this command", "optimizer.learning_rate: 0.01 in runs/a, 0.1 in this command"], differences);
        Assert.Empty(SettingsDifference.Between(run, run with { Backend = "reference" }, "runs/a", "this command"));
    }

    [Fact]
    public async Task Seeds_train_one_run_per_split_and_write_the_summary_the_issue_asks_for()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, Args("--seeds", "1,2", "--seed", "5", "--name", "s"));

        Assert.True(result.ExitCode == 0, result.Error);
        using var summary = JsonDocument.Parse(File.ReadAllText(work.Combine("runs", "s", "summary.json")));
        var root = summary.RootElement;
        Assert.Equal("mini", root.GetProperty("model").GetString());
        Assert.Equal("4/2/2", root.GetProperty("split").GetString());
        Assert.Equal("alexnet train --model mini --synthetic --synthetic-images 8 --batch-size 4 --epochs 2 --threads 1 --seeds 1,2 --seed 5 --name s", root.GetProperty("command").GetString());
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([1UL, 2UL], runs.Select(r => r.GetProperty("split_seed").GetUInt64()));
        var tests = new List<double>();
        var vals = new List<double>();
        foreach (var (run, k) in runs.Zip([1, 2]))
        {
            string folder = work.Combine("runs", $"s-split{k}");
            var state = Checkpoint.Read(Path.Combine(folder, "last.safetensors")).State;
            using var testJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, TestScore.FileName)));
            var test = testJson.RootElement;
            Assert.Equal(((ulong)k, 5UL), (state.SplitSeed!.Value, state.Seed));
            Assert.Equal(5UL, run.GetProperty("seed").GetUInt64());
            Assert.Equal(state.BestEpoch, run.GetProperty("best_epoch").GetInt32());
            Assert.Equal(state.BestEpoch, test.GetProperty("epoch").GetInt32());
            Assert.Equal(state.BestValidationTop1, run.GetProperty("val_top1").GetDouble());
            Assert.Equal(test.GetProperty("top1").GetDouble(), run.GetProperty("test_top1").GetDouble());
            Assert.Equal((1, 1, 8), (run.GetProperty("test_crops").GetInt32(), test.GetProperty("crops").GetInt32(), test.GetProperty("images").GetInt32()));
            Assert.Equal($"runs/s-split{k}", run.GetProperty("folder").GetString());
            Assert.True(run.GetProperty("wall_seconds").GetDouble() >= run.GetProperty("train_seconds").GetDouble());
            Assert.InRange(run.GetProperty("test_top1").GetDouble(), 0, 1);
            tests.Add(run.GetProperty("test_top1").GetDouble());
            vals.Add(run.GetProperty("val_top1").GetDouble());
        }
        Assert.Equal(tests.Average(), root.GetProperty("mean_test_top1").GetDouble(), 12);
        Assert.Equal(Math.Abs(tests[0] - tests[1]) / Math.Sqrt(2), root.GetProperty("std_test_top1").GetDouble(), 12);
        Assert.Equal(vals.Average(), root.GetProperty("mean_val_top1").GetDouble(), 12);
        Assert.Equal(Math.Abs(vals[0] - vals[1]) / Math.Sqrt(2), root.GetProperty("std_val_top1").GetDouble(), 12);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(work.Combine("runs", "s", "summary.png"))[..4]);
        Assert.Contains("split seed   seed  best epoch  val top-1  test top-1", result.Output, StringComparison.Ordinal);
        Assert.Contains("mean ± std (n - 1): val top-1 ", result.Output, StringComparison.Ordinal);
        Assert.Contains("With 8 test images one test top-1 moves by about ±", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_finished_split_is_reused_and_an_unfinished_one_resumes_to_the_same_scores()
    {
        using var work = TestFiles.NewFolder();
        var whole = await AppRunner.RunAsync(work.Path, null, Args("--seeds", "1,2", "--name", "whole"));
        Assert.True(whole.ExitCode == 0, whole.Error);
        // Split 1 made by hand, as train --split-seed 1 makes it (the coordinator's runs); split 2 stopped after 3 of its 8 steps.
        var byHand = await AppRunner.RunAsync(work.Path, null, Args("--split-seed", "1", "--name", "parts-split1"));
        var stopped = await AppRunner.RunAsync(work.Path, null, Args("--split-seed", "2", "--name", "parts-split2", "--max-steps", "3"));
        Assert.True(byHand.ExitCode == 0 && stopped.ExitCode == 0, byHand.Error + stopped.Error);
        string reusedHash = Hash(work.Combine("runs", "parts-split1", "last.safetensors"));

        var result = await AppRunner.RunAsync(work.Path, null, Args("--seeds", "1,2", "--name", "parts"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Split seed 1 (1 of 2): runs/parts-split1 has finished (end of epoch 2, best epoch ", result.Output, StringComparison.Ordinal);
        Assert.Contains("Split seed 2 (2 of 2): runs/parts-split2 stopped at epoch 1, step 3; resuming it.", result.Output, StringComparison.Ordinal);
        Assert.Equal(reusedHash, Hash(work.Combine("runs", "parts-split1", "last.safetensors")));
        var expected = SplitSummary.FromJson(File.ReadAllText(work.Combine("runs", "whole", "summary.json")));
        var actual = SplitSummary.FromJson(File.ReadAllText(work.Combine("runs", "parts", "summary.json")));
        Assert.Equal(expected.Runs.Select(r => (r.BestEpoch, r.ValTop1, r.TestTop1, r.TestTop5)), actual.Runs.Select(r => (r.BestEpoch, r.ValTop1, r.TestTop1, r.TestTop5)));
        Assert.Equal((expected.MeanTestTop1, expected.StdTestTop1), (actual.MeanTestTop1, actual.StdTestTop1));
        var uninterrupted = TestScore.Read(work.Combine("runs", "whole-split2"))!;
        Assert.Equal(uninterrupted, TestScore.Read(work.Combine("runs", "parts-split2"))! with { Seconds = uninterrupted.Seconds });
    }

    [Fact]
    public async Task A_resumed_split_keeps_the_rate_its_plateau_rule_reached_when_the_command_spells_the_starting_rate()
    {
        using var work = TestFiles.NewFolder();
        // A rate too small to move the 8 validation images' error: the plateau rule (patience 1) divides it after
        // epoch 2, and --lr names the starting rate, as a recipe's command does.
        string[] plateau = ["train", "--model", "mini", "--synthetic", "--synthetic-images", "8", "--batch-size", "4", "--epochs", "3", "--threads", "1",
            "--schedule", "plateau", "--patience", "1", "--lr", "1e-6"];
        var whole = await AppRunner.RunAsync(work.Path, null, [.. plateau, "--seeds", "1,2", "--name", "whole"]);
        var byHand = await AppRunner.RunAsync(work.Path, null, [.. plateau, "--split-seed", "1", "--name", "parts-split1"]);
        // Stopped in epoch 3, where the rate is 1e-7.
        var stopped = await AppRunner.RunAsync(work.Path, null, [.. plateau, "--split-seed", "2", "--name", "parts-split2", "--max-steps", "10"]);
        Assert.True(whole.ExitCode == 0 && byHand.ExitCode == 0 && stopped.ExitCode == 0, whole.Error + byHand.Error + stopped.Error);
        var divided = Checkpoint.Read(work.Combine("runs", "parts-split2", "last.safetensors")).State;
        Assert.True(divided.ScheduleState.Rate < 1e-6, $"the set-up expects the plateau rule to have divided the rate by epoch 3; it is {divided.ScheduleState.Rate}");

        var result = await AppRunner.RunAsync(work.Path, null, [.. plateau, "--seeds", "1,2", "--name", "parts"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("Changed on resuming", result.Output, StringComparison.Ordinal);
        var uninterrupted = TestScore.Read(work.Combine("runs", "whole-split2"))!;
        Assert.Equal(uninterrupted, TestScore.Read(work.Combine("runs", "parts-split2"))! with { Seconds = uninterrupted.Seconds });
    }

    [Fact]
    public async Task A_split_made_with_other_settings_is_refused_field_by_field_before_anything_trains()
    {
        using var work = TestFiles.NewFolder();
        var other = await AppRunner.RunAsync(work.Path, null, [.. Args("--split-seed", "2", "--name", "s-split2"), "--lr", "0.02", "--dropout", "0.25"]);
        Assert.True(other.ExitCode == 0, other.Error);
        string hash = Hash(work.Combine("runs", "s-split2", "last.safetensors"));

        var result = await AppRunner.RunAsync(work.Path, null, Args("--seeds", "1,2", "--name", "s"));

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains("runs/s-split2 holds a run made with other settings, so it is neither reused nor overwritten: optimizer.learning_rate: 0.02 in runs/s-split2, 0.01 in this command; dropout: 0.25 in runs/s-split2, none in this command.", result.Error, StringComparison.Ordinal);
        Assert.Equal(hash, Hash(work.Combine("runs", "s-split2", "last.safetensors")));
        Assert.False(Directory.Exists(work.Combine("runs", "s-split1")), "split 1 trained before the mismatch of split 2 was found");
    }

    [Fact]
    public async Task Ctrl_C_stops_the_split_in_training_and_the_printed_command_continues_the_splits()
    {
        using var work = TestFiles.NewFolder();
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        string[] args = Args("--seeds", "1,2", "--name", "s");

        // Split 1 takes steps 1-8; the stop comes in step 2 of split 2 (its own step count).
        int steps = 0;
        var stopped = await AppRunner.RunAsync(work.Path, null, (_, _) => { if (++steps == 10) { interrupt.Cancel(); } }, interrupt.Token, args);

        Assert.True(stopped.ExitCode == AppHost.Interrupted, stopped.Error);
        string continueLine = "Stopped in split seed 2 (2 of 2). To continue all 2 splits (finished ones are reused), run the same command again: ";
        Assert.Contains(continueLine + "alexnet " + string.Join(' ', args), stopped.Output, StringComparison.Ordinal);
        Assert.Equal((0, 2), (Checkpoint.Read(work.Combine("runs", "s-split2", "last.safetensors")).State.Epoch, Checkpoint.Read(work.Combine("runs", "s-split2", "last.safetensors")).State.StepInEpoch));
        Assert.False(File.Exists(work.Combine("runs", "s", "summary.json")));

        var continued = await AppRunner.RunAsync(work.Path, null, args);

        Assert.True(continued.ExitCode == 0, continued.Error);
        Assert.Contains("runs/s-split1 has finished", continued.Output, StringComparison.Ordinal);
        Assert.Contains("runs/s-split2 stopped at epoch 1, step 2; resuming it.", continued.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(work.Combine("runs", "s", "summary.json")));
    }

    [Fact]
    public async Task Summarize_only_refuses_missing_and_unfinished_splits_and_scores_a_run_without_test_json()
    {
        using var work = TestFiles.NewFolder();
        string[] summarize = ["train", "--seeds", "1,2", "--name", "s", "--summarize-only", "--threads", "1"];
        var first = await AppRunner.RunAsync(work.Path, null, Args("--split-seed", "1", "--name", "s-split1"));
        Assert.True(first.ExitCode == 0, first.Error);

        var missing = await AppRunner.RunAsync(work.Path, null, summarize);
        Assert.Equal(AppHost.Failure, missing.ExitCode);
        Assert.Contains("Split seed 2 has no run: runs/s-split2/last.safetensors does not exist. Train it with the same command without --summarize-only.", missing.Error, StringComparison.Ordinal);

        var stopped = await AppRunner.RunAsync(work.Path, null, Args("--split-seed", "2", "--name", "s-split2", "--max-steps", "5"));
        Assert.True(stopped.ExitCode == 0, stopped.Error);
        var unfinished = await AppRunner.RunAsync(work.Path, null, summarize);
        Assert.Equal(AppHost.Failure, unfinished.ExitCode);
        Assert.Contains("runs/s-split2 is unfinished: it stands at epoch 2, step 1 of 2 epochs.", unfinished.Error, StringComparison.Ordinal);

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/s-split2", "--threads", "1");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        // A run from before test.json existed: only its checkpoints and its confusion matrix.
        var recorded = TestScore.Read(work.Combine("runs", "s-split1"))!;
        File.Delete(work.Combine("runs", "s-split1", TestScore.FileName));

        var summary = await AppRunner.RunAsync(work.Path, null, summarize);

        Assert.True(summary.ExitCode == 0, summary.Error);
        Assert.Contains("runs/s-split1 has no test.json for its best epoch", summary.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Training mini", summary.Output, StringComparison.Ordinal);
        var rescored = TestScore.Read(work.Combine("runs", "s-split1"))!;
        Assert.Equal(recorded, rescored with { Seconds = recorded.Seconds }); // the same evaluation as train's
        var written = SplitSummary.FromJson(File.ReadAllText(work.Combine("runs", "s", "summary.json")));
        Assert.Equal([recorded.Top1, TestScore.Read(work.Combine("runs", "s-split2"))!.Top1], written.Runs.Select(r => r.TestTop1));
        Assert.Equal("alexnet " + string.Join(' ', summarize), written.Command);

        var otherCrops = await AppRunner.RunAsync(work.Path, null, [.. summarize, "--tta"]);
        Assert.Equal(AppHost.Failure, otherCrops.ExitCode);
        Assert.Contains("runs/s-split1/test.json was scored with the centre crop, but this command asks for the 10 crops (--tta); leave out --tta", otherCrops.Error, StringComparison.Ordinal);
    }
}
