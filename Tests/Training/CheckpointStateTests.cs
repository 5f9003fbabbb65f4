using System.Globalization;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;

namespace AlexNet.Tests.Training;

/// <summary>A checkpoint whose training state is damaged or hand-edited is refused on reading, in one line that says what is wrong.</summary>
public sealed class CheckpointStateTests
{
    /// <summary>Writes a checkpoint holding <paramref name="state"/> (and no tensors: reading stops at the state).</summary>
    private static void WriteCheckpoint(string path, TrainingState state, string? metadataModel = null)
    {
        var metadata = new Dictionary<string, string>
        {
            [Checkpoint.FormatKey] = Checkpoint.FormatValue,
            ["model"] = metadataModel ?? state.Model,
            ["state"] = state.ToJson(),
        };
        if (state.ClassNames is not null)
        {
            metadata["classes"] = state.ClassNames.Count.ToString(CultureInfo.InvariantCulture);
        }
        using var stream = File.Create(path);
        SafeTensors.Write(stream, [], metadata);
    }

    private static async Task<AppRunner.Result> Predict(TrainingState state, string? metadataModel = null, string image = "photo.png")
    {
        using var work = TestFiles.NewFolder();
        WriteCheckpoint(work.Combine("c.safetensors"), state, metadataModel);
        TestFiles.WriteImage(work.Combine("photo.png"), 20, 20, 1);
        return await AppRunner.RunAsync(work.Path, null, "predict", "--checkpoint", work.Combine("c.safetensors"), work.Combine(image));
    }

    private static void AssertOneLineError(AppRunner.Result result, string expected)
    {
        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("alexnet: error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    /// <summary>Each damage to a good state, by the phrase the error must hold.</summary>
    private static readonly Dictionary<string, Func<TrainingState, TrainingState>> Damages = new()
    {
        ["preprocessing mean has 1 value(s), expected 3 finite numbers"] = s => s with { Preprocessing = s.Preprocessing with { Mean = [120] } },
        ["preprocessing pca_eigenvectors has 3 value(s), expected 9 finite numbers"] = s => s with { Preprocessing = s.Preprocessing with { PcaEigenvectors = [1, 0, 0] } },
        ["preprocessing scale has 3 value(s) that are not all finite"] = s => s with { Preprocessing = s.Preprocessing with { Scale = [1, double.NaN, 1] } },
        ["preprocessing crop size 1000 does not fit the stored size 72"] = s => s with { Preprocessing = s.Preprocessing with { CropSize = 1000 } },
        ["preprocessing crop size 60 is not mini's input size 64"] = s => s with { Preprocessing = s.Preprocessing with { CropSize = 60 } },
        ["class_names is null"] = s => s with { ClassNames = null! },
        ["class_names is empty"] = s => s with { ClassNames = [] },
        ["class_names has an empty or null name"] = s => s with { ClassNames = ["a", "", "c", "d"] },
        ["preprocessing is null"] = s => s with { Preprocessing = null! },
        ["model 'vgg16' is not one this version knows"] = s => s with { Model = "vgg16" },
        ["batch size 0"] = s => s with { BatchSize = 0 },
        ["normalization 'group' is not one mini can be built with (lrn, batch, none)"] = s => s with { Normalization = "group" },
    };

    public static TheoryData<string> DamagedStates => [.. Damages.Keys];

    [Theory]
    [MemberData(nameof(DamagedStates))]
    public async Task A_damaged_training_state_is_refused_in_one_line(string expected)
    {
        var result = await Predict(Damages[expected](TestStates.Mini()));

        AssertOneLineError(result, "has an unusable training state: " + expected);
    }

    [Fact]
    public async Task Metadata_that_contradicts_the_state_is_refused()
    {
        var result = await Predict(TestStates.Mini(), metadataModel: "alexnet");

        AssertOneLineError(result, "the metadata says model 'alexnet', the training state 'mini'");
    }

    [Fact]
    public async Task A_header_naming_a_tensor_twice_is_reported_as_damage()
    {
        using var work = TestFiles.NewFolder();
        string header = """{"__metadata__":{},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""";
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + 8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        File.WriteAllBytes(work.Combine("dup.safetensors"), file);

        var result = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", work.Combine("dup.safetensors"));

        AssertOneLineError(result, "is damaged: The header names 'a' twice; every tensor name (and __metadata__) must appear once.");
    }

    [Fact]
    public async Task A_missing_image_is_named_in_one_sentence()
    {
        var result = await Predict(TestStates.Mini(), image: "missing.jpg");

        Assert.Equal(AppHost.Failure, result.ExitCode);
        Assert.Contains("missing.jpg", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("..", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1.0)]
    public void A_wall_time_that_is_not_a_time_is_a_problem_of_the_state(double seconds)
    {
        var problems = TrainingStateValidation.Problems(TestStates.Mini() with { WallSeconds = seconds });

        Assert.Contains(problems, p => p.StartsWith("wall_seconds ", StringComparison.Ordinal) && p.Contains("expected a finite number of seconds ≥ 0", StringComparison.Ordinal));
        Assert.DoesNotContain(TrainingStateValidation.Problems(TestStates.Mini() with { WallSeconds = 12.5 }), p => p.StartsWith("wall_seconds", StringComparison.Ordinal));
    }
}
