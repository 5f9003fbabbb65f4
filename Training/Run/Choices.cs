// The enums of a run's choices (model, initialization, optimizer, schedule) and RunNames, the one table of their names.

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

    /// <summary>The layer list <paramref name="model"/> names.</summary>
    public static ModelVariant Variant(this ModelKind model) => ModelVariants.Get(Models[model]);

    /// <summary>Whether <paramref name="variant"/> can start from <paramref name="initialization"/>.</summary>
    public static bool Accepts(this ModelVariant variant, InitKind initialization) => variant.Initializations.Contains(Initializations[initialization]);
}
