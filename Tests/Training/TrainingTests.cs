using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;

namespace AlexNet.Tests.Training;

/// <summary>End-to-end runs of <c>alexnet train</c> on the <c>mini</c> model and the synthetic data set (seconds each, offline).</summary>
public sealed class TrainingTests
{
    // 4 classes × 40 images → 80 training images; batch 8 → 10 steps per epoch.
    private static readonly string[] Mini = ["train", "--model", "mini", "--synthetic", "--batch-size", "8", "--seed", "7"];

    private static string[] Args(params string[] more) => [.. Mini, .. more];

    private static Dictionary<string, SafeTensor> Tensors(string file) => Checkpoint.Read(file).Tensors.ToDictionary();

    private static void AssertBitIdentical(string expectedFile, string actualFile)
    {
        var expected = Tensors(expectedFile);
        var actual = Tensors(actualFile);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            int firstDifference = tensor.Data.AsSpan().CommonPrefixLength(actual[name].Data);
            Assert.True(firstDifference == tensor.Data.Length, $"{name} differs from byte {firstDifference} of {tensor.Data.Length}");
        }
    }

    private static double[][] Metrics(string runFolder) =>
        [.. File.ReadAllLines(Path.Combine(runFolder, "metrics.csv")).Skip(1)
            .Select(line => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];

    [Fact]
    public async Task Mini_training_on_synthetic_data_lowers_the_loss_and_writes_the_run_folder()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "4", "--name", "run"));

        Assert.True(result.ExitCode == 0, result.Error);
        string run = work.Combine("runs", "run");
        var metrics = Metrics(run);
        Assert.Equal(4, metrics.Length);
        Assert.True(metrics[^1][2] < metrics[0][2], $"train loss went from {metrics[0][2]} to {metrics[^1][2]}");
        Assert.True(metrics[^1][4] < Math.Log(4), $"final validation loss {metrics[^1][4]} is not below chance (ln 4)");
        foreach (string file in new[] { "last.safetensors", "best.safetensors", "metrics.csv", "loss.png", "accuracy.png", "confusion_matrix.png", "confusion_matrix.txt" })
        {
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} is missing");
        }
        Assert.Equal(4, result.Output.Split('\n').Count(line => line.StartsWith("epoch ", StringComparison.Ordinal)));
        Assert.Contains("Test (40 images", result.Output, StringComparison.Ordinal);
        Assert.Equal("he", Checkpoint.Read(Path.Combine(run, "last.safetensors")).State.Initialization);
    }

    [Fact]
    public async Task The_split_seed_and_the_warm_up_are_kept_in_the_checkpoint_and_cannot_change_on_resuming()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--split-seed", "5", "--warmup-epochs", "2", "--name", "run"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("split seed 5, seed 7", result.Output, StringComparison.Ordinal);
        var state = Checkpoint.Read(work.Combine("runs", "run", "last.safetensors")).State;
        Assert.Equal((5UL, 7UL, 2), (state.SplitSeed, state.Seed, state.ScheduleWarmupEpochs));
        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", work.Combine("runs", "run"), "--epochs", "2", "--split-seed", "6", "--warmup-epochs", "3");
        Assert.NotEqual(0, resumed.ExitCode);
        Assert.Contains("--split-seed, --warmup-epochs cannot change when resuming", resumed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_plateau_schedule_ends_a_stalled_run_after_three_divisions_of_the_rate()
    {
        using var work = TestFiles.NewFolder();

        // A rate this small leaves the validation error where the first epoch put it: every later epoch stalls.
        var result = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "20", "--lr", "1e-12", "--schedule", "plateau", "--patience", "1", "--name", "run"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(5, Metrics(work.Combine("runs", "run")).Length);
        Assert.Contains("Validation error has not improved for 1 epoch after 3 divisions of the learning rate: the run has converged and ends at epoch 5", result.Output, StringComparison.Ordinal);
        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", work.Combine("runs", "run"), "--epochs", "30");
        Assert.Contains("converged at epoch 5", resumed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_image_folder_data_set_trains_with_class_names_from_its_folders()
    {
        using var work = TestFiles.NewFolder();
        for (int i = 0; i < 8; i++)
        {
            TestFiles.WriteImage(work.Combine("pets", "cats", $"{i}.png"), 40 + i, 30, i);
            TestFiles.WriteImage(work.Combine("pets", "dogs", $"{i}.jpg"), 30, 40 + i, 50 + i);
        }
        File.WriteAllText(work.Combine("pets", "dogs", "corrupt.jpg"), "not a jpeg");

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--data", work.Combine("pets"), "--split", "4/2/2", "--batch-size", "4", "--epochs", "1");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("corrupt.jpg", result.Error, StringComparison.Ordinal);
        Assert.Contains("1 unreadable file(s) left out of the split", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"image folders, 2 classes, [78] train / [34] val images \(split 4/2/2", result.Output); // the corrupt file may fall in either
        Assert.Equal(["cats", "dogs"], Checkpoint.Read(work.Combine("runs", "mini-pets", "last.safetensors")).State.ClassNames);
    }

    [Fact]
    public async Task A_class_without_one_readable_image_stops_the_run_before_training()
    {
        using var work = TestFiles.NewFolder();
        Directory.CreateDirectory(work.Combine("pets", "junk"));
        for (int i = 0; i < 8; i++)
        {
            TestFiles.WriteImage(work.Combine("pets", "cats", $"{i}.png"), 40, 30, i);
            TestFiles.WriteImage(work.Combine("pets", "dogs", $"{i}.png"), 30, 40, 50 + i);
            File.WriteAllText(work.Combine("pets", "junk", $"{i}.jpg"), "not a jpeg");
        }

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--data", work.Combine("pets"), "--split", "4/2/2", "--batch-size", "4", "--epochs", "1");

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Equal("alexnet: error: Class 'junk' (8 file(s), none readable) has no readable image, so it cannot be learnt or scored; expected at least one per class: replace the files listed above, or remove the class folder.",
            result.Error.TrimEnd().Split('\n')[^1]);
        Assert.False(Directory.Exists(work.Combine("runs")));
    }

    [Fact]
    public async Task A_class_without_readable_validation_images_is_a_warning()
    {
        using var work = TestFiles.NewFolder();
        for (int i = 0; i < 6; i++)
        {
            TestFiles.WriteImage(work.Combine("pets", "cats", $"{i}.png"), 40, 30, i);
            TestFiles.WriteImage(work.Combine("pets", "dogs", $"{i}.png"), 30, 40, 50 + i);
        }
        var catalog = AlexNet.Training.Data.DataCatalog.FromFolder(work.Combine("pets"));
        var split = AlexNet.Training.Data.DataSplit.Create(catalog.Items, catalog.ClassNames, AlexNet.Training.Data.SplitSpec.Parse("4/2/0"), seed: 1);
        // Damaged past the header check, so they keep their places in the split and fail only when decoded.
        foreach (var item in split.Validation.Where(item => item.Label == 1))
        {
            File.WriteAllBytes(item.Source, TestFiles.PngWithCorruptPixels(File.ReadAllBytes(item.Source)));
        }

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--data", work.Combine("pets"), "--split", "4/2/0", "--batch-size", "4", "--epochs", "1");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("warning: class 'dogs' (2 validation file(s), none readable) has no validation images: the validation scores say nothing about it.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_command_gives_the_same_run_bit_for_bit()
    {
        using var work = TestFiles.NewFolder();

        var first = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "2", "--name", "a"));
        var second = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "2", "--name", "b"));

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        AssertBitIdentical(work.Combine("runs", "a", "last.safetensors"), work.Combine("runs", "b", "last.safetensors"));
    }

    [Theory]
    [InlineData(13, "Interrupted at epoch 2, step 3; saved runs/parts/last.safetensors.")] // in the middle of epoch 2
    [InlineData(10, "Interrupted after epoch 1 finished; saved runs/parts/last.safetensors.")] // in the last step of epoch 1: the epoch still validates and is saved
    public async Task Interrupted_and_resumed_run_ends_with_the_same_weights_as_an_uninterrupted_one(int stopAfterStep, string stopLine)
    {
        using var work = TestFiles.NewFolder();
        var whole = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "3", "--name", "whole"));
        Assert.Equal(0, whole.ExitCode);

        // Ctrl+C after step stopAfterStep of 30, then resume.
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stopped = await AppRunner.RunAsync(work.Path, null, (step, _) => { if (step == stopAfterStep) { interrupt.Cancel(); } }, interrupt.Token,
            Args("--epochs", "3", "--name", "parts"));
        Assert.True(stopped.ExitCode == AppHost.Interrupted, stopped.Error);
        Assert.Contains(stopLine + " Resume with: alexnet train --resume runs/parts --epochs 3", stopped.Output, StringComparison.Ordinal);
        var saved = Checkpoint.Read(work.Combine("runs", "parts", "last.safetensors")).State;
        Assert.Equal((stopAfterStep / 10, stopAfterStep % 10, (long)stopAfterStep), (saved.Epoch, saved.StepInEpoch, saved.GlobalStep));

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/parts", "--epochs", "3");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        AssertBitIdentical(work.Combine("runs", "whole", "last.safetensors"), work.Combine("runs", "parts", "last.safetensors"));
        AssertBitIdentical(work.Combine("runs", "whole", "best.safetensors"), work.Combine("runs", "parts", "best.safetensors"));
        var expected = Metrics(work.Combine("runs", "whole"));
        var actual = Metrics(work.Combine("runs", "parts"));
        Assert.Equal(expected.Select(row => row[..7]), actual.Select(row => row[..7])); // all but the timings
    }

    [Fact]
    public async Task Ctrl_C_in_the_last_step_of_the_run_saves_the_epoch_and_skips_only_the_test()
    {
        using var work = TestFiles.NewFolder();
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var stopped = await AppRunner.RunAsync(work.Path, null, (step, _) => { if (step == 10) { interrupt.Cancel(); } }, interrupt.Token,
            Args("--epochs", "1", "--name", "r"));

        Assert.True(stopped.ExitCode == AppHost.Interrupted, stopped.Error);
        Assert.Contains("Interrupted after the last epoch (1) finished; saved runs/r/last.safetensors. The test was skipped; score it with: alexnet evaluate --checkpoint runs/r/best.safetensors",
            stopped.Output, StringComparison.Ordinal);
        Assert.Equal(1, Checkpoint.Read(work.Combine("runs", "r", "last.safetensors")).State.Epoch);
        Assert.Equal(1, Checkpoint.Read(work.Combine("runs", "r", "best.safetensors")).State.BestEpoch);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")] // m, v and t in the checkpoint; the decoupled decay of weights, not biases
    public async Task Resuming_at_an_epoch_boundary_with_more_epochs_continues_exactly(string optimizer)
    {
        using var work = TestFiles.NewFolder();
        var whole = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "2", "--name", "whole", "--optimizer", optimizer));
        var part = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "part", "--optimizer", optimizer));

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/part", "--epochs", "2");

        Assert.Equal((0, 0, 0), (whole.ExitCode, part.ExitCode, resumed.ExitCode));
        Assert.Contains("Resuming runs/part at epoch 2", resumed.Output, StringComparison.Ordinal);
        AssertBitIdentical(work.Combine("runs", "whole", "last.safetensors"), work.Combine("runs", "part", "last.safetensors"));
    }

    [Fact]
    public async Task The_dropout_rate_is_kept_in_the_checkpoint_and_a_resumed_run_continues_with_it_exactly()
    {
        using var work = TestFiles.NewFolder();
        var whole = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "2", "--name", "whole", "--dropout", "0.2"));
        var part = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "part", "--dropout", "0.2"));
        var none = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "none", "--dropout", "0"));

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/part", "--epochs", "2");

        Assert.Equal((0, 0, 0, 0), (whole.ExitCode, part.ExitCode, none.ExitCode, resumed.ExitCode));
        Assert.Contains("dropout 0.2;", whole.Output, StringComparison.Ordinal);
        Assert.Equal(0.2f, Checkpoint.Read(work.Combine("runs", "part", "last.safetensors")).State.Dropout);
        AssertBitIdentical(work.Combine("runs", "whole", "last.safetensors"), work.Combine("runs", "part", "last.safetensors"));
        // Without dropout no mask is ever drawn: every layer's mask counter is still 0 after 10 steps.
        var state = Checkpoint.Read(work.Combine("runs", "none", "last.safetensors")).State;
        Assert.Equal(0f, state.Dropout);
        var offsets = state.Counters.Where(c => c.Key.EndsWith(".offset", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(offsets);
        Assert.All(offsets, c => Assert.Equal(0ul, c.Value));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("-0.1")]
    public async Task A_dropout_rate_outside_0_to_1_is_refused_before_training(string rate)
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "r", "--dropout", rate));

        Assert.Equal(AppHost.UsageError, result.ExitCode);
        Assert.Contains($"--dropout {rate} is out of range; expected a probability in [0, 1)", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Raises the learning rate a checkpoint's run continues with, as if the run had been started with it.</summary>
    private static void SetLearningRate(string checkpoint, double rate)
    {
        IReadOnlyList<SafeTensor> tensors;
        Dictionary<string, string> metadata;
        using (var stream = File.OpenRead(checkpoint))
        {
            var read = SafeTensors.Read(stream);
            (tensors, metadata) = (read.Tensors, read.Metadata.ToDictionary());
        }
        var state = TrainingState.FromJson(metadata["state"]);
        metadata["state"] = (state with { Optimizer = state.Optimizer with { LearningRate = rate } }).ToJson();
        using var output = File.Create(checkpoint);
        SafeTensors.Write(output, tensors, metadata);
    }

    [Fact]
    public async Task A_divergence_after_a_good_epoch_leaves_its_checkpoints_untouched_and_says_so_on_stderr()
    {
        using var work = TestFiles.NewFolder();
        // Batch 32: 2 steps an epoch. At rate 100 the second step's loss is finite but far above chance (the divergence watch
        // stops there), or, where it stays below that, the weights it leaves give NaN and only validation sees it.
        var good = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "1", "--name", "boom");
        Assert.True(good.ExitCode == 0, good.Error);
        string last = work.Combine("runs", "boom", "last.safetensors"), best = work.Combine("runs", "boom", "best.safetensors");
        SetLearningRate(last, 100);
        byte[] lastBefore = File.ReadAllBytes(last), bestBefore = File.ReadAllBytes(best);

        var result = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/boom", "--epochs", "3");

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.Matches("^alexnet: error: The (validation loss of epoch 2 is NaN: the weights diverged, so they were not saved|training loss reached .* at epoch 2, step [12], .* the training is diverging, so it stops before the loss turns into NaN|training loss of epoch 2 averaged .* the training is diverging, so the epoch was not saved)\\. ", result.Error);
        Assert.EndsWith($"The last good checkpoint, {last} (end of epoch 1), is untouched. Continue from it with a smaller learning rate: alexnet train --resume runs/boom --epochs 3 --lr 10.", result.Error.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(lastBefore, File.ReadAllBytes(last));
        Assert.Equal(bestBefore, File.ReadAllBytes(best));
        Assert.Single(Checkpoint.Read(last).State.History);
    }

    [Fact]
    public async Task A_run_that_diverges_in_its_first_epoch_writes_no_checkpoint_and_says_so()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "3", "--name", "boom", "--lr", "1e30"));

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.Matches(@"^alexnet: error: The (training|validation) loss (became (NaN|Infinity|-Infinity)|reached .* the training is diverging|of epoch 1 is (NaN|Infinity|-Infinity)).* No checkpoint was written yet\. Start the run again with a smaller learning rate than 1E\+30, e\.g\. --lr 1E\+29\.", result.Error);
        Assert.False(File.Exists(work.Combine("runs", "boom", "last.safetensors")));
        Assert.False(File.Exists(work.Combine("runs", "boom", "best.safetensors")));
    }

    [Fact]
    public async Task Evaluate_and_predict_use_the_checkpoint_and_its_preprocessing()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "2", "--name", "r", "--classes", "6", "--synthetic-images", "12"));
        Assert.True(trained.ExitCode == 0, trained.Error);
        string checkpoint = work.Combine("runs", "r", "best.safetensors");
        TestFiles.WriteImage(work.Combine("flower.png"), 90, 70, 3);
        TestFiles.WriteImage(work.Combine("other.jpg"), 50, 80, 9);

        var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", checkpoint, "--confusion-png", work.Combine("cm.png"));
        var predicted = await AppRunner.RunAsync(work.Path, null, "predict", "--checkpoint", checkpoint, work.Combine("flower.png"), work.Combine("other.jpg"));

        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        string testLine = trained.Output.Split('\n').Single(l => l.StartsWith("Test (", StringComparison.Ordinal));
        string top1 = testLine[testLine.IndexOf("top-1", StringComparison.Ordinal)..testLine.IndexOf("top-5", StringComparison.Ordinal)].Trim();
        Assert.Contains(top1, evaluated.Output, StringComparison.Ordinal); // the same score the training run reported
        Assert.True(File.Exists(work.Combine("cm.png")));
        Assert.True(predicted.ExitCode == 0, predicted.Error);
        string[] lines = predicted.Output.TrimEnd().Split('\n');
        Assert.Equal(12, lines.Length);
        Assert.Equal(["flower.png:", "other.jpg:"], new[] { lines[0], lines[6] });
        var probabilities = lines.Skip(1).Take(5).Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(probabilities.OrderDescending(), probabilities);
        Assert.InRange(probabilities.Sum(), 0.5, 1.0001);
        Assert.All(lines.Skip(1).Take(5), l => Assert.Matches(@"^  pattern-\d\s+0\.\d{4}$", l));
    }

    [Fact]
    public async Task Predict_skips_an_unreadable_image_with_a_warning_and_fails_at_the_end()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "r", "--synthetic-images", "8"));
        Assert.True(trained.ExitCode == 0, trained.Error);
        TestFiles.WriteImage(work.Combine("good.png"), 90, 70, 3);
        TestFiles.WriteImage(work.Combine("cut.jpg"), 90, 70, 4);
        File.WriteAllBytes(work.Combine("cut.jpg"), TestFiles.CutInScanData(File.ReadAllBytes(work.Combine("cut.jpg"))));

        var predicted = await AppRunner.RunAsync(work.Path, null, "predict", "--checkpoint", work.Combine("runs", "r", "best.safetensors"),
            work.Combine("cut.jpg"), work.Combine("good.png"), work.Combine("missing.png"));

        Assert.Equal(AppHost.Failure, predicted.ExitCode);
        string[] lines = predicted.Output.TrimEnd().Split('\n');
        Assert.Equal(5, lines.Length); // the name and the top 4 of the 4 classes
        Assert.Equal("good.png:", lines[0]);
        string[] errors = predicted.Error.TrimEnd().Split('\n');
        Assert.Equal(3, errors.Length);
        Assert.StartsWith($"warning: cannot classify {work.Combine("cut.jpg")}: truncated: ", errors[0], StringComparison.Ordinal);
        Assert.StartsWith($"warning: cannot classify {work.Combine("missing.png")}: ", errors[1], StringComparison.Ordinal);
        Assert.Equal("alexnet: error: 2 of 3 images could not be classified (see the warnings above); the results above are for the other 1.", errors[2]);
    }

    [Fact]
    public async Task A_damaged_last_checkpoint_on_resume_points_to_the_best_one()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "r", "--synthetic-images", "8"));
        Assert.True(trained.ExitCode == 0, trained.Error);
        string last = work.Combine("runs", "r", "last.safetensors"), best = work.Combine("runs", "r", "best.safetensors");
        byte[] bytes = File.ReadAllBytes(last);
        File.WriteAllBytes(last, bytes[..(bytes.Length / 2)]);

        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/r", "--epochs", "2");
        File.WriteAllBytes(best, bytes[..100]);
        var bothDamaged = await AppRunner.RunAsync(work.Path, null, "train", "--resume", "runs/r", "--epochs", "2");

        Assert.Equal(AppHost.Failure, resumed.ExitCode);
        Assert.Single(resumed.Error.TrimEnd().Split('\n'));
        Assert.StartsWith($"alexnet: error: The checkpoint '{last}' is damaged: ", resumed.Error, StringComparison.Ordinal);
        Assert.EndsWith($" The run's best.safetensors is readable (end of epoch 1): to resume from it, move the damaged last.safetensors aside and copy {best} to {last}.",
            resumed.Error.TrimEnd(), StringComparison.Ordinal);
        Assert.EndsWith(" The run's best.safetensors cannot be read either.", bothDamaged.Error.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_that_does_not_fit_the_model_says_what_differs()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, Args("--epochs", "1", "--name", "r"));
        Assert.Equal(0, trained.ExitCode);
        var checkpoint = Checkpoint.Read(work.Combine("runs", "r", "last.safetensors"));
        using var backend = CommonOptions.CreateBackend("cpu", 1);
        using var model = AlexNet.Layers.Variants.ModelVariants.Get("mini").Build(backend, classes: 5, seed: 1);

        var error = Assert.Throws<AlexNet.Training.AppException>(() => checkpoint.Restore(model, optimizer: null));

        int width = model.Parameters.Single(p => p.Name == "fc8.weight").Shape[1];
        Assert.Contains($"fc8.weight has shape [4, {width}] in the file, the model needs [5, {width}]", error.Message, StringComparison.Ordinal);
        Assert.Contains("fc8.bias has shape [4]", error.Message, StringComparison.Ordinal);
    }
}
