// The enums of a run's choices (model, initialization, optimizer, schedule, normalization, recipe) and RunNames, the one table of their names.

using AlexNet.Layers.Variants;

namespace AlexNet.Training.Run;

/// <summary>The network a run trains; each is one of <see cref="ModelVariants"/> (Layers/Variants), by name.</summary>
public enum ModelKind
{
    AlexNet,
    CaffeNet,
    TorchVision,
    KerasBlog,
    Mini,
}

/// <summary>How the starting weights are drawn; each variant accepts some of them (<see cref="ModelVariant.Initializations"/>).</summary>
public enum InitKind
{
    /// <summary>The paper's N(0, 0.01) with biases of 1 (alexnet, caffenet).</summary>
    Paper,

    /// <summary>BVLC Caffe's reference: biases 0.1, fc6/fc7 N(0, 0.005) (alexnet, caffenet).</summary>
    Caffe,

    /// <summary>PyTorch's layer defaults (torchvision).</summary>
    PyTorch,

    /// <summary>Keras' Glorot-uniform kernels (keras-blog).</summary>
    Keras,

    /// <summary>He-normal weights, zero biases (mini).</summary>
    He,
}

/// <summary>The optimizer of a run.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum and weight decay, the paper's (section 5).</summary>
    Sgd,

    /// <summary>Adam with Keras' constants, the tutorial's.</summary>
    Adam,

    /// <summary>AdamW, Adam with decoupled weight decay (Loshchilov &amp; Hutter), with PyTorch's constants.</summary>
    AdamW,
}

/// <summary>How the learning rate changes from epoch to epoch (see <see cref="Optimization.LearningRateSchedule"/>).</summary>
public enum ScheduleKind
{
    Constant,
    Step,
    Plateau,
    Cosine,
}

/// <summary>How a run's network normalizes its convolutions (<c>--norm</c>; see <see cref="Normalization"/>).</summary>
public enum NormKind
{
    /// <summary>The paper's local response normalization (alexnet, caffenet, mini).</summary>
    LocalResponse,

    /// <summary>Batch normalization after each convolution, before its ReLU, in place of LRN.</summary>
    Batch,

    /// <summary>Neither.</summary>
    None,
}

/// <summary>Which recipe of the paper's network fills the options <c>alexnet train</c> leaves out (<c>--recipe</c>; alexnet and caffenet).</summary>
public enum RecipeKind
{
    /// <summary>The paper's SGD and plateau schedule on the paper's crops of 256×256 squares (<see cref="Recipes.PaperOnSmallData"/>).</summary>
    Paper,

    /// <summary>The same SGD with augmentation from whole photos and a warm-up then cosine schedule (<see cref="Recipes.SmallData"/>).</summary>
    SmallData,
}

/// <summary>The names the command line and the checkpoints use for each choice of a run, in one place.</summary>
public static class RunNames
{
    /// <summary>alexnet, caffenet, torchvision, keras-blog, mini: the names of <see cref="ModelVariants"/>.</summary>
    public static NameTable<ModelKind> Models { get; } = new("model",
        (ModelKind.AlexNet, "alexnet"), (ModelKind.CaffeNet, "caffenet"), (ModelKind.TorchVision, "torchvision"), (ModelKind.KerasBlog, "keras-blog"), (ModelKind.Mini, "mini"));

    /// <summary>paper, caffe, pytorch, keras, he: the names the variants give their initializations.</summary>
    public static NameTable<InitKind> Initializations { get; } = new("initialization",
        (InitKind.Paper, "paper"), (InitKind.Caffe, "caffe"), (InitKind.PyTorch, "pytorch"), (InitKind.Keras, "keras"), (InitKind.He, "he"));

    /// <summary>sgd, adam, adamw.</summary>
    public static NameTable<OptimizerKind> Optimizers { get; } = new("optimizer", (OptimizerKind.Sgd, "sgd"), (OptimizerKind.Adam, "adam"), (OptimizerKind.AdamW, "adamw"));

    /// <summary>constant, step, plateau, cosine.</summary>
    public static NameTable<ScheduleKind> Schedules { get; } = new("learning-rate schedule",
        (ScheduleKind.Constant, "constant"), (ScheduleKind.Step, "step"), (ScheduleKind.Plateau, "plateau"), (ScheduleKind.Cosine, "cosine"));

    /// <summary>lrn, batch, none: the names of <see cref="Normalization"/>.</summary>
    public static NameTable<NormKind> Normalizations { get; } = new("normalization",
        (NormKind.LocalResponse, Normalization.LocalResponse), (NormKind.Batch, Normalization.Batch), (NormKind.None, Normalization.None));

    /// <summary>paper, small-data.</summary>
    public static NameTable<RecipeKind> Recipes { get; } = new("recipe", (RecipeKind.Paper, "paper"), (RecipeKind.SmallData, "small-data"));

    /// <summary>The layer list <paramref name="model"/> names.</summary>
    public static ModelVariant Variant(this ModelKind model) => ModelVariants.Get(Models[model]);

    /// <summary>Whether <paramref name="variant"/> can start from <paramref name="initialization"/>.</summary>
    public static bool Accepts(this ModelVariant variant, InitKind initialization) => variant.Initializations.Contains(Initializations[initialization]);

    /// <summary>Whether <paramref name="variant"/> can be built with <paramref name="normalization"/>.</summary>
    public static bool Accepts(this ModelVariant variant, NormKind normalization) => variant.Normalizations.Contains(Normalizations[normalization]);
}
