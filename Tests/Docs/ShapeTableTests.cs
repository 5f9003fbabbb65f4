using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;
using AlexNet.Tests.Layers;

namespace AlexNet.Tests.Docs;

/// <summary>
/// The Shapes table of each layer page shows real layers' tensors: a comment before the table,
/// <c>&lt;!-- layers: alexnet:1000 conv1, alexnet:1000 conv2 --&gt;</c>, names the layer of each
/// example column, and every shape written there for x, y, the weights, the biases or γ must be
/// that layer's, as the model builds it.
/// </summary>
public sealed partial class ShapeTableTests
{
    [Theory, MemberData(nameof(LayerPageTests.Pages), MemberType = typeof(LayerPageTests))]
    public void Shapes_tables_show_the_shapes_the_models_have(string page)
    {
        var markdown = MarkdownPage.Read(page);
        var table = Table().Match(markdown.Text);
        if (!table.Success)
        {
            Assert.DoesNotContain("| shape |", markdown.Text[markdown.Text.IndexOf("## Shapes", StringComparison.Ordinal)..].Split("\n## ")[0], StringComparison.Ordinal);
            return;
        }
        var columns = table.Groups["layers"].Value.Split(',', StringSplitOptions.TrimEntries).Select(LayerShapes.Of).ToArray();
        var problems = new List<string>();
        int checkedCells = 0;
        foreach (string row in table.Groups["rows"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2))
        {
            string[] cells = row.Trim('|').Split('|', StringSplitOptions.TrimEntries);
            string? tensor = cells[0].Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(LayerShapes.Knows);
            for (int column = 0; tensor is not null && column < columns.Length; column++)
            {
                string expected = Format(columns[column].Get(tensor));
                checkedCells++;
                if (cells[column + 2] != expected)
                {
                    problems.Add($"{page}: {cells[0]} of {columns[column].Name} is {expected}, not {cells[column + 2]}");
                }
            }
        }
        Assert.True(checkedCells > 0, $"{page}: the Shapes table has no row of x, y, weight, bias or γ");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static string Format(Shape shape) => "[" + string.Join(", ", shape.ToArray().Select((d, i) => i == 0 && d == Batch ? "N" : $"{d}")) + "]";

    /// <summary>A batch size no layer has as another dimension, written "N" in the tables.</summary>
    private const int Batch = 7;

    /// <summary>One layer of a built variant: its input, output and parameter shapes, with the batch as <see cref="Batch"/>.</summary>
    private sealed record LayerShapes(string Name, Shape Input, Shape Output, IReadOnlyDictionary<string, Shape> Parameters)
    {
        private static readonly ConcurrentDictionary<string, Lazy<LayerShapes>> Cache = new();

        private static readonly Dictionary<string, string> Tensors = new()
        {
            ["x"] = "input", ["dx"] = "input", ["y"] = "output", ["dy"] = "output",
            ["logits"] = "output", ["probabilities"] = "output", ["dLogits"] = "output",
            ["weight"] = "weight", ["dWeight"] = "weight", ["bias"] = "bias", ["dBias"] = "bias", ["γ"] = "gamma", ["β"] = "beta",
        };

        public static bool Knows(string tensor) => Tensors.ContainsKey(tensor);

        public Shape Get(string tensor) => Tensors[tensor] switch
        {
            "input" => Input,
            "output" => Output,
            var parameter => Parameters[parameter],
        };

        /// <summary>"alexnet:1000 conv1": the layer conv1 of alexnet built for 1000 classes.</summary>
        public static LayerShapes Of(string description) => Cache.GetOrAdd(description, key => new Lazy<LayerShapes>(() =>
        {
            string[] words = key.Split(' ');
            string[] variant = words[0].Split(':');
            using var model = ModelVariants.Get(variant[0]).Build(LayerTestData.Cpu, int.Parse(variant[1], System.Globalization.CultureInfo.InvariantCulture), seed: 0);
            var shape = new Shape(Batch, model.InputShape[0], model.InputShape[1], model.InputShape[2]);
            foreach (var layer in model.Layers)
            {
                var output = layer.OutputShape(shape);
                if (layer.Name == words[1])
                {
                    return new LayerShapes(key, shape, output, layer.Parameters.ToDictionary(p => p.Name[(p.Name.LastIndexOf('.') + 1)..], p => p.Shape));
                }
                shape = output;
            }
            throw new ArgumentException($"{variant[0]} has no layer {words[1]}");
        })).Value;
    }

    [GeneratedRegex(@"^## Shapes\n.*?<!-- layers: (?<layers>[^>]+?) -->\n(?<rows>(\|[^\n]*\n)+)", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex Table();
}
