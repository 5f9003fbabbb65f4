using AlexNet.Tests.Training;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Tests.Reliability;

/// <summary>Item 1 of issue 16: a checkpoint holding NaN or ±Inf is refused by every command that reads it.</summary>
public sealed class NonFiniteCheckpointTests
{
    /// <summary>Rewrites <paramref name="file"/> with <paramref name="count"/> values of <paramref name="tensor"/> set to <paramref name="value"/>, keeping everything else.</summary>
    private static void Poison(string file, string tensor, int count, float value)
    {
        IReadOnlyList<SafeTensor> tensors;
        IReadOnlyDictionary<string, string> metadata;
        using (var stream = File.OpenRead(file))
        {
            (tensors, metadata) = SafeTensors.Read(stream);
        }
        var changed = tensors.Select(t =>
        {
            if (t.Name != tensor)
            {
                return t;
            }
            float[] values = t.ToFloats();
            values.AsSpan(0, count).Fill(value);
            return SafeTensor.F32(t.Name, t.Shape, values);
        }).ToList();
        using var output = File.Create(file);
        SafeTensors.Write(output, changed, metadata);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public async Task Evaluate_and_resume_refuse_a_checkpoint_with_non_finite_weights_naming_file_tensor_and_count(float value)
    {
        using var work = TestFiles.NewFolder();
        string last = Path.Combine(await SoakRun.TrainOneEpoch(work), "last.safetensors");
        string tensor = Checkpoint.Read(last).Tensors.Keys.First(name => name.EndsWith(".weight", StringComparison.Ordinal));
        Poison(last, tensor, 3, value);

        var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", last);
        var resumed = await AppRunner.RunAsync(work.Path, null, "train", "--resume", work.Combine("runs", "run"), "--epochs", "2");

        foreach (var result in new[] { evaluated, resumed })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains(last, result.Error, StringComparison.Ordinal);
            Assert.Contains($"{tensor} holds NaN or infinite values (3 of ", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("loss NaN", result.Output, StringComparison.Ordinal);
        }
    }
}
