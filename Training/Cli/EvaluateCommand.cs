using System.CommandLine;
using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet evaluate</c>: loss, top-1, top-5 and the confusion matrix of a checkpoint on its run's test split.</summary>
public static class EvaluateCommand
{
    public static Command Create(AppContext app)
    {
        var checkpointOption = new Option<FileInfo>("--checkpoint") { Description = "The checkpoint to evaluate, e.g. runs/alexnet-oxflower17/best.safetensors.", HelpName = "FILE", Required = true };
        var data = CommonOptions.Data();
        data.Description = "Where the run's data is now, if it moved (default: the folder recorded in the checkpoint).";
        var tta = CommonOptions.TenCrop("Average the softmax over the paper's 10 crops (corners and centre, mirrored) instead of the centre crop.");
        var backendOption = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var batchSize = CommonOptions.BatchSize("Images per forward pass (default: the run's batch size).").AtLeast(1);
        var loaderThreads = CommonOptions.LoaderThreads();
        var prefetch = CommonOptions.Prefetch();
        var confusionPng = new Option<FileInfo>("--confusion-png") { Description = "Also draw the confusion matrix as a heat map into this PNG file.", HelpName = "FILE" };
        var command = new Command("evaluate", "Score a checkpoint on the test split of the data it was trained on (the same seeded split): loss, top-1, top-5 and the confusion matrix.")
        {
            checkpointOption, data, tta, backendOption, threads, batchSize, loaderThreads, prefetch, confusionPng,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Read(parse.GetValue(checkpointOption)!.FullName);
            var state = checkpoint.State;
            var catalog = TrainCommand.OpenRecordedData(state, parse.GetValue(data)?.FullName, "the checkpoint was trained on");
            var readable = SplitLoader.CheckImages(app, catalog, state.MaxPixels, cancellationToken);
            SplitFingerprint.Verify(state.DataFingerprint, readable, app.Warn);
            var parts = SplitLoader.Load(app, readable, state.DataFingerprint, SplitSpec.Parse(state.Split), state.SplitSeed ?? state.Seed, state.Preprocessing.StoredSize, state.MaxPixels,
                train: false, validation: false, test: true, cancellationToken, state.Augmentation?.StoredShortSide);
            var images = parts.Test!;
            string which = "test";
            if (images.Count == 0)
            {
                images = SplitLoader.Load(app, readable, state.DataFingerprint, SplitSpec.Parse(state.Split), state.SplitSeed ?? state.Seed, state.Preprocessing.StoredSize, state.MaxPixels,
                    train: false, validation: true, test: false, cancellationToken, state.Augmentation?.StoredShortSide).Validation!;
                which = "validation";
                app.WriteLine($"The split {state.Split} has no test images; evaluating on the validation split instead.");
            }
            using var backend = CommonOptions.CreateBackend(parse.GetValue(backendOption)!, parse.GetValue(threads));
            using var model = ModelLoader.Load(checkpoint, backend);
            int maxOffset = state.Preprocessing.StoredSize - state.Preprocessing.CropSize;
            bool tenCrops = parse.GetValue(tta);
            var crops = tenCrops ? Augmentation.TenCrops(maxOffset) : [Augmentation.Centre(maxOffset)];
            var pipeline = new InputPipeline(images, state.Preprocessing, parse.GetValue(batchSize) ?? state.BatchSize, null, parse.GetValue(prefetch), parse.GetValue(loaderThreads));
            var result = Evaluator.Run(model, pipeline, crops, state.ClassNames, cancellationToken);
            app.WriteLine($"{state.Model}, epoch {state.Epoch}, on {catalog.Location} ({which} split {state.Split}, seed {state.Seed}, {result.Count} images, {(tenCrops ? "10 crops" : "centre crop")}):");
            app.WriteLine(result.Confusion.ToText());
            app.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss {result.Loss:0.0000}  top-1 {100 * result.Top1:0.0}%  top-5 {100 * result.Top5:0.0}%"));
            if (parse.GetValue(confusionPng) is { } png)
            {
                result.Confusion.SavePng(png.FullName, string.Create(CultureInfo.InvariantCulture, $"{state.Model} epoch {state.Epoch}: {which} top-1 {100 * result.Top1:0.0}%"));
                app.WriteLine($"Confusion matrix drawn in {png.FullName}.");
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
