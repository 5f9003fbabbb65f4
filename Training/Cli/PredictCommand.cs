using System.CommandLine;
using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet predict</c>: the top-5 classes of each image, preprocessed exactly as in training.</summary>
public static class PredictCommand
{
    public static Command Create(AppContext app)
    {
        var checkpointOption = new Option<FileInfo>("--checkpoint") { Description = "The trained checkpoint, e.g. runs/alexnet-oxflower17/best.safetensors.", HelpName = "FILE", Required = true };
        var imagesArgument = new Argument<FileInfo[]>("IMAGE") { Description = "Image files to classify (JPEG, PNG, …).", Arity = ArgumentArity.OneOrMore };
        var tta = CommonOptions.TenCrop("Average the softmax over the paper's 10 crops instead of the centre crop.");
        var backendOption = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var maxPixels = CommonOptions.MaxPixels();
        var command = new Command("predict", "Classify images with a trained checkpoint: for each image, five lines of class name and probability, most likely first.")
        {
            checkpointOption, imagesArgument, tta, backendOption, threads, maxPixels,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Read(parse.GetValue(checkpointOption)!.FullName);
            var state = checkpoint.State;
            var files = parse.GetValue(imagesArgument)!;
            var decoder = new ImageDecoder(parse.GetValue(maxPixels));
            var pixels = new List<byte[]>();
            foreach (var file in files)
            {
                try
                {
                    pixels.Add(decoder.Load(file.FullName, state.Preprocessing.StoredSize));
                }
                catch (ImageRejectedException e)
                {
                    throw new AppException($"Cannot classify {e.Message}.", e);
                }
            }
            var images = new ImageSet(state.Preprocessing.StoredSize, pixels, [.. files.Select(_ => 0)], [.. files.Select(f => f.FullName)]);
            using var backend = CommonOptions.CreateBackend(parse.GetValue(backendOption)!, parse.GetValue(threads));
            using var model = ModelLoader.Load(checkpoint, backend);
            int maxOffset = state.Preprocessing.StoredSize - state.Preprocessing.CropSize;
            var crops = parse.GetValue(tta) ? Augmentation.TenCrops(maxOffset) : [Augmentation.Centre(maxOffset)];
            var pipeline = new InputPipeline(images, state.Preprocessing, batchSize: Math.Min(files.Length, 16));
            int classes = state.ClassNames.Count;
            var sum = new double[images.Count * classes];
            using var scorer = new Loop.Evaluator.Scorer(backend, model.InputShape);
            using (var queue = pipeline.Evaluation(crops, cancellationToken))
            {
                while (queue.Next() is { } batch)
                {
                    using (batch)
                    {
                        float[] probabilities = scorer.Probabilities(model, batch);
                        for (int n = 0; n < batch.Count; n++)
                        {
                            for (int c = 0; c < classes; c++)
                            {
                                sum[(batch.ImageIndices[n] * classes) + c] += probabilities[(n * classes) + c] / crops.Length;
                            }
                        }
                    }
                }
            }
            for (int i = 0; i < images.Count; i++)
            {
                var row = sum.AsSpan(i * classes, classes);
                app.WriteLine($"{files[i].Name}:");
                foreach (int c in Loop.Evaluator.TopK(row, Math.Min(5, classes)))
                {
                    app.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {state.ClassNames[c],-20} {row[c]:0.0000}"));
                }
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
