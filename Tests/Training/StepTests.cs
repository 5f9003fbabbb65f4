using AlexNet.Backends.Cpu;
using AlexNet.Layers.Variants;
using AlexNet.Training.Loop;
using AlexNet.Training.Optimization;
using AlexNet.Training.Run;

namespace AlexNet.Tests.Training;

/// <summary>The app's one training step, inference step and batch on the device, and how they are scored.</summary>
public sealed class StepTests
{
    private const int Classes = 4;

    [Fact]
    public void A_batch_keeps_its_labels_as_integers_and_gives_the_loss_their_float_tensor()
    {
        using var backend = new CpuBackend();
        using var batch = new DeviceBatch(backend, Mini.Variant.InputShape);
        var images = new float[2 * Mini.Variant.InputShape.Length];

        batch.Load(images, [3, 1], labels: true);

        Assert.Equal([3, 1], batch.Labels.ToArray());
        Assert.Equal([3f, 1f], batch.LabelTensor.ToArray());
        Assert.Equal("[2, 3, 64, 64]", batch.Images.Shape.ToString());
    }

    [Fact]
    public void A_batch_loaded_for_inference_has_no_label_tensor_and_a_wrong_size_is_refused()
    {
        using var backend = new CpuBackend();
        using var batch = new DeviceBatch(backend, Mini.Variant.InputShape);
        batch.Load(new float[Mini.Variant.InputShape.Length], [0], labels: false);

        var missing = Assert.Throws<InvalidOperationException>(() => batch.LabelTensor);
        var wrong = Assert.Throws<ArgumentException>(() => batch.Load(new float[10], [0, 1], labels: true));

        Assert.Contains("without its labels", missing.Message, StringComparison.Ordinal);
        Assert.Equal($"A batch of 2 label(s) needs 2 × [3, 64, 64] = {2 * 3 * 64 * 64} input values, not 10.", wrong.Message);
    }

    [Fact]
    public void A_training_step_lowers_the_loss_of_its_batch_and_counts_its_top1()
    {
        using var backend = new CpuBackend();
        using var model = Mini.Variant.Build(backend, Classes, seed: 3);
        using var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Sgd, 0.01, 0.9, 0), model.Parameters, backend);
        using var step = new TrainingStep(model, optimizer);
        using var batch = RandomBatch(backend, count: 8, seed: 5);

        var results = Enumerable.Range(0, 10).Select(_ => step.Run(batch, 0.01)).ToList();

        Assert.All(results, result => Assert.InRange(result.Correct, 0, 8));
        Assert.All(results, result => Assert.Equal(8, result.Count));
        Assert.True(results[^1].Loss < results[0].Loss, $"loss {results[0].Loss} → {results[^1].Loss} after 10 steps on one batch");
        Assert.Equal(10, optimizer.Steps);
    }

    [Fact]
    public void A_step_whose_loss_is_not_finite_leaves_the_weights_as_they_were()
    {
        using var backend = new CpuBackend();
        using var model = Mini.Variant.Build(backend, Classes, seed: 3);
        using var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Sgd, 0.01, 0.9, 0), model.Parameters, backend);
        using var step = new TrainingStep(model, optimizer);
        using var batch = new DeviceBatch(backend, Mini.Variant.InputShape);
        var images = new float[2 * Mini.Variant.InputShape.Length];
        images[0] = float.NaN;
        batch.Load(images, [0, 1], labels: true);
        float[][] before = [.. model.Parameters.Select(p => p.Value.ToArray())];

        var result = step.Run(batch, 0.01);

        Assert.False(float.IsFinite(result.Loss));
        Assert.Equal(0, optimizer.Steps);
        Assert.All(model.Parameters.Select((p, i) => (p, i)), entry => Assert.Equal(before[entry.i], entry.p.Value.ToArray()));
    }

    [Fact]
    public void The_probe_hears_every_layer_forward_then_the_loss_then_every_layer_backward_then_the_update()
    {
        using var backend = new CpuBackend();
        using var model = Mini.Variant.Build(backend, Classes, seed: 3);
        using var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Sgd, 0.01, 0.9, 0), model.Parameters, backend);
        using var step = new TrainingStep(model, optimizer);
        using var batch = RandomBatch(backend, count: 2, seed: 1);
        var probe = new Recorder();

        step.Run(batch, 0.01, probe);

        int layers = model.Layers.Count;
        (StepPhase, int)[] expected =
        [
            (StepPhase.ZeroGradients, -1),
            .. Enumerable.Range(0, layers).Select(i => (StepPhase.LayerForward, i)),
            (StepPhase.Loss, -1),
            .. Enumerable.Range(0, layers).Reverse().Select(i => (StepPhase.LayerBackward, i)),
            (StepPhase.Update, -1),
        ];
        Assert.Equal(expected, probe.Heard);
    }

    [Fact]
    public void Inference_gives_one_probability_row_per_image_in_inference_mode()
    {
        using var backend = new CpuBackend();
        using var model = Mini.Variant.Build(backend, Classes, seed: 3);
        using var step = new InferenceStep(model);
        using var batch = RandomBatch(backend, count: 3, seed: 2);

        float[] first = step.Probabilities(batch), second = step.Probabilities(batch);

        Assert.False(model.IsTraining);
        Assert.Equal(3 * Classes, first.Length);
        Assert.All(Enumerable.Range(0, 3), n => Assert.Equal(1.0, first.AsSpan(n * Classes, Classes).ToArray().Sum(), 5));
        Assert.Equal(first, second);  // no dropout in inference mode
    }

    [Fact]
    public void The_inference_probe_hears_every_layer_forward_and_nothing_else()
    {
        using var backend = new CpuBackend();
        using var model = Mini.Variant.Build(backend, Classes, seed: 3);
        using var step = new InferenceStep(model);
        using var batch = RandomBatch(backend, count: 2, seed: 1);
        var probe = new Recorder();

        step.Forward(batch, probe);

        Assert.Equal(Enumerable.Range(0, model.Layers.Count).Select(i => (StepPhase.LayerForward, i)), probe.Heard);
    }

    [Fact]
    public void Top_k_breaks_ties_towards_the_lower_class_and_the_loss_has_a_floor()
    {
        Assert.Equal([1, 0, 2], Scoring.TopK([0.3, 0.4, 0.3, 0.0], 3));
        Assert.Equal(-Math.Log(0.25), Scoring.Loss([0.25, 0.75], 0), 12);
        Assert.Equal(-Math.Log(Scoring.MinProbability), Scoring.Loss([0.0, 1.0], 0), 12);
        Assert.Equal(2, Scoring.CountCorrect([1f, 0f, 3f], [1, 2, 3]));
    }

    private static DeviceBatch RandomBatch(CpuBackend backend, int count, int seed)
    {
        var random = new Random(seed);
        var images = new float[count * Mini.Variant.InputShape.Length];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (2 * random.NextSingle()) - 1;
        }
        var batch = new DeviceBatch(backend, Mini.Variant.InputShape);
        batch.Load(images, [.. Enumerable.Range(0, count).Select(n => n % Classes)], labels: true);
        return batch;
    }

    private sealed class Recorder : IStepProbe
    {
        public List<(StepPhase, int)> Heard { get; } = [];

        public void After(StepPhase phase, int layer) => Heard.Add((phase, layer));
    }
}
