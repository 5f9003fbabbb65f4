using System.Text.Json;
using AlexNet.Layers.Variants;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Data;
using AlexNet.Training.Optimization;
using AlexNet.Training.Run;

namespace AlexNet.Tests.Training;

/// <summary>A run's settings: the names of its choices, the recipes, and the seam with the checkpoint's training state.</summary>
public sealed class RunConfigTests
{
    [Fact]
    public void The_model_names_are_the_variants_and_every_initialization_has_a_name()
    {
        Assert.Equal(ModelVariants.Names, RunNames.Models.Names);
        Assert.All(Enum.GetValues<ModelKind>(), model => Assert.Equal(RunNames.Models[model], model.Variant().Name));
        Assert.All(ModelVariants.All.SelectMany(variant => variant.Initializations),
            name => Assert.True(RunNames.Initializations.TryParse(name, out _), $"initialization '{name}' has no {nameof(InitKind)}"));
    }

    [Fact]
    public void Every_recipe_starts_its_model_from_an_initialization_the_model_has()
    {
        Assert.All(Enum.GetValues<ModelKind>(), model => Assert.True(model.Variant().Accepts(Recipes.For(model).Initialization),
            $"{RunNames.Models[model]}: its recipe's --init {RunNames.Initializations[Recipes.For(model).Initialization]} is not one of {string.Join(", ", model.Variant().Initializations)}"));
    }

    [Fact]
    public void The_paper_recipes_are_section_5_and_its_small_data_version()
    {
        var paper = Recipes.Paper;
        Assert.Equal((OptimizerKind.Sgd, 0.01, 0.9, 5e-4, 128, 90, ScheduleKind.Plateau, InitKind.Paper, 5),
            (paper.Optimizer, paper.LearningRate, paper.Momentum, paper.WeightDecay, paper.BatchSize, paper.Epochs, paper.Schedule, paper.Initialization, paper.Patience));
        // The recipe of Docs/results.md: the paper's optimizer and schedule, batch 32, Caffe's initialization, patience 10.
        var small = Recipes.PaperOnSmallData;
        Assert.Equal((OptimizerKind.Sgd, 0.01, 0.9, 5e-4, ScheduleKind.Plateau, 32, 150, InitKind.Caffe, 10),
            (small.Optimizer, small.LearningRate, small.Momentum, small.WeightDecay, small.Schedule, small.BatchSize, small.Epochs, small.Initialization, small.Patience));
        Assert.Same(small, Recipes.For(ModelKind.AlexNet, RecipeKind.Paper));
        Assert.Same(small, Recipes.For(ModelKind.CaffeNet));
        var keras = Recipes.For(ModelKind.KerasBlog);
        Assert.Equal((OptimizerKind.Adam, 0.001, 64, 0.0), (keras.Optimizer, keras.LearningRate, keras.BatchSize, keras.WeightDecay));
    }

    [Fact]
    public void Alexnet_trains_by_default_with_the_small_data_recipe_of_Docs_results()
    {
        var recipe = Recipes.For(ModelKind.AlexNet);

        Assert.Same(Recipes.SmallData, recipe);
        Assert.Same(recipe, Recipes.For(ModelKind.CaffeNet, RecipeKind.SmallData));
        // The paper's optimizer, batch, initialization and epochs; what changed is the input and the schedule.
        var paper = Recipes.PaperOnSmallData;
        Assert.Equal((paper.Optimizer, paper.LearningRate, paper.Momentum, paper.WeightDecay, paper.BatchSize, paper.Epochs, paper.Initialization),
            (recipe.Optimizer, recipe.LearningRate, recipe.Momentum, recipe.WeightDecay, recipe.BatchSize, recipe.Epochs, recipe.Initialization));
        Assert.Equal((ScheduleKind.Cosine, 5, 0), (recipe.Schedule, recipe.WarmupEpochs, paper.WarmupEpochs));
        Assert.Equal(new AugmentationSettings(320, new Interval(0.25, 1), new Interval(3.0 / 4, 4.0 / 3), new JitterSettings(0.4, 0.4, 0.4, 0.05)), recipe.Augmentation);
        Assert.Null(paper.Augmentation);
    }

    [Fact]
    public void A_training_state_read_into_a_config_and_progress_is_written_back_unchanged()
    {
        var state = TestStates.Mini();

        var again = RunState.Of(RunState.Config(state), RunState.Progress(state));

        Assert.Equal(state.ToJson(), again.ToJson());
    }

