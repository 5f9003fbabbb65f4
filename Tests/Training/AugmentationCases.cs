using AlexNet.Training.Data;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace AlexNet.Tests.Training;

/// <summary>What the augmentation property tests share: FsCheck's settings, replayed from a fixed seed, and a plain preprocessing.</summary>
internal static class AugmentationCases
{
    /// <summary>300 cases drawn from <paramref name="seed"/>, so a failure repeats on every run; failures throw.</summary>
    public static Config Replayed(ulong seed) => Config.QuickThrowOnFailure.WithMaxTest(300)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));

    /// <summary>Images stored at <paramref name="stored"/>² cropped to <paramref name="crop"/>²: a distinct mean per channel, unit scale, small PCA lighting, identity eigenvectors.</summary>
    public static Preprocessing Plain(int stored, int crop) =>
        new(stored, crop, [10, 20, 30], [1, 1, 1], [0.05, 0.01, 0.002], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
}
