using System.Globalization;
using AlexNet.Tensors;

namespace AlexNet.Tests.Docs;

/// <summary>A named tensor of a worked example: its shape and its numbers as the page writes them.</summary>
public sealed record ExampleTensor(string Name, Shape Shape, IReadOnlyList<DecimalLiteral> Values, int Line)
{
    /// <summary>The values as floats, the precision the backends compute in.</summary>
    public float[] Floats => [.. Values.Select(v => (float)v.Value)];
}

/// <summary>
/// A worked example on a layer page: a fenced block with the info string <c>example</c>, read by the
/// documentation tests, which run it through every test backend and the reference and compare. Its
/// form, one op line then tensors:
/// <code>
/// op lrn size=3 alpha=0.1 beta=0.5 k=1      # the op and its scalar arguments
/// x  [1, 4, 1, 1]   1  2  3  -1             # a tensor: name, shape, then its values in row-major
/// y  [1, 4, 1, 1]   0.8165  1.291  1.936  -0.7071   # order, over as many lines as reads well
/// </code>
/// Which tensors are inputs and which are outputs the op decides (<see cref="ExampleOps"/>). Everything
/// after <c>#</c> on a line is a comment.
/// </summary>
public sealed class WorkedExample
{
    private WorkedExample(string page, int line, string op, IReadOnlyDictionary<string, string> arguments, IReadOnlyList<ExampleTensor> tensors)
    {
        Page = page;
        Line = line;
        Op = op;
        Arguments = arguments;
        Tensors = tensors;
    }

    /// <summary>The page it is on, for messages.</summary>
    public string Page { get; }

    /// <summary>The line its block starts on.</summary>
    public int Line { get; }

    /// <summary>The op, e.g. <c>lrn</c>.</summary>
    public string Op { get; }

    /// <summary>The scalar arguments of the op line, by name, as written.</summary>
    public IReadOnlyDictionary<string, string> Arguments { get; }

    /// <summary>The tensors, in the order written.</summary>
    public IReadOnlyList<ExampleTensor> Tensors { get; }

    /// <summary>"Docs/layers/lrn.md:42" for messages.</summary>
    public string Where => $"{Page}:{Line}";

    /// <summary>The tensor called <paramref name="name"/>; fails naming the example when it is missing.</summary>
    public ExampleTensor Tensor(string name) => Tensors.SingleOrDefault(t => t.Name == name)
        ?? throw new FormatException($"{Where}: the {Op} example needs a tensor '{name}'.");

    /// <summary>The argument <paramref name="name"/> as a number.</summary>
    public double Number(string name) => Arguments.TryGetValue(name, out var text)
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
        ? value
        : throw new FormatException($"{Where}: the {Op} example needs a numeric argument {name}=….");

    /// <summary>The argument <paramref name="name"/> as a whole number.</summary>
    public int Integer(string name) => Arguments.TryGetValue(name, out var text)
        && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
        ? value
        : throw new FormatException($"{Where}: the {Op} example needs a whole-number argument {name}=….");

    /// <summary>A copy with value <paramref name="index"/> of tensor <paramref name="name"/> written as <paramref name="value"/>.</summary>
    public WorkedExample With(string name, int index, DecimalLiteral value) =>
        new(Page, Line, Op, Arguments, [.. Tensors.Select(t => t.Name != name ? t
            : t with { Values = [.. t.Values.Select((v, i) => i == index ? value : v)] })]);

    /// <summary>Every <c>example</c> block of <paramref name="page"/>, parsed.</summary>
    public static IReadOnlyList<WorkedExample> On(MarkdownPage page) =>
        [.. page.Blocks.Where(b => b.Info == "example").Select(b => Parse(page.Path, b.Line, b.Text))];

    /// <summary>Parses one block's text; <paramref name="line"/> is where the block starts, for messages.</summary>
    public static WorkedExample Parse(string page, int line, string text)
    {
        string? op = null;
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<ExampleTensor>();
        (string Name, Shape Shape, List<DecimalLiteral> Values, int Line)? current = null;

        void Close()
        {
            if (current is { } t)
            {
                if (t.Values.Count != t.Shape.Length)
                {
                    throw new FormatException($"{page}:{t.Line}: {t.Name} {t.Shape} needs {t.Shape.Length} values, but {t.Values.Count} are written.");
                }
                if (tensors.Any(other => other.Name == t.Name))
                {
                    throw new FormatException($"{page}:{t.Line}: {t.Name} is written twice.");
                }
                tensors.Add(new ExampleTensor(t.Name, t.Shape, t.Values, t.Line));
            }
            current = null;
        }

        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int at = line + 1 + i;
            string content = lines[i].Split('#')[0].Trim();
            if (content.Length == 0)
            {
                continue;
            }
            if (op is null)
            {
                string[] words = content.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words[0] != "op" || words.Length < 2)
                {
                    throw new FormatException($"{page}:{at}: an example starts with 'op NAME key=value …'.");
                }
                op = words[1];
                foreach (string word in words.Skip(2))
                {
                    string[] pair = word.Split('=');
                    if (pair.Length != 2 || !arguments.TryAdd(pair[0], pair[1]))
                    {
                        throw new FormatException($"{page}:{at}: '{word}' is not a new key=value argument.");
                    }
                }
                continue;
            }
            int open = content.IndexOf('[', StringComparison.Ordinal);
            if (open > 0 && char.IsLetter(content[0]))
            {
                Close();
                int close = content.IndexOf(']', open);
                if (close < 0)
                {
                    throw new FormatException($"{page}:{at}: the shape of {content[..open].Trim()} has no closing ']'.");
                }
                int[] dimensions = [.. content[(open + 1)..close].Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture))];
                current = (content[..open].Trim(), new Shape(dimensions), [], at);
                content = content[(close + 1)..];
            }
            if (current is null)
            {
                throw new FormatException($"{page}:{at}: numbers before any 'name [shape]'.");
            }
            foreach (string word in content.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!DecimalLiteral.TryParse(word, out var value))
                {
                    throw new FormatException($"{page}:{at}: '{word}' in {current.Value.Name} is not a plain number.");
                }
                current.Value.Values.Add(value);
            }
        }
        Close();
        return new WorkedExample(page, line, op ?? throw new FormatException($"{page}:{line}: an empty example."), arguments, tensors);
    }
}
