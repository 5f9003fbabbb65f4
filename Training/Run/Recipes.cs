// Every default of a run: each variant's published training recipe, and the constants of an optimizer chosen over it.

namespace AlexNet.Training.Run;

/// <summary>
/// A variant's recommended training settings: what <c>alexnet train</c> uses for every option the
/// command line leaves out.
/// </summary>
/// <param name="Optimizer">momentum SGD, Adam or AdamW</param>
/// <param name="LearningRate">the starting learning rate</param>
/// <param name="Momentum">SGD's momentum (Adam keeps Keras' β1 = 0.9, β2 = 0.999, ε = 1e-7 and ignores it)</param>
/// <param name="WeightDecay">L2 weight decay (0 for none)</param>
/// <param name="BatchSize">images per step</param>
/// <param name="Epochs">passes over the training set</param>
/// <param name="Schedule">how the learning rate changes</param>
/// <param name="Initialization">how the weights start: one of the variant's initializations</param>
/// <param name="Source">where these numbers come from</param>
/// <param name="Patience">epochs without a better validation error before the plateau schedule divides the rate</param>
/// <param name="StepEpochs">epochs between two ×0.1 steps of the step schedule</param>
/// <param name="Augmentation">what training adds to the paper's crops, mirrors and PCA lighting (null: nothing)</param>
/// <param name="SoftTargets">label smoothing, mixup and cutmix (null: hard labels)</param>
/// <param name="WarmupEpochs">epochs over which the learning rate rises linearly to the schedule's</param>
public sealed record Recipe(
    OptimizerKind Optimizer, double LearningRate, double Momentum, double WeightDecay, int BatchSize, int Epochs,
    ScheduleKind Schedule, InitKind Initialization, string Source, int Patience = Recipes.DefaultPatience, int StepEpochs = Recipes.DefaultStepEpochs,
    Data.AugmentationSettings? Augmentation = null, Data.SoftTargetSettings? SoftTargets = null, int WarmupEpochs = 0);

/// <summary>
/// Every default of a run, in one place: each variant's recipe, and the constants an optimizer takes
/// when the command line chooses one other than its recipe's. Batch sizes and epoch counts are those
/// of the original ImageNet-scale recipes, except for the paper's network, whose recipe is
/// <see cref="PaperOnSmallData"/>: the paper's as it trains on Oxford 17 Flowers, and <see cref="SmallData"/>, alexnet's default.
/// </summary>
public static class Recipes
{
    /// <summary>The plateau schedule's patience unless a recipe says otherwise (the step schedule's epochs: <see cref="DefaultStepEpochs"/>).</summary>
    public const int DefaultPatience = 5;

    /// <summary>Epochs between two steps of the step schedule unless a recipe says otherwise (torchvision's 30).</summary>
    public const int DefaultStepEpochs = 30;

    /// <summary>
    /// The paper's section 5: SGD, batch 128, momentum 0.9, weight decay 0.0005, learning rate 0.01
    /// divided by 10 whenever the validation error stopped improving (three times in all), roughly 90
    /// passes over the data, weights N(0, 0.01) and biases of 1.
    /// </summary>
    public static Recipe Paper { get; } = new(OptimizerKind.Sgd, 0.01, 0.9, 5e-4, 128, 90, ScheduleKind.Plateau, InitKind.Paper,
        "Krizhevsky et al. 2012, section 5: SGD, batch 128, momentum 0.9, weight decay 5e-4, lr 0.01 divided by 10 when the validation error plateaus, ~90 epochs");

    /// <summary>
    /// The paper's optimizer and schedule as they train the paper's network on Oxford 17 Flowers
    /// (Docs/results.md): batch 32 (21 steps an epoch from 680 images, not 5), Caffe's reference
    /// initialization (with the paper's biases of 1 a few hundred images stay at chance), a patience
    /// of 10 epochs, and up to 150 epochs, which the plateau rule ends sooner. The paper's own
    /// ImageNet recipe is <see cref="Paper"/> (<c>--init paper --batch-size 128 --patience 5 --epochs 90</c>).
    /// </summary>
    public static Recipe PaperOnSmallData { get; } = Paper with
    {
        BatchSize = 32,
        Epochs = 150,
        Initialization = InitKind.Caffe,
        Patience = 10,
        Source = "the paper's SGD (momentum 0.9, weight decay 5e-4, lr 0.01 divided by 10 on plateaus) as recorded on Oxford 17 Flowers: batch 32, Caffe's initialization, patience 10, up to 150 epochs",
    };

