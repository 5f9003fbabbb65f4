using AlexNet.Backends;
using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Training.Cli;

/// <summary>Builds the model a checkpoint describes on a backend and loads its weights, for evaluation and prediction.</summary>
public static class ModelLoader
{
    /// <summary>The checkpoint's model, restored and in inference mode.</summary>
    public static Sequential Load(Checkpoint checkpoint, IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ModelVariant variant;
        try
        {
            variant = ModelVariants.Get(checkpoint.State.Model);
        }
        catch (ArgumentException e)
        {
            throw new AppException($"The checkpoint '{checkpoint.Path}' is for model '{checkpoint.State.Model}', which this version does not know: {e.Message}", e);
        }
        var model = variant.Build(backend, checkpoint.State.ClassNames.Count, checkpoint.State.Seed);
        try
        {
            checkpoint.Restore(model, optimizer: null);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.IsTraining = false;
        return model;
    }
}
