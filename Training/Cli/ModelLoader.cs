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
        // Checkpoint.Read has checked that the model is one this version knows.
        var model = ModelVariants.Get(checkpoint.State.Model).Build(backend, checkpoint.State.ClassNames.Count, checkpoint.State.Seed, dropout: checkpoint.State.Dropout);
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
