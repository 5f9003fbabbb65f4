using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Training.Data;
using AlexNet.Training.Optimization;
using AlexNet.Training.Reporting;

namespace AlexNet.Training.Checkpoints;

/// <summary>
/// Everything besides tensors that a checkpoint must hold for a run to continue exactly, or for
/// evaluation and prediction to see what training saw: the model and its classes, the data and its
/// split, the seed and the position in the run (epoch, step), the optimizer and schedule with their
/// state, the preprocessing constants, dropout's counters, the partial epoch's running sums and the
/// history of finished epochs. Stored as JSON in the safetensors metadata under <c>state</c>.
/// </summary>
public sealed record TrainingState
{
    /// <summary>The model variant's name.</summary>
    public required string Model { get; init; }

    /// <summary>How its starting weights were drawn (one of the variant's initializations); null for the variant's default.</summary>
    public string? Initialization { get; init; }

    /// <summary>The class names, in label order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Where the data came from: a folder, or <c>synthetic:CLASSESxIMAGES</c>.</summary>
    public required string DataLocation { get; init; }

    /// <summary>The files the split was made from (null in checkpoints written before it was stored).</summary>
    public SplitFingerprint? DataFingerprint { get; init; }

    /// <summary>The split, as <see cref="SplitSpec"/> writes it.</summary>
    public required string Split { get; init; }

    /// <summary>The pixel limit the data was read with.</summary>
    public required long MaxPixels { get; init; }

    /// <summary>The seed of initialization, order, augmentation, dropout, and of the split unless <see cref="SplitSeed"/> is set.</summary>
    public required ulong Seed { get; init; }

    /// <summary>The seed the split was drawn with (<c>--split-seed</c>); null for a run whose split, like every run's before the option, came from <see cref="Seed"/>.</summary>
    public ulong? SplitSeed { get; init; }

    public required int BatchSize { get; init; }

    /// <summary>The number of epochs the run is to reach.</summary>
    public required int TotalEpochs { get; init; }

    public required OptimizerSettings Optimizer { get; init; }

    /// <summary>Optimizer updates so far (Adam's t).</summary>
    public required int OptimizerSteps { get; init; }

    public required string Schedule { get; init; }

    public required int ScheduleStepEpochs { get; init; }

    public required int SchedulePatience { get; init; }

    /// <summary>Epochs of linear warm-up (0 in checkpoints written before <c>--warmup-epochs</c>).</summary>
    public int ScheduleWarmupEpochs { get; init; }

    public required ScheduleState ScheduleState { get; init; }

    /// <summary>Stored and crop size, mean and PCA of the training set.</summary>
    public required Preprocessing Preprocessing { get; init; }

    /// <summary>Finished epochs; the epoch in progress is this one (0-based).</summary>
    public required int Epoch { get; init; }

    /// <summary>Batches of the epoch in progress already trained (0 at an epoch boundary).</summary>
    public required int StepInEpoch { get; init; }

    /// <summary>Batches trained over the whole run.</summary>
    public required long GlobalStep { get; init; }

    /// <summary>The running sums of the epoch in progress.</summary>
    public required EpochProgress Partial { get; init; }

    /// <summary>One entry per finished epoch.</summary>
    public required IReadOnlyList<EpochMetrics> History { get; init; }

    /// <summary>The best validation top-1 so far and its epoch (0 when none yet).</summary>
    public required double BestValidationTop1 { get; init; }

    public required int BestEpoch { get; init; }

    /// <summary>The model's integer state (dropout seeds and mask counts) by name.</summary>
    public required IReadOnlyDictionary<string, ulong> Counters { get; init; }

    /// <summary>The backend the checkpoint was written on (for information; any backend can load it).</summary>
    public required string Backend { get; init; }

    /// <summary>Where a fine-tuning run's weights came from and what it trains (<c>train --init-from</c>); null for a run from scratch.</summary>
    public Interop.FineTuning? FineTune { get; init; }

    /// <summary>The probability of every Dropout layer (<c>train --dropout</c>); null for the variant's own, as in checkpoints written before the option.</summary>
    public float? Dropout { get; init; }

    /// <summary>The class list file <c>--classes-file</c> named (full path); null where the data's own classes.txt or folder names gave the classes (and in checkpoints written before it was stored).</summary>
    public string? ClassesFile { get; init; }

    /// <summary>What training added to the paper's augmentation (<c>--stored-short-side</c>, <c>--crop</c>, <c>--jitter</c>); null for the paper's, as in checkpoints written before these options.</summary>
    public AugmentationSettings? Augmentation { get; init; }

    /// <summary>Wall-clock seconds the run has trained, validated and saved over every session; 0 in checkpoints written before it was recorded.</summary>
    public double WallSeconds { get; init; }
    /// <summary>How the convolutions are normalized (<c>train --norm</c>: lrn, batch or none); null for the variant's own, as in checkpoints written before the option.</summary>
    public string? Normalization { get; init; }
    /// <summary>Label smoothing, mixup and cutmix (<c>--label-smoothing</c>, <c>--mixup</c>, <c>--cutmix</c>, <c>--mix-prob</c>); null for hard labels, as in checkpoints written before these options.</summary>
    public SoftTargetSettings? SoftTargets { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Where the run stands, in words: "epoch 2, step 3" inside an epoch, "end of epoch 2" between epochs.</summary>
    public string Position() => Run.RunState.Progress(this).Position();

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static TrainingState FromJson(string json) =>
        JsonSerializer.Deserialize<TrainingState>(json, Options) ?? throw new JsonException("The training state is null.");
}

/// <summary>Running sums of an epoch's training batches, so an interrupted epoch reports the same numbers after a resume.</summary>
public sealed record EpochProgress(double LossSum, long Correct, long Seen, double Seconds)
{
    public static EpochProgress Empty { get; } = new(0, 0, 0, 0);
}
