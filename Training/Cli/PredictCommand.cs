using System.CommandLine;
using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet predict</c>: the top-5 classes of each image, preprocessed exactly as in training.</summary>
public static class PredictCommand
{
    public static Command Create(AppContext app)
    {
        var checkpointOption = new Option<FileInfo>("--checkpoint") { Description = "The trained checkpoint, e.g. runs/alexnet-oxflower17/best.safetensors.", HelpName = "FILE", Required = true };
        var imagesArgument = new Argument<FileInfo[]>("IMAGE") { Description = "Image files to classify (JPEG, PNG, …), or folders: every image in a folder is classified.", Arity = ArgumentArity.OneOrMore };
        var tta = CommonOptions.TenCrop("Average the softmax over the paper's 10 crops instead of the centre crop.");
        var backendOption = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var maxPixels = CommonOptions.MaxPixels();
        var command = new Command("predict", "Classify images with a trained checkpoint: for each image, five lines of class name and probability, most likely first. An unreadable image is skipped with a warning (the exit code is then 1).")
        {
            checkpointOption, imagesArgument, tta, backendOption, threads, maxPixels,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Read(parse.GetValue(checkpointOption)!.FullName);
            var state = checkpoint.State;
            var given = ExpandFolders(parse.GetValue(imagesArgument)!);
            var decoder = new ImageDecoder(parse.GetValue(maxPixels));
            var files = new List<FileInfo>();
            var pixels = new List<byte[]>();
            var rejected = new List<ImageRejectedException>();
            foreach (var file in given)
            {
                try
                {
                    pixels.Add(decoder.Load(file.FullName, state.Preprocessing.StoredSize));
                    files.Add(file);
                }
                catch (ImageRejectedException e)
                {
                    rejected.Add(e);
                }
            }
            if (given.Length == 1 && rejected.Count == 1)
            {
                throw new AppException($"Cannot classify {rejected[0].Message}.", rejected[0]);
            }
            // One bad file among many does not stop the others; the exit code still says that something failed.
            foreach (var e in rejected)
            {
                app.Warn($"cannot classify {e.Message}; going on with the other images.");
            }
            if (files.Count == 0)
            {
                throw new AppException($"None of the {given.Length} images could be read (see the warnings above).");
            }
            var images = new ImageSet(state.Preprocessing.StoredSize, pixels, [.. files.Select(_ => 0)], [.. files.Select(f => f.FullName)]);
            using var backend = CommonOptions.CreateBackend(parse.GetValue(backendOption)!, parse.GetValue(threads));
            using var model = ModelLoader.Load(checkpoint, backend);
            int maxOffset = state.Preprocessing.StoredSize - state.Preprocessing.CropSize;
            var crops = parse.GetValue(tta) ? Augmentation.TenCrops(maxOffset) : [Augmentation.Centre(maxOffset)];
            var pipeline = new InputPipeline(images, state.Preprocessing, batchSize: Math.Min(files.Count, 16));
            int classes = state.ClassNames.Count;
            var sum = new double[images.Count * classes];
            using var step = new InferenceStep(model);
            using var deviceBatch = new DeviceBatch(backend, model.InputShape);
            using (var queue = pipeline.Evaluation(crops, cancellationToken))
            {
                while (queue.Next() is { } batch)
                {
                    using (batch)
                    {
                        deviceBatch.Load(batch, labels: false);
                        float[] probabilities = step.Probabilities(deviceBatch);
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
                foreach (int c in Scoring.TopK(row, Math.Min(5, classes)))
                {
                    app.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {state.ClassNames[c],-20} {row[c]:0.0000}"));
                }
            }
            if (rejected.Count > 0)
            {
                throw new AppException($"{rejected.Count} of {given.Length} images could not be classified (see the warnings above); the results above are for the other {files.Count}.");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>The files to classify: each file as given, and for each folder its image files in name order.</summary>
    /// <exception cref="AppException">A folder holds no image files.</exception>
    private static FileInfo[] ExpandFolders(FileInfo[] given)
    {
        var files = new List<FileInfo>();
        foreach (var item in given)
        {
            if (!Directory.Exists(item.FullName))
            {
                files.Add(item);
                continue;
            }
            var images = Directory.EnumerateFiles(item.FullName).Where(ImageFolder.IsImageFile).Order(StringComparer.Ordinal).ToList();
            if (images.Count == 0)
            {
                throw new AppException($"The folder {item.FullName} holds no image files; expected images with one of the extensions {string.Join(", ", ImageFolder.ImageExtensions.Order(StringComparer.Ordinal))}.");
            }
            files.AddRange(images.Select(path => new FileInfo(path)));
        }
        return [.. files];
    }
}
