using System.Security.Cryptography;
using AlexNet.Training.Checkpoints;
using AlexNet.Tensors;
using AlexNet.Training.Cli;
using AlexNet.Training.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>alexnet visualize</c> on a <c>mini</c> checkpoint trained for two steps here: the pictures are the
/// same bytes on every run (and thread count), the kernels are drawn exactly as their weights say,
/// and every layer that computes something gets its picture.
/// </summary>
public sealed class VisualizeTests
{
    /// <summary>The pictures of mini's layers: every layer but flatten and the dropouts, which pass their input on at inference.</summary>
    private static readonly string[] MiniActivationFiles =
    [
        "00-input.png", "01-conv1.png", "02-relu1.png", "03-norm1.png", "04-pool1.png", "05-conv2.png", "06-relu2.png", "07-norm2.png",
        "08-pool2.png", "09-conv3.png", "10-relu3.png", "11-conv4.png", "12-relu4.png", "13-conv5.png", "14-relu5.png", "15-pool5.png",
        "17-fc6.png", "18-relu6.png", "20-fc7.png", "21-relu7.png", "23-fc8.png", "top5.png",
    ];

    private static async Task<string> TrainTwoSteps(TempFolder work)
    {
        var trained = await AppRunner.RunAsync(work.Path, null,
            "train", "--model", "mini", "--synthetic", "--batch-size", "8", "--epochs", "1", "--max-steps", "2", "--name", "v", "--seed", "3");
        Assert.True(trained.ExitCode == 0, trained.Error);
        return work.Combine("runs", "v", "last.safetensors");
    }

