using System.CommandLine;
using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Loop;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet predict</c>: the top-5 classes of each image, preprocessed exactly as in training, streamed a few batches at a time (<see cref="FileBatches"/>).</summary>
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
        var loaderThreads = CommonOptions.LoaderThreads();
        var prefetch = CommonOptions.Prefetch();
        var command = new Command("predict", "Classify images with a trained checkpoint: for each image, five lines of class name and probability, most likely first. An unreadable image is skipped with a warning (the exit code is then 1).")
        {
            checkpointOption, imagesArgument, tta, backendOption, threads, maxPixels, loaderThreads, prefetch,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Read(parse.GetValue(checkpointOption)!.FullName);
            var state = checkpoint.State;
            var files = ExpandFolders(parse.GetValue(imagesArgument)!);
            var decoder = new ImageDecoder(parse.GetValue(maxPixels));
            if (files.Length == 1)
            {
                // One image: say what is wrong with it before loading the network.
                try
                {
                    decoder.Check(files[0].FullName);
                }
                catch (ImageRejectedException e)
                {
                    throw new AppException($"Cannot classify {e.Message}.", e);
                }
            }
            using var backend = CommonOptions.CreateBackend(parse.GetValue(backendOption)!, parse.GetValue(threads));
            using var model = ModelLoader.Load(checkpoint, backend);
            int maxOffset = state.Preprocessing.StoredSize - state.Preprocessing.CropSize;
            var crops = parse.GetValue(tta) ? Augmentation.TenCrops(maxOffset) : [Augmentation.Centre(maxOffset)];
            int classes = state.ClassNames.Count, group = Math.Min(files.Length, BatchSize);
            // Images are decoded, cropped and classified a group at a time, so memory does not grow with the number of files.
            using var inputs = new FileBatches([.. files.Select(f => f.FullName)], decoder, state.Preprocessing, crops,
                group, parse.GetValue(prefetch), parse.GetValue(loaderThreads), cancellationToken);
            var sum = new double[group * classes];
            int rejected = 0;
            using var step = new InferenceStep(model);
            using var deviceBatch = new DeviceBatch(backend, model.InputShape);
            while (inputs.Next() is { } next)
            {
                var (number, crop, batch) = next;
                using (batch)
                {
                    if (crop == 0)
                    {
                        Array.Clear(sum);
                    }
                    if (batch.Count > 0)
                    {
                        deviceBatch.Load(batch, labels: false);
                        float[] probabilities = step.Probabilities(deviceBatch);
                        for (int n = 0; n < batch.Count; n++)
                        {
                            int row = batch.ImageIndices[n] - (number * group);
                            for (int c = 0; c < classes; c++)
                            {
                                sum[(row * classes) + c] += probabilities[(n * classes) + c] / crops.Length;
                            }
                        }
                    }
                }
                if (crop == crops.Length - 1)
                {
                    rejected += WriteGroup(app, inputs, files, number, sum, state.ClassNames);
                }
            }
            if (rejected == files.Length)
            {
                throw new AppException($"None of the {files.Length} images could be read (see the warnings above).");
            }
            if (rejected > 0)
            {
                throw new AppException($"{rejected} of {files.Length} images could not be classified (see the warnings above); the results above are for the other {files.Length - rejected}.");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Images per batch (per crop).</summary>
    private const int BatchSize = 16;

    /// <summary>Writes the top 5 of each file of group <paramref name="number"/> in order, a warning for each it could not read; returns how many those were.</summary>
    /// <exception cref="AppException">The only file given could not be read.</exception>
    private static int WriteGroup(AppContext app, FileBatches inputs, FileInfo[] files, int number, double[] sum, IReadOnlyList<string> classNames)
    {
        int classes = classNames.Count, rejected = 0;
        for (int file = number * inputs.GroupSize; file < Math.Min(files.Length, (number + 1) * inputs.GroupSize); file++)
        {
            if (inputs.Rejection(file) is { } e)
            {
                if (files.Length == 1)
                {
                    throw new AppException($"Cannot classify {e.Message}.", e);
                }
                // One bad file among many does not stop the others; the exit code still says that something failed.
                app.Warn($"cannot classify {e.Message}; going on with the other images.");
                rejected++;
                continue;
            }
            var row = sum.AsSpan((file - (number * inputs.GroupSize)) * classes, classes);
            app.WriteLine($"{files[file].Name}:");
            foreach (int c in Scoring.TopK(row, Math.Min(5, classes)))
            {
                app.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {classNames[c],-20} {row[c]:0.0000}"));
            }
        }
        return rejected;
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
