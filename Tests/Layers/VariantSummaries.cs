using System.Collections.Concurrent;
using AlexNet.Layers;
using AlexNet.Layers.Variants;

namespace AlexNet.Tests.Layers;

/// <summary>
/// Summaries of the variants, each built once per test run (the full-size models hold 60 million
/// parameters) and shared by the tests that pin their numbers and the test that checks the docs.
/// </summary>
internal static class VariantSummaries
{
    private static readonly ConcurrentDictionary<(string, int), Lazy<ModelSummary>> Cache = new();

    public static ModelSummary Get(string name, int classes) =>
        Cache.GetOrAdd((name, classes), key => new Lazy<ModelSummary>(() =>
        {
            using var model = ModelVariants.Get(key.Item1).Build(LayerTestData.Cpu, key.Item2, seed: 0);
            return ModelSummary.Of(model);
        })).Value;
}
