using System.Globalization;
using System.Text.RegularExpressions;
using AlexNet.Tests.Training;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// Data larger than memory: a generated set of 4000 images, stored at a short side of 144 (263 MB
/// decoded), trained for a whole epoch and streamed under a managed-heap limit of 40 MB set on the
/// child process (<c>DOTNET_GCHeapHardLimit</c>), with the process's anonymous resident memory,
/// watched from outside every 10 ms, held below a stated 128 MiB, under half the data's size.
/// Prediction over all 4000 files, streamed a group at a time, runs within the heap limit too;
/// decoding into memory, as before the cache, runs out under it.
/// </summary>
public sealed partial class BoundedMemoryTests
{
    private const int Classes = 4, PerClass = 1000, ShortSide = 144;
    // The 76×72 files stored at a short side of 144 are 152×144 pixels each.
    private const long DataBytes = (long)Classes * PerClass * 152 * ShortSide * 3;
    private const long HeapLimit = 40L << 20, AnonymousLimit = 128L << 20;
    private static readonly string[] Stored = ["--stored-short-side", "144", "--crop", "random-resized"];

    private static readonly Dictionary<string, string> Limit = new() { ["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimit.ToString("x", CultureInfo.InvariantCulture) };

    /// <summary>Binary PPM files of 76×72 pixels, each with its own pattern; cheap to write and to decode.</summary>
    private static void WriteSet(string folder)
    {
        const int width = 76, height = 72;
        byte[] header = System.Text.Encoding.ASCII.GetBytes($"P6\n{width} {height}\n255\n");
        var file = new byte[header.Length + (width * height * 3)];
        header.CopyTo(file, 0);
        for (int c = 0; c < Classes; c++)
        {
            string classFolder = Path.Combine(folder, $"class{c}");
            Directory.CreateDirectory(classFolder);
            for (int i = 0; i < PerClass; i++)
            {
                for (int p = 0; p < width * height * 3; p++)
                {
                    file[header.Length + p] = (byte)((p * 7) + (c * 50) + i);
                }
                File.WriteAllBytes(Path.Combine(classFolder, $"{i:0000}.ppm"), file);
            }
        }
    }

    [Fact]
    public void A_data_set_larger_than_the_memory_limit_trains_and_streams_within_it()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "The anonymous resident memory is read from /proc (Linux).");
        using var work = TestFiles.NewFolder();
        string data = work.Combine("data");
        WriteSet(data);
        var timeout = TimeSpan.FromMinutes(2);

        // A whole epoch (113 steps of 32), the cache built by the same process first.
        using var train = AppProcess.Start(work.Path, Limit, ["train", "--model", "mini", "--data", data, "--split", "0.9/0.1/0", "--epochs", "1", "--batch-size", "32", .. Stored, "--name", "big"]);
        var watch = new ResidentPeak(train.Id);
        int exit;
        using (watch)
        {
            exit = train.WaitForExit(timeout);
        }
        Assert.True(exit == 0, $"train under a {HeapLimit >> 20} MiB heap limit failed:\n{train.Output}\n{train.Error}");
        Assert.True(watch.Samples > 0, "The watcher never read the training process's memory.");
        long trainPeak = watch.Bytes;
        Assert.Contains("epoch 1/1", train.Output, StringComparison.Ordinal);
        Assert.Contains("image cache: decoded 4,000 images", train.Output, StringComparison.Ordinal);
        Assert.True(trainPeak < AnonymousLimit, $"Training's anonymous resident memory peaked at {trainPeak >> 20} MiB, over the limit of {AnonymousLimit >> 20} MiB (data {DataBytes >> 20} MiB):\n{train.Output}");

        // predict reads the files themselves, not the cache: decoding all 4000 first, as it once did, would not fit.
        string[] classFolders = [.. Enumerable.Range(0, Classes).Select(c => Path.Combine(data, $"class{c}"))];
        using var predict = AppProcess.Start(work.Path, Limit, ["predict", "--checkpoint", work.Combine("runs", "big", "last.safetensors"), .. classFolders]);
        Assert.True(predict.WaitForExit(timeout) == 0, $"predict under a {HeapLimit >> 20} MiB heap limit failed:\n{predict.Error}");
        Assert.Equal(Classes * PerClass, predict.Output.Split('\n').Count(line => line.EndsWith(".ppm:", StringComparison.Ordinal)));

        using var bench = AppProcess.Start(work.Path, Limit, ["bench", "--loader", data, .. Stored, "--crop-size", "64", "--batch-size", "32", "--loader-threads", "2", "--min-seconds", "0"]);
        Assert.True(bench.WaitForExit(timeout) == 0, $"bench --loader under a {HeapLimit >> 20} MiB heap limit failed:\n{bench.Output}\n{bench.Error}");
        var memory = MemoryLine().Match(bench.Output);
        Assert.True(memory.Success, bench.Output);
        // train and bench share one store per stored form, so the bench reads what train built under the same limit.
        Assert.Contains("read from the cache", bench.Output, StringComparison.Ordinal);
        long anonymous = Mebibytes(memory.Groups["anonymous"].Value);
        Assert.True(anonymous < AnonymousLimit, $"The loader's anonymous resident memory peaked at {anonymous >> 20} MiB, over the limit of {AnonymousLimit >> 20} MiB (data {DataBytes >> 20} MiB):\n{bench.Output}");

        using var inMemory = AppProcess.Start(work.Path, Limit, ["bench", "--loader", data, .. Stored, "--crop-size", "64", "--batch-size", "32", "--loader-threads", "2", "--min-seconds", "0", "--no-cache"]);
        Assert.NotEqual(0, inMemory.WaitForExit(timeout));
        Assert.Contains("OutOfMemoryException", inMemory.Error, StringComparison.Ordinal);
    }

    private static long Mebibytes(string text) => (long)(double.Parse(text, CultureInfo.InvariantCulture) * (1 << 20));

    [GeneratedRegex(@"peak anonymous resident (?<anonymous>[0-9.]+) MiB")]
    private static partial Regex MemoryLine();
}