    /// <summary>
    /// The small-data recipe, alexnet's default (<c>--recipe small-data</c>; Docs/results.md measures it
    /// against <see cref="PaperOnSmallData"/> on three splits): the same SGD, batch, initialization and
    /// dropout, with every training image drawn afresh from the whole photo (stored at a short side of
    /// 320, random-resized crops of 25–100% of its area at aspects 3/4–4/3, colour jitter before the PCA
    /// lighting) and 5 warm-up epochs, then a half cosine to 0 over 150 epochs. On 680 images the
    /// network then no longer memorizes its training set (train top-1 near 93% instead of 99%).
    /// </summary>
    public static Recipe SmallData { get; } = PaperOnSmallData with
    {
        Schedule = ScheduleKind.Cosine,
        WarmupEpochs = 5,
        Augmentation = new Data.AugmentationSettings(320, new Data.Interval(0.25, 1), Data.AugmentationSettings.DefaultCropAspect, new Data.JitterSettings(0.4, 0.4, 0.4, 0.05)),
        Source = "the paper's SGD (momentum 0.9, weight decay 5e-4, lr 0.01), batch 32 and Caffe's initialization, with crops from whole photos (short side 320, random-resized 25-100% of the area, jitter 0.4,0.4,0.4,0.05) and 5 warm-up epochs then cosine over 150 epochs, as measured on Oxford 17 Flowers",
    };

    /// <summary>torchvision's reference recipe (<c>references/classification</c>) for AlexNet.</summary>
    public static Recipe TorchVision { get; } = new(OptimizerKind.Sgd, 0.01, 0.9, 1e-4, 256, 90, ScheduleKind.Step, InitKind.PyTorch,
        "torchvision references/classification: SGD lr 0.01 (AlexNet), momentum 0.9, weight decay 1e-4, batch 256, lr x0.1 every 30 epochs, 90 epochs");

    /// <summary>The Keras tutorial's: <c>compile(optimizer='adam')</c> with Keras' defaults, <c>fit(batch_size=64)</c>.</summary>
    public static Recipe KerasBlog { get; } = new(OptimizerKind.Adam, 0.001, 0.9, 0, 64, 100, ScheduleKind.Constant, InitKind.Keras,
        "the Keras tutorial: compile(optimizer='adam') with Keras' defaults (lr 0.001), fit(batch_size=64); its code runs 1 epoch, reproductions train 70-100");

    /// <summary>For quick demos, not tuned: the paper's SGD momentum and weight decay, batch 32, a constant rate of 0.01.</summary>
    public static Recipe Mini { get; } = new(OptimizerKind.Sgd, 0.01, 0.9, 5e-4, 32, 30, ScheduleKind.Constant, InitKind.He,
        "chosen for quick demos (not tuned): the paper's SGD momentum 0.9 and weight decay 5e-4, batch 32, constant lr 0.01");

    /// <summary>
    /// The recipe of <paramref name="model"/>: for alexnet and caffenet the one <paramref name="choice"/>
    /// names (default: <see cref="SmallData"/> for alexnet, the measured one; <see cref="PaperOnSmallData"/>
    /// for caffenet, where the small-data recipe has not been measured); the other variants have their
    /// own published recipe and no choice.
    /// </summary>
    public static Recipe For(ModelKind model, RecipeKind? choice = null) => model switch
    {
        ModelKind.AlexNet or ModelKind.CaffeNet => (choice ?? (model == ModelKind.AlexNet ? RecipeKind.SmallData : RecipeKind.Paper)) == RecipeKind.SmallData ? SmallData : PaperOnSmallData,
        _ when choice is not null => throw AppException.Usage($"--recipe {RunNames.Recipes[choice.Value]} chooses between the recipes of the paper's network (alexnet, caffenet); {RunNames.Models[model]} trains with its own ({For(model).Source}). Leave --recipe out, and set single options such as --schedule or --crop instead."),
        ModelKind.TorchVision => TorchVision,
        ModelKind.KerasBlog => KerasBlog,
        ModelKind.Mini => Mini,
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "No recipe for this model."),
    };

    /// <summary>
    /// AdamW's decoupled weight decay unless <c>--weight-decay</c> says otherwise. PyTorch's default is
    /// 0.01; 0.05 is what the recipes that train convolutional networks from scratch with AdamW use
    /// (DeiT, ConvNeXt), and on a few hundred images the stronger pull towards zero is the point.
    /// With lr 0.001 a weight without gradient shrinks by lr·λ = 5·10⁻⁵ a step, to about 0.73 of
    /// itself over 6,300 steps (300 epochs of 21 batches): a regularizer, not a reset.
    /// </summary>
    public const double AdamWWeightDecay = 0.05;

    /// <summary>
    /// The learning rate, momentum and weight decay an optimizer starts from when the command line
    /// chooses it over the recipe's: the paper's constants for SGD, Keras' for Adam (its momentum
    /// is not used), PyTorch's lr 0.001 and <see cref="AdamWWeightDecay"/> for AdamW.
    /// </summary>
    public static (double LearningRate, double Momentum, double WeightDecay) OptimizerDefaults(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Adam => (0.001, 0.9, 0),
        OptimizerKind.AdamW => (0.001, 0.9, AdamWWeightDecay),
        _ => (0.01, 0.9, 5e-4),
    };
}
