namespace AlexNet.Layers.Variants;

/// <summary>
/// The training settings a variant was published with, as defaults for the app (each can be
/// overridden on the command line). The names match the app's options: <see cref="Optimizer"/> is
/// <c>sgd</c> or <c>adam</c>; <see cref="Schedule"/> is <c>constant</c>, <c>step</c>, <c>plateau</c>
/// (divide by 10 when the validation error stops improving, the paper's rule) or <c>cosine</c>.
/// Batch sizes and epoch counts are those of the original ImageNet-scale recipes, except for the
/// paper's network, whose defaults are <see cref="PaperOnSmallData"/>: the paper's recipe as it
/// trains on Oxford 17 Flowers.
/// </summary>
/// <param name="Optimizer"><c>sgd</c> (with momentum) or <c>adam</c></param>
/// <param name="LearningRate">the starting learning rate</param>
/// <param name="Momentum">SGD's momentum (unused by Adam, which keeps Keras' β1 = 0.9, β2 = 0.999, ε = 1e-7)</param>
/// <param name="WeightDecay">L2 weight decay (0 for none)</param>
/// <param name="BatchSize">images per step</param>
/// <param name="Epochs">passes over the training set</param>
/// <param name="Schedule">how the learning rate changes</param>
/// <param name="Source">where these numbers come from</param>
/// <param name="Initialization">how the weights start (one of the variant's initializations), or null for its first</param>
/// <param name="Patience">epochs without a better validation error before the plateau schedule divides the rate</param>
public sealed record TrainingDefaults(
    string Optimizer, float LearningRate, float Momentum, float WeightDecay, int BatchSize, int Epochs, string Schedule, string Source,
    string? Initialization = null, int Patience = 5)
{
    /// <summary>
    /// The paper's section 5: SGD, batch 128, momentum 0.9, weight decay 0.0005, learning rate 0.01
    /// divided by 10 whenever the validation error stopped improving (three times in all), roughly 90
    /// passes over the data.
    /// </summary>
    public static TrainingDefaults Paper { get; } = new("sgd", 0.01f, 0.9f, 5e-4f, 128, 90, "plateau",
        "Krizhevsky et al. 2012, section 5: SGD, batch 128, momentum 0.9, weight decay 5e-4, lr 0.01 divided by 10 when the validation error plateaus, ~90 epochs");

    /// <summary>
    /// The paper's optimizer and schedule as they train the paper's network on Oxford 17 Flowers
    /// (Docs/results.md): batch 32 (21 steps an epoch from 680 images, not 5), Caffe's reference
    /// initialization (with the paper's biases of 1 a few hundred images stay at chance), a patience
    /// of 10 epochs, and up to 150 epochs, which the plateau rule ends sooner. The paper's own
    /// ImageNet recipe is <see cref="Paper"/> (<c>--init paper --batch-size 128 --patience 5 --epochs 90</c>).
    /// </summary>
    public static TrainingDefaults PaperOnSmallData { get; } = Paper with
    {
        BatchSize = 32,
        Epochs = 150,
        Initialization = "caffe",
        Patience = 10,
        Source = "the paper's SGD (momentum 0.9, weight decay 5e-4, lr 0.01 divided by 10 on plateaus) as recorded on Oxford 17 Flowers: batch 32, Caffe's initialization, patience 10, up to 150 epochs",
    };
}
