using System.Globalization;
using AlexNet.Layers.Variants;
using AlexNet.Training.Run;

namespace AlexNet.Training.Checkpoints;

/// <summary>
/// Checks a <see cref="TrainingState"/> read from a file before anything uses it. JSON can say null
/// for any field and any length for an array; without this check a damaged or hand-edited state fails
/// later as an index or null error deep in preprocessing, far from its cause.
/// </summary>
public static class TrainingStateValidation
{
    /// <summary>Everything wrong with <paramref name="state"/>, as short phrases; empty when it is usable.</summary>
    public static IReadOnlyList<string> Problems(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var problems = new List<string>();
        var missing = new (string Name, object? Value)[]
        {
            ("model", state.Model), ("class_names", state.ClassNames), ("data_location", state.DataLocation), ("split", state.Split),
            ("optimizer", state.Optimizer), ("schedule", state.Schedule), ("schedule_state", state.ScheduleState),
            ("preprocessing", state.Preprocessing), ("partial", state.Partial), ("history", state.History), ("counters", state.Counters), ("backend", state.Backend),
        }.Where(field => field.Value is null).Select(field => field.Name).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} null");
        }
        var variant = state.Model is null ? null
            : ModelVariants.All.FirstOrDefault(v => string.Equals(v.Name, state.Model, StringComparison.OrdinalIgnoreCase));
        if (state.Model is not null && variant is null)
        {
            problems.Add($"model '{state.Model}' is not one this version knows ({string.Join(", ", ModelVariants.Names)})");
        }
        if (state.ClassNames is { } names && (names.Count == 0 || names.Any(string.IsNullOrEmpty)))
        {
            problems.Add(names.Count == 0 ? "class_names is empty" : "class_names has an empty or null name");
        }
        if (state.Preprocessing is { } preprocessing)
        {
            CheckPreprocessing(preprocessing, variant, problems);
        }
        // An unknown optimizer name is refused as the JSON is read (OptimizerSettings.KindJson).
        if (state.Optimizer is { } optimizer && (!(optimizer.LearningRate > 0) || !double.IsFinite(optimizer.LearningRate)))
        {
            problems.Add($"optimizer {RunNames.Optimizers[optimizer.Kind]} with learning rate {optimizer.LearningRate.ToString(CultureInfo.InvariantCulture)} is not usable (expected a positive rate)");
        }
        if (state.Schedule is not null && !RunNames.Schedules.TryParse(state.Schedule, out _))
        {
            problems.Add($"schedule '{state.Schedule}' is not one of {string.Join(", ", RunNames.Schedules.Names)}");
        }
        if (state.Initialization is not null && variant is not null && !variant.Initializations.Contains(state.Initialization))
        {
            problems.Add($"initialization '{state.Initialization}' is not one of {variant.Name}'s ({string.Join(", ", variant.Initializations)})");
        }
        if (state.Normalization is { } norm && variant is not null && !variant.Normalizations.Contains(norm))
        {
            problems.Add($"normalization '{norm}' is not one {variant.Name} can be built with ({string.Join(", ", variant.Normalizations)})");
        }
        if (state.FineTune is { } fineTune && (fineTune.InitFrom is null || fineTune.Freeze is not (null or Interop.FineTuning.Features) || !(fineTune.FeaturesLearningRateScale > 0)))
        {
            problems.Add($"fine_tune (freeze '{fineTune.Freeze}', features learning-rate scale {fineTune.FeaturesLearningRateScale.ToString(CultureInfo.InvariantCulture)}) is not usable (expected freeze null or '{Interop.FineTuning.Features}' and a positive scale)");
        }
        if (state.Augmentation is { } augmentation)
        {
            try
            {
                augmentation.Validated();
            }
            catch (Exception e) when (e is AppException or ArgumentException)
            {
                problems.Add($"augmentation ({augmentation}) is not usable: {e.Message}");
            }
        }
        if (state.SoftTargets is { } targets)
        {
            try
            {
                targets.Validated();
            }
            catch (AppException e)
            {
                problems.Add($"soft_targets is not usable: {e.Message}");
            }
        }
        if (state.BatchSize < 1 || state.TotalEpochs < 1 || state.Epoch < 0 || state.StepInEpoch < 0 || state.GlobalStep < 0)
        {
            problems.Add($"batch size {state.BatchSize}, total epochs {state.TotalEpochs}, epoch {state.Epoch}, step {state.StepInEpoch} and global step {state.GlobalStep} must be positive (the last three may be 0)");
        }
        if (!(state.WallSeconds >= 0) || !double.IsFinite(state.WallSeconds))
        {
            problems.Add($"wall_seconds {state.WallSeconds.ToString(CultureInfo.InvariantCulture)} is not a time (expected a finite number of seconds ≥ 0)");
        }
        return problems;
    }

    private static void CheckPreprocessing(Data.Preprocessing preprocessing, ModelVariant? variant, List<string> problems)
    {
        foreach (var (name, values, length) in new[]
        {
            ("mean", preprocessing.Mean, 3), ("scale", preprocessing.Scale, 3),
            ("pca_eigenvalues", preprocessing.PcaEigenvalues, 3), ("pca_eigenvectors", preprocessing.PcaEigenvectors, 9),
        })
        {
            if (values is null || values.Length != length || !values.All(double.IsFinite))
            {
                problems.Add($"preprocessing {name} has {(values is null ? "no values" : $"{values.Length} value(s)")}{(values is { } v && v.Length == length ? " that are not all finite" : "")}, expected {length} finite numbers");
            }
        }
        if (preprocessing.CropSize < 1 || preprocessing.CropSize > preprocessing.StoredSize)
        {
            problems.Add($"preprocessing crop size {preprocessing.CropSize} does not fit the stored size {preprocessing.StoredSize} (expected 1 ≤ crop ≤ stored)");
        }
        else if (variant is not null && preprocessing.CropSize != variant.InputShape[1])
        {
            problems.Add($"preprocessing crop size {preprocessing.CropSize} is not {variant.Name}'s input size {variant.InputShape[1]}");
        }
    }
}
