using AlexNet.Backends.Cpu;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Training.Explorer;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>alexnet explore</c> without a browser: the page lists every layer with the shapes, parameters and
/// multiply-adds of the model, its saliency is the true input gradient (checked by finite differences),
/// every formula's links point at files of this repository, and the options' errors are clear.
/// </summary>
public sealed class ExploreCommandTests
{
    [Fact]
    public async Task The_page_is_written_next_to_the_working_folder_named_after_the_image_with_every_layer()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "1", "--max-steps", "2", "--batch-size", "8", "--name", "e");
        Assert.True(trained.ExitCode == 0, trained.Error);
        TestFiles.WriteImage(work.Combine("pictures", "tulip.jpg"), 100, 80, 3);

        var result = await AppRunner.RunAsync(work.Path, null, "explore", "--checkpoint", work.Combine("runs", "e", "last.safetensors"), work.Combine("pictures", "tulip.jpg"));

        Assert.True(result.ExitCode == 0, result.Error);
        string file = work.Combine("tulip.html");
        Assert.Contains($"Wrote the explorer to {file} (23 layers)", result.Output, StringComparison.Ordinal);
        var data = ReportCommandTests.Inlined<ExplorerData>(file, "explorer-data");
        using var backend = new CpuBackend();
        using var model = ModelVariants.Get("mini").Build(backend, 4, 1);
        var shape = new Shape(1, 3, 64, 64);
        Assert.Equal(model.Layers.Select(l => l.Name), data.Layers.Select(l => l.Name));
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            var output = layer.OutputShape(shape);
            Assert.Equal((shape.ToString(), output.ToString()), (data.Layers[i].InputShape, data.Layers[i].OutputShape));
            Assert.Equal(layer.MultiplyAccumulates(shape), data.Layers[i].MultiplyAccumulates);
            Assert.Equal(layer.Parameters.Sum(p => (long)p.Length), data.Layers[i].Parameters);
            Assert.Equal(layer.Name is "flatten" or "drop6" or "drop7", data.Layers[i].PassesThrough);
            shape = output;
        }
        Assert.Equal(4, data.Top.Count);
        Assert.Equal(1.0, data.Top.Sum(c => c.Probability), 5);
        Assert.Equal(data.Top.Select(c => c.Name), data.Saliency.Select(s => s.Name));
        Assert.All(data.Layers.SelectMany(l => l.Note.Links), link => Assert.StartsWith("file://", link[2], StringComparison.Ordinal));
    }

    [Fact]
    public void The_saliency_gradient_is_the_derivative_of_the_class_score_by_finite_differences()
    {
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        using var model = ModelVariants.Get("mini").Build(backend, 4, 7);
        model.IsTraining = false;
        var random = new Random(5);
        float[] input = [.. Enumerable.Range(0, 3 * 64 * 64).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        using var images = backend.Allocate(new Shape(1, 3, 64, 64), "images");
        float Score(float[] x)
        {
            backend.Upload(x, images);
            return model.Forward(images).ToArray()[2];
        }
        Score(input);
        float[] gradient = ExplorerBuilder.InputGradient(model, 2);

        // The five most sensitive inputs and five others, each nudged both ways.
        var checkedAt = Enumerable.Range(0, input.Length).OrderByDescending(i => Math.Abs(gradient[i])).Take(5).Concat([17, 999, 4096, 8000, 12000]);
        const float h = 1e-2f;
        foreach (int i in checkedAt)
        {
            float[] up = [.. input], down = [.. input];
            up[i] += h;
            down[i] -= h;
            double numeric = (Score(up) - (double)Score(down)) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) <= 2e-3 + (0.02 * Math.Abs(gradient[i])),
                $"input {i}: backpropagated {gradient[i]}, finite difference {numeric}");
        }
    }

    [Fact]
    public void Every_layer_type_of_every_model_has_a_formula_whose_links_are_files_of_this_repository()
    {
        using var backend = new CpuBackend();
        var notes = new List<LayerNote> { LayerNotes.Softmax };
        foreach (var variant in ModelVariants.All)
        {
            using var model = variant.Build(backend, 2, 1);
            notes.AddRange(model.Layers.DistinctBy(l => l.GetType()).Select(LayerNotes.For));
        }
        foreach (var note in notes)
        {
            Assert.False(string.IsNullOrWhiteSpace(note.Formula));
            foreach (string? path in new[] { note.DocPage, note.ReferenceCode, note.LayerCode }.Where(p => p is not null))
            {
                Assert.True(File.Exists(Path.Combine(AlexNet.Tests.Docs.Repository.Root, path!)), $"{path} is not in the repository.");
            }
        }
    }

    [Fact]
    public async Task Serve_answers_the_page_on_loopback_until_the_command_is_interrupted()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "1", "--max-steps", "1", "--batch-size", "8", "--name", "e");
        Assert.True(trained.ExitCode == 0, trained.Error);
        TestFiles.WriteImage(work.Combine("tulip.png"), 80, 80, 2);
        int port = AlexNet.Tests.Browser.DashboardPageTests.FreePort();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var serving = AppRunner.RunAsync(work.Path, null, (Action<long, AlexNet.Backends.IBackend>?)null, stop.Token,
            "explore", "--checkpoint", work.Combine("runs", "e", "last.safetensors"), work.Combine("tulip.png"), "--serve", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? page = null;
        for (int attempt = 0; attempt < 600 && page is null && !serving.IsCompleted; attempt++)
        {
            try
            {
                page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"), TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
        await stop.CancelAsync();
        var result = await serving;

        Assert.NotNull(page);
        Assert.Contains("<script type=\"application/json\" id=\"explorer-data\">", page, StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Serving the explorer on http://127.0.0.1:{port}/", result.Output, StringComparison.Ordinal);
        Assert.Contains("Stopped serving the explorer.", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("tulip.html")));
    }

    [Fact]
    public async Task Serve_and_out_together_are_a_usage_error()
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, "explore", "--checkpoint", "x.safetensors", "--serve", "--out", "a.html", "a.png");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--serve and --out exclude each other", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_that_cannot_be_read_is_named_in_the_error()
    {
        using var work = TestFiles.NewFolder();
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--synthetic", "--epochs", "1", "--max-steps", "1", "--batch-size", "8", "--name", "e");
        Assert.True(trained.ExitCode == 0, trained.Error);
        File.WriteAllText(work.Combine("broken.jpg"), "not an image");

        var result = await AppRunner.RunAsync(work.Path, null, "explore", "--checkpoint", work.Combine("runs", "e", "last.safetensors"), work.Combine("broken.jpg"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Cannot explore", result.Error, StringComparison.Ordinal);
        Assert.Contains("broken.jpg", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("broken.html")));
    }
}
