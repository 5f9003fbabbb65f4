namespace AlexNet.Tests.Training;

/// <summary><c>train --recipe</c>: what fills the options the command line leaves out for the paper's network.</summary>
public sealed class RecipeOptionTests
{
    private static readonly string[] OneStep = ["train", "--synthetic", "--synthetic-images", "4", "--batch-size", "2", "--epochs", "1", "--max-steps", "1", "--threads", "1"];

    [Theory]
    [InlineData(new string[0], "schedule cosine", "Augmentation: stored short side 320, random-resized crops (scale 0.25-1, aspect 0.75-1.333), jitter 0.4,0.4,0.4,0.05")]
    [InlineData(new[] { "--recipe", "small-data" }, "schedule cosine", "Augmentation: stored short side 320")]
    [InlineData(new[] { "--recipe", "paper" }, "schedule plateau", null)]
    [InlineData(new[] { "--recipe", "small-data", "--schedule", "plateau", "--crop", "fixed" }, "schedule plateau", "Augmentation: stored short side 320, the paper's crops, jitter")]
    public async Task Alexnet_takes_the_small_data_recipe_unless_told_otherwise_and_single_options_still_override_it(string[] recipe, string schedule, string? augmentation)
    {
        using var work = TestFiles.NewFolder();

        var result = await AppRunner.RunAsync(work.Path, null, [.. OneStep, .. recipe, "--name", "r"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"{schedule}, batch 2, 1 epoch;", result.Output, StringComparison.Ordinal);
        if (augmentation is null)
        {
            Assert.DoesNotContain("Augmentation:", result.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(augmentation, result.Output, StringComparison.Ordinal);
        }
    }
}
