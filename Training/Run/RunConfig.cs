// RunConfig: a run's settings, immutable, filled from the command line and Recipes.cs; RunProgress.cs is what changes.

using AlexNet.Layers.Variants;
using AlexNet.Training.Data;
using AlexNet.Training.Optimization;

namespace AlexNet.Training.Run;

/// <summary>
/// A run's settings: what it trains, on which data, and how — fixed when the run starts (only
/// <see cref="Epochs"/> and <see cref="Backend"/> may change when it is resumed). The command line
/// fills what it is given and <see cref="Recipes"/> the rest; <see cref="RunState"/> writes it into
/// a checkpoint and reads it back. A new run option is a new property here.
/// </summary>
public sealed record RunConfig
{
    /// <summary>The network.</summary>
    public required ModelKind Model { get; init; }

    /// <summary>How its starting weights are drawn: one of the variant's initializations.</summary>
    public required InitKind Initialization { get; init; }

    /// <summary>The class names, in label order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Where the data came from: a folder, or <c>synthetic:CLASSESxIMAGES</c>.</summary>
    public required string DataLocation { get; init; }

    /// <summary>The files the split was made from; null for a run saved before fingerprints were stored.</summary>
    public SplitFingerprint? DataFingerprint { get; init; }

    /// <summary>How each class is shared between training, validation and test.</summary>
    public required SplitSpec Split { get; init; }

    /// <summary>The pixel limit the data is read with.</summary>
    public required long MaxPixels { get; init; }

    /// <summary>The seed of initialization, order, augmentation, dropout, and of the split unless <see cref="SplitSeed"/> is set.</summary>
    public required ulong Seed { get; init; }

    /// <summary>The seed of the split alone (<c>--split-seed</c>); null keeps the split drawn from <see cref="Seed"/>, as every run before the option.</summary>
    public ulong? SplitSeed { get; init; }

    /// <summary>The seed the split is drawn with: <see cref="SplitSeed"/>, or <see cref="Seed"/> where none was given.</summary>
    public ulong DataSplitSeed => SplitSeed ?? Seed;

    /// <summary>Images per training step.</summary>
    public required int BatchSize { get; init; }

    /// <summary>The number of epochs the run is to reach.</summary>
    public required int Epochs { get; init; }

    /// <summary>The optimizer and its constants, the starting learning rate among them.</summary>
    public required OptimizerSettings Optimizer { get; init; }

    /// <summary>How the learning rate changes.</summary>
    public required ScheduleSettings Schedule { get; init; }

    /// <summary>Stored and crop size, mean and PCA of the training set (measured on it when the run starts).</summary>
    public required Preprocessing Preprocessing { get; init; }

    /// <summary>The backend the run computes on, as <c>--backend</c> names it.</summary>
    public required string Backend { get; init; }

    /// <summary>Where a fine-tuning run's weights came from and what it trains (<c>--init-from</c>); null for a run from scratch.</summary>
    public Interop.FineTuning? FineTune { get; init; }

    /// <summary>The probability of every Dropout layer (<c>--dropout</c>; 0: none); null keeps the variant's own, as every run before the option.</summary>
    public float? Dropout { get; init; }

    /// <summary>The class list <c>--classes-file</c> named (full path), so a resume, evaluate and report read the classes in the same order; null where the data's own list was used.</summary>
    public string? ClassesFile { get; init; }

    /// <summary>What training adds to the paper's crops, mirrors and PCA lighting; <see cref="AugmentationSettings.Paper"/> adds nothing.</summary>
    public AugmentationSettings Augmentation { get; init; } = AugmentationSettings.Paper;

    /// <summary>How the convolutions are normalized (<c>--norm</c>); null keeps the variant's own (LRN in alexnet), as every run before the option.</summary>
    public NormKind? Normalization { get; init; }

    /// <summary><see cref="Normalization"/>'s name, as <see cref="ModelVariant.Build"/> takes it (null: the variant's own).</summary>
    public string? NormalizationName => Normalization is { } norm ? RunNames.Normalizations[norm] : null;

    /// <summary>Label smoothing, mixup and cutmix of the training targets; <see cref="SoftTargetSettings.None"/> trains on the hard labels.</summary>
    public SoftTargetSettings SoftTargets { get; init; } = SoftTargetSettings.None;

    /// <summary>The layer list <see cref="Model"/> names.</summary>
    public ModelVariant Variant => Model.Variant();

    /// <summary>The schedule, in its starting state, for these settings.</summary>
    public LearningRateSchedule NewSchedule() => new(Schedule, Optimizer.LearningRate, Epochs);
}