    [Fact]
    public void A_state_without_a_split_seed_splits_by_its_seed_and_a_stored_one_is_read_back()
    {
        var old = RunState.Config(TestStates.Mini() with { SplitSeed = null });
        Assert.Null(old.SplitSeed);
        Assert.Equal(old.Seed, old.DataSplitSeed);

        var state = TrainingState.FromJson((TestStates.Mini() with { SplitSeed = 42 }).ToJson());
        var config = RunState.Config(state);

        Assert.Equal(42UL, config.DataSplitSeed);
        Assert.NotEqual(config.Seed, config.DataSplitSeed);
        Assert.Equal(42UL, RunState.Of(config, RunState.Progress(state)).SplitSeed);
    }

    [Fact]
    public void A_state_without_an_initialization_reads_as_the_models_default()
    {
        var config = RunState.Config(TestStates.Mini() with { Initialization = null });

        Assert.Equal(InitKind.He, config.Initialization);
        Assert.Equal(ModelKind.Mini, config.Model);
        Assert.Equal(new ScheduleSettings(ScheduleKind.Constant, 30, 5), config.Schedule);
    }

    [Fact]
    public void The_optimizer_is_stored_by_name_and_an_unknown_name_says_which_are_known()
    {
        string json = TestStates.Mini().ToJson();
        Assert.Contains("\"optimizer\":{\"name\":\"sgd\",", json, StringComparison.Ordinal);

        var error = Assert.Throws<JsonException>(() => TrainingState.FromJson(json.Replace("\"name\":\"sgd\"", "\"name\":\"rmsprop\"", StringComparison.Ordinal)));

        Assert.Contains("optimizer 'rmsprop' is not one of sgd, adam, adamw", error.Message, StringComparison.Ordinal);
        // Without a name the optimizer is not taken to be the enum's first: the state is refused.
        Assert.Throws<JsonException>(() => TrainingState.FromJson(json.Replace("\"name\":\"sgd\",", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void AdamW_starts_from_PyTorchs_constants_and_the_chosen_decay_and_a_state_without_decay_biases_decays_them()
    {
        Assert.Equal((0.001, 0.05), (Recipes.OptimizerDefaults(OptimizerKind.AdamW).LearningRate, Recipes.OptimizerDefaults(OptimizerKind.AdamW).WeightDecay));
        var adamW = OptimizerSettings.Create(OptimizerKind.AdamW, 0.001, 0.9, 0.05);
        Assert.Equal((0.9, 0.999, 1e-8, false), (adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.DecayBiases));
        var state = TestStates.Mini() with { Optimizer = adamW };
        Assert.Equal(adamW, TrainingState.FromJson(state.ToJson()).Optimizer);
        Assert.Equal("adamw lr 0.001 (β1 0.9, β2 0.999, ε 1E-08), decoupled weight decay 0.05", adamW.ToString());

        // A checkpoint written before the setting existed decayed its biases: it reads back that way.
        string old = TestStates.Mini().ToJson().Replace(",\"decay_biases\":true", "", StringComparison.Ordinal);
        Assert.DoesNotContain("decay_biases", old, StringComparison.Ordinal);
        Assert.True(TrainingState.FromJson(old).Optimizer.DecayBiases);
    }

    [Fact]
    public void A_state_naming_an_initialization_its_model_lacks_is_unusable()
    {
        var problems = TrainingStateValidation.Problems(TestStates.Mini() with { Initialization = "paper" });

        Assert.Equal(["initialization 'paper' is not one of mini's (he)"], problems);
    }

    [Fact]
    public void Unknown_names_are_refused_with_the_known_ones()
    {
        var error = Assert.Throws<AlexNet.Training.AppException>(() => RunNames.Initializations.Parse("xavier"));

        Assert.Equal("Unknown initialization 'xavier'; expected one of paper, caffe, pytorch, keras, he.", error.Message);
        Assert.Equal(OptimizerKind.Adam, RunNames.Optimizers.Parse("ADAM"));
    }

    [Fact]
    public void The_schedule_of_a_config_starts_at_the_optimizers_rate()
    {
        var config = RunState.Config(TestStates.Mini()) with { Schedule = new ScheduleSettings(ScheduleKind.Step, 2, 5), Epochs = 6 };

        var schedule = config.NewSchedule();

        Assert.Equal([0.01, 0.01, 0.001, 0.001, 0.0001], Enumerable.Range(0, 5).Select(epoch => Math.Round(schedule.RateFor(epoch), 12)));
        Assert.Equal(ScheduleKind.Step, schedule.Kind);
    }
}