    /// <summary>Every file under <paramref name="folder"/> by its path relative to it, with the SHA-256 of its bytes.</summary>
    private static SortedDictionary<string, string> Hashes(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(
            file => Path.GetRelativePath(folder, file).Replace('\\', '/'),
            file => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))), StringComparer.Ordinal);

    [Fact]
    public async Task The_same_checkpoint_and_image_give_the_same_pictures_byte_for_byte()
    {
        using var work = TestFiles.NewFolder();
        string checkpoint = await TrainTwoSteps(work);
        TestFiles.WriteImage(work.Combine("flower.png"), 90, 70, 5);
        TestFiles.WriteImage(work.Combine("other.png"), 90, 70, 11);

        var first = await AppRunner.RunAsync(work.Path, null, "visualize", "--checkpoint", checkpoint, "--filters",
            "--activations", work.Combine("flower.png"), "--output", work.Combine("a"), "--threads", "1");
        var second = await AppRunner.RunAsync(work.Path, null, "visualize", "--checkpoint", checkpoint, "--filters",
            "--activations", work.Combine("flower.png"), "--output", work.Combine("b"), "--threads", "2");
        var other = await AppRunner.RunAsync(work.Path, null, "visualize", "--checkpoint", checkpoint,
            "--activations", work.Combine("other.png"), "--output", work.Combine("c"));

        Assert.Equal((0, 0, 0), (first.ExitCode, second.ExitCode, other.ExitCode));
        var a = Hashes(work.Combine("a"));
        Assert.Equal([.. MiniActivationFiles.Select(f => "activations-flower/" + f).Append("filters.png").Order(StringComparer.Ordinal)], a.Keys);
        Assert.Equal(a, Hashes(work.Combine("b")));
        var c = Hashes(work.Combine("c"));
        Assert.NotEqual(a["activations-flower/01-conv1.png"], c["activations-other/01-conv1.png"]);
        Assert.Contains("flatten [1, 128]: the values of pool5, unchanged", first.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_kernel_is_drawn_from_its_own_weights_stretched_from_black_to_white()
    {
        using var work = TestFiles.NewFolder();
        string checkpoint = await TrainTwoSteps(work);

        var result = await AppRunner.RunAsync(work.Path, null, "visualize", "--checkpoint", checkpoint, "--filters");

        Assert.True(result.ExitCode == 0, result.Error);
        var conv1 = Checkpoint.Read(checkpoint).Tensors["conv1.weight"];
        Assert.Equal([16, 3, 7, 7], conv1.Shape);
        float[] weights = conv1.ToFloats();
        using var picture = Image.Load<Rgb24>(work.Combine("runs", "v", "visualize", "filters.png"));
        // 16 kernels in one row of 16; each 7×7 kernel magnified 6 times (to at least 40 pixels), 2 pixels apart.
        const int scale = 6, gap = 2, side = 7 * scale;
        Assert.Equal((gap + (16 * (side + gap)), gap + side + gap), (picture.Width, picture.Height));
        for (int o = 0; o < 16; o++)
        {
            float[] kernel = weights[(o * 147)..((o + 1) * 147)];
            float low = float.PositiveInfinity, high = float.NegativeInfinity;
            foreach (float w in kernel)
            {
                (low, high) = (Math.Min(low, w), Math.Max(high, w));
            }
            for (int i = 0; i < 7; i++)
            {
                for (int j = 0; j < 7; j++)
                {
                    byte Expected(int channel) => (byte)MathF.Round(255f * (kernel[(channel * 49) + (i * 7) + j] - low) / (high - low));
                    var pixel = picture[gap + (o * (side + gap)) + (j * scale) + scale - 1, gap + (i * scale)];
                    Assert.True(pixel == new Rgb24(Expected(0), Expected(1), Expected(2)),
                        $"kernel {o}, cell ({i}, {j}): drawn {pixel}, expected ({Expected(0)}, {Expected(1)}, {Expected(2)})");
                }
            }
        }
        Assert.Contains($"conv1 kernels [16, 3, 7, 7], each contrast-normalized: {work.Combine("runs", "v", "visualize", "filters.png")}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Visualize_needs_something_to_draw_and_an_image_it_can_read()
    {
        using var work = TestFiles.NewFolder();
        string checkpoint = await TrainTwoSteps(work);
        File.WriteAllText(work.Combine("broken.jpg"), "not a picture");

        var nothing = await AppRunner.RunAsync(work.Path, null, "visualize", "--checkpoint", checkpoint);
        var broken = await AppRunner.RunAsync(work.Path, null, "visualize", "--checkpoint", checkpoint, "--activations", work.Combine("broken.jpg"));

        Assert.Equal(AppHost.UsageError, nothing.ExitCode);
        Assert.Contains("Say what to draw: --filters, --activations IMAGE, or both.", nothing.Error, StringComparison.Ordinal);
        Assert.Equal(AppHost.Failure, broken.ExitCode);
        Assert.StartsWith("alexnet: error: Cannot draw the activations of", broken.Error, StringComparison.Ordinal);
        Assert.Contains("broken.jpg", broken.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// The drawing itself, pinned: fixed numbers give these pixels on every machine (no checkpoint,
    /// no training, whose rounding differs between processors). A change to how kernels or feature
    /// maps are drawn changes these hashes on purpose; update them with it.
    /// </summary>
    [Fact]
    public void Fixed_weights_and_feature_maps_are_drawn_as_pinned()
    {
        var kernels = new Shape(4, 3, 5, 5);
        float[] weights = [.. Enumerable.Range(0, kernels.Length).Select(i => (((i * 37) % 101) / 101f) - 0.5f)];
        var maps = new Shape(1, 6, 9, 9);
        float[] activations = [.. Enumerable.Range(0, maps.Length).Select(i => Math.Max(0, ((i * 53) % 97) - 30) / 67f)];

        using var filters = FilterGrid.Draw(weights, kernels);
        using var grid = ActivationGrid.Draw(activations, maps);

        Assert.Equal(("170x44 8CD2E7E397AF7817", "116x78 A5736A9A658A395A"), (PixelHash(filters), PixelHash(grid)));
    }

    private static string PixelHash(Image<Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return $"{image.Width}x{image.Height} {Convert.ToHexString(SHA256.HashData(pixels))[..16]}";
    }
}
