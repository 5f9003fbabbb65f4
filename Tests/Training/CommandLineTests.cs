using AlexNet.Training.Cli;

namespace AlexNet.Tests.Training;

/// <summary>The command line's contract: help for newcomers, one clear line on stderr for every mistake, non-zero exit codes.</summary>
public sealed class CommandLineTests
{
    private static async Task<AppRunner.Result> Run(params string[] args)
    {
        using var work = TestFiles.NewFolder();
        return await AppRunner.RunAsync(work.Path, null, args);
    }

    private static void AssertOneLineError(AppRunner.Result result, int exitCode, string expected)
    {
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("alexnet:", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at AlexNet.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_command_with_an_example()
    {
        var result = await Run("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string command in new[] { "train", "evaluate", "predict", "summary", "data" })
        {
            Assert.Matches($@"(?m)^\s+{command}\s", result.Output);
        }
        Assert.Contains("alexnet train --model mini --synthetic", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_help_explains_the_options_and_defaults()
    {
        var result = await Run("train", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--model", "--classes", "--backend", "--data", "--synthetic", "--epochs", "--batch-size", "--lr", "--seed", "--optimizer", "--tta", "--resume", "--schedule", "--split" })
        {
            Assert.Contains(option, result.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { "train", "--model", "vgg16" }, "vgg16")]
    [InlineData(new[] { "train", "--epochs", "zero" }, "zero")]
    [InlineData(new[] { "train", "--epochs", "0" }, "--epochs must be at least 1")]
    [InlineData(new[] { "train", "--backend", "tpu" }, "tpu")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "predict", "--checkpoint", "x.safetensors" }, "Required argument missing")]
    [InlineData(new[] { "evaluate" }, "--checkpoint")]
    [InlineData(new[] { "train", "--synthetic", "--threads", "-5" }, "--threads must be at least 0, not -5.")]
    [InlineData(new[] { "evaluate", "--checkpoint", "x.safetensors", "--threads", "-1" }, "--threads must be at least 0, not -1.")]
    [InlineData(new[] { "predict", "--checkpoint", "x.safetensors", "--max-pixels", "0", "a.jpg" }, "--max-pixels must be at least 1, not 0.")]
    [InlineData(new[] { "data", "--max-pixels", "-3" }, "--max-pixels must be at least 1, not -3.")]
    public async Task Parse_errors_are_one_line_with_a_pointer_to_help(string[] args, string expected)
    {
        var result = await Run(args);

        AssertOneLineError(result, AppHost.UsageError, expected);
        Assert.Contains("--help'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_name_that_is_not_one_folder_name_is_refused_before_anything_is_written()
    {
        using var work = TestFiles.NewFolder();
        Directory.CreateDirectory(work.Combine("cwd"));

        foreach (string name in new[] { "../escaped", work.Combine("elsewhere"), "", " ", ".", "..", "a/b", "a\\b" })
        {
            var result = await AppRunner.RunAsync(work.Combine("cwd"), null, "train", "--synthetic", "--model", "mini", "--epochs", "1", "--name", name);

            AssertOneLineError(result, AppHost.UsageError, $"--name '{name}' ");
            Assert.Contains("expected a plain folder name", result.Error, StringComparison.Ordinal);
        }
        Assert.Equal([work.Combine("cwd")], Directory.EnumerateFileSystemEntries(work.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Combine("cwd")));
    }

    [Theory]
    [InlineData(new[] { "train", "--synthetic", "--model", "mini", "--batch-size", "1000", "--epochs", "1" }, "fewer than one batch of 1000")]
    [InlineData(new[] { "train", "--model", "mini", "--data", "/nonexistent/flowers" }, "'/nonexistent/flowers' does not exist")]
    [InlineData(new[] { "train", "--resume", "runs/nothing", "--epochs", "3" }, "There is no run to resume")]
    [InlineData(new[] { "evaluate", "--checkpoint", "missing.safetensors" }, "does not exist")]
    public async Task Failures_are_one_clear_line_on_stderr(string[] args, string expected)
    {
        var result = await Run(args);

        AssertOneLineError(result, AppHost.Failure, expected);
    }

    /// <summary>A command line that parses but is still wrong exits with the parser's code, 2: one convention for every command.</summary>
    [Theory]
    [InlineData(new[] { "train", "--synthetic", "--model", "mini", "--split", "1/2" }, "--split '1/2' has 2 part(s)")]
    [InlineData(new[] { "train", "--synthetic", "--model", "mini", "--lr", "-1" }, "--lr -1 is out of range")]
    [InlineData(new[] { "train", "--resume", "runs/nothing", "--momentum", "0.5" }, "--momentum cannot change when resuming")]
    [InlineData(new[] { "train", "--synthetic", "--model", "mini", "--init", "caffe" }, "--init caffe does not apply to mini, which starts from he")]
    [InlineData(new[] { "train", "--resume", "runs/nothing", "--init", "caffe" }, "--init cannot change when resuming")]
    [InlineData(new[] { "train", "--synthetic", "--data", "somewhere", "--model", "mini" }, "--synthetic and --data exclude each other")]
    [InlineData(new[] { "train", "--synthetic", "--model", "mini", "--recipe", "paper" }, "--recipe paper chooses between the recipes of the paper's network (alexnet, caffenet); mini trains with its own")]
    [InlineData(new[] { "train", "--resume", "runs/nothing", "--recipe", "paper" }, "--recipe cannot change when resuming")]
    [InlineData(new[] { "train", "--synthetic", "--model", "mini", "--threads", "100000" }, "--threads 100000 is more than this machine's")]
    [InlineData(new[] { "bench", "--gemm", "8", "--threads", "-1" }, "--threads must be 0 (all processors) or more, not -1.")]
    [InlineData(new[] { "data", "--url", "ftp://example.org/x.tgz", "--sha256", "fe38a60f8b4a95e657551247d3e7d799a3fafcdbc595be504b12839967823d70" }, "is not a download address")]
    public async Task Wrong_option_values_found_after_parsing_exit_with_the_usage_code(string[] args, string expected)
    {
        var result = await Run(args);

        AssertOneLineError(result, AppHost.UsageError, expected);
    }

    [Fact]
    public async Task Cuda_backend_either_trains_or_says_in_one_line_why_it_cannot_run_here()
    {
        var result = await Run("train", "--synthetic", "--model", "mini", "--backend", "cuda", "--epochs", "1", "--batch-size", "8");

        if (result.ExitCode != 0)
        {
            AssertOneLineError(result, AppHost.Failure, "The cuda backend cannot run here");
        }
        else
        {
            Assert.Contains("on cuda", result.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("train", "cpu")]
    [InlineData("bench", "cuda-emulated")]
    public async Task TF32_is_refused_for_a_backend_that_computes_in_fp32_only(string command, string backend)
    {
        string[] args = command == "train"
            ? ["train", "--synthetic", "--model", "mini", "--epochs", "1", "--backend", backend, "--precision", "tf32"]
            : ["bench", "--model", "mini", "--train", "--backend", backend, "--precision", "tf32"];

        var result = await Run(args);

        AssertOneLineError(result, AppHost.UsageError, $"--precision tf32 asks cuBLAS for TF32 tensor cores; the {backend} backend computes in fp32 only.");
    }

    [Fact]
    public async Task Cuda_info_lists_the_folders_searched_and_what_it_found_of_each_library()
    {
        var result = await Run("cuda-info");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Folders searched, in order", result.Output, StringComparison.Ordinal);
        Assert.Contains("Driver: ", result.Output, StringComparison.Ordinal);
        Assert.Contains("cuBLAS: ", result.Output, StringComparison.Ordinal);
        Assert.Contains("NVRTC: ", result.Output, StringComparison.Ordinal);
        Assert.Contains("  chosen: ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_failures_show_the_stack()
    {
        var result = await Run("evaluate", "--checkpoint", "missing.safetensors", "--verbose");

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains(" at AlexNet.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damaged_checkpoint_is_reported_precisely()
    {
        using var work = TestFiles.NewFolder();
        File.WriteAllBytes(work.Combine("bad.safetensors"), [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}']);

        var result = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", work.Combine("bad.safetensors"));

        AssertOneLineError(result, AppHost.Failure, "is damaged: The header length is 200 bytes");
    }

    [Fact]
    public async Task Summary_prints_the_published_parameter_count()
    {
        var result = await Run("summary", "--model", "alexnet", "--classes", "1000");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Total params: 60,965,224 (trainable 60,965,224, non-trainable 0)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Multiply-accumulates per image: 724,406,816", result.Output, StringComparison.Ordinal);
        Assert.Contains("(227 - 11 + 2*0)/4 + 1 = 55", result.Output, StringComparison.Ordinal);
        Assert.Contains("163 + (3-1)*16 = 195", result.Output, StringComparison.Ordinal);
    }
}
