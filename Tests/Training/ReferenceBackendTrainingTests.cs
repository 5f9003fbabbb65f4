using AlexNet.Training.Checkpoints;

namespace AlexNet.Tests.Training;

/// <summary>
/// <c>alexnet train --backend reference</c>: the readable backend trains the real app's network, and
/// its first step lands where the CPU backend's does (the same maths, summed in another order).
/// </summary>
public sealed class ReferenceBackendTrainingTests
{
    private static readonly string[] Mini = ["train", "--model", "mini", "--synthetic", "--batch-size", "8", "--seed", "7", "--epochs", "1", "--max-steps", "1"];

    [Fact]
    public async Task One_step_of_mini_on_the_reference_backend_ends_where_the_cpu_backend_ends()
    {
        using var work = TestFiles.NewFolder();

        var reference = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--backend", "reference", "--name", "reference"]);
        var cpu = await AppRunner.RunAsync(work.Path, null, [.. Mini, "--backend", "cpu", "--name", "cpu"]);

        Assert.True(reference.ExitCode == 0, reference.Error);
        Assert.True(cpu.ExitCode == 0, cpu.Error);
        Assert.Contains("on reference:", reference.Output, StringComparison.Ordinal);
        Assert.Contains("Stopped after 1 step(s) (--max-steps)", reference.Output, StringComparison.Ordinal);
        var expected = Checkpoint.Read(work.Combine("runs", "cpu", "last.safetensors")).Tensors.ToDictionary();
        var actual = Checkpoint.Read(work.Combine("runs", "reference", "last.safetensors")).Tensors.ToDictionary();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            if (tensor.DType != "F32")
            {
                Assert.True(tensor.Data.AsSpan().SequenceEqual(actual[name].Data), $"{name} differs");
                continue;
            }
            float[] want = tensor.ToFloats(), got = actual[name].ToFloats();
            int worst = Enumerable.Range(0, want.Length).MaxBy(i => Math.Abs(want[i] - got[i]));
            // Float sums in another order: far below one SGD step (lr 0.01 times a gradient of order 1).
            Assert.True(Math.Abs(want[worst] - got[worst]) <= 1e-4 + (1e-3 * Math.Abs(want[worst])),
                $"{name}[{worst}]: cpu {want[worst]:G9}, reference {got[worst]:G9}");
        }
    }
}
