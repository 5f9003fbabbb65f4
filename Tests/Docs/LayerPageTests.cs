using AlexNet.Backends.Cpu;
using AlexNet.Tests.Backends;

namespace AlexNet.Tests.Docs;

/// <summary>
/// The layer pages (Docs/layers/) cannot drift from the code: every worked example runs through
/// every test backend and the reference and must show their numbers, rounded as written; the hand
/// arithmetic in the prose must be right; and a test proves that changing any written digit fails.
/// </summary>
public sealed class LayerPageTests
{
    /// <summary>Each layer page and the ops its worked examples must cover.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> LayerPages = new Dictionary<string, string[]>
    {
        ["Docs/layers/convolution.md"] = ["conv2d"],
        ["Docs/layers/relu.md"] = ["relu"],
        ["Docs/layers/max-pooling.md"] = ["maxpool"],
        ["Docs/layers/local-response-normalization.md"] = ["lrn"],
        ["Docs/layers/dropout.md"] = ["dropout"],
        ["Docs/layers/dense.md"] = ["dense"],
        ["Docs/layers/softmax-cross-entropy.md"] = ["softmax-cross-entropy"],
        ["Docs/layers/batch-normalization.md"] = ["batchnorm"],
    };

    /// <summary>The sections every layer page has, in this order.</summary>
    public static readonly string[] Sections = ["Forward", "Backward", "Worked example", "Shapes", "In the code"];

    /// <summary>Pages whose prose arithmetic is checked: the layer pages and the other learning pages.</summary>
    public static TheoryData<string> ArithmeticPages =>
        [.. LayerPages.Keys, "Docs/README.md", "Docs/architecture.md", "Docs/alexnet.md", "Docs/debugging.md", "README.md"];

    public static TheoryData<string, string> BackendsAndPages =>
        [.. TestBackends.Names.Select(row => row.Data).SelectMany(backend => LayerPages.Keys.Select(page => (backend, page)))];

    public static TheoryData<string> Pages => [.. LayerPages.Keys];

    [Theory, MemberData(nameof(BackendsAndPages))]
    public void Worked_examples_show_what_the_backend_and_the_reference_compute(string backend, string page) => TestBackends.Run(backend, b =>
    {
        var examples = WorkedExample.On(MarkdownPage.Read(page));
        Assert.NotEmpty(examples);
        var problems = examples.SelectMany(example => ExampleCheck.Problems(b, example)).ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} number(s) on {page} disagree with the code:\n" + string.Join('\n', problems));
    });

    [Theory, MemberData(nameof(Pages))]
    public void Layer_page_has_its_sections_and_examples_of_its_ops(string page)
    {
        var markdown = MarkdownPage.Read(page);
        int position = -1;
        foreach (string section in Sections)
        {
            int found = markdown.Headings.ToList().FindIndex(h => h.StartsWith(section, StringComparison.Ordinal));
            Assert.True(found > position, $"{page} needs a heading starting '{section}' after '{(position < 0 ? "the title" : markdown.Headings[position])}'.");
            position = found;
        }
        var ops = WorkedExample.On(markdown).Select(e => e.Op).ToHashSet();
        Assert.All(LayerPages[page], op => Assert.True(ops.Contains(op), $"{page} has no worked example of {op}."));
    }

    [Theory, MemberData(nameof(ArithmeticPages))]
    public void Hand_arithmetic_in_the_prose_is_right(string page)
    {
        var markdown = MarkdownPage.Read(page);
        var problems = markdown.InlineCode.Where(span => Arithmetic.IsChecked(span.Text))
            .Select(span => (span, problem: Arithmetic.Check(span.Text)))
            .Where(x => x.problem is not null)
            .Select(x => $"{page}:{x.span.Line}: `{x.span.Text}`: {x.problem}")
            .ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Changing_any_written_digit_of_an_output_or_a_result_fails_the_check()
    {
        using var backend = new CpuBackend();
        int outputs = 0, results = 0;
        foreach (string page in LayerPages.Keys)
        {
            foreach (var example in WorkedExample.On(MarkdownPage.Read(page)))
            {
                var computed = ExampleOps.Get(example.Op).Run(backend, example);
                Assert.Empty(ExampleCheck.Compare(example, computed, backend.Name));
                foreach (var output in computed)
                {
                    var written = example.Tensor(output.Name);
                    for (int i = 0; i < written.Values.Count; i++)
                    {
                        var edited = example.With(output.Name, i, EditLastDigit(written.Values[i]));
                        Assert.True(ExampleCheck.Compare(edited, computed, backend.Name).Count > 0,
                            $"{page}:{written.Line}: writing {output.Name}[{i}] as {EditLastDigit(written.Values[i]).Text} instead of {written.Values[i].Text} went unnoticed.");
                        outputs++;
                    }
                }
            }
            foreach (var span in MarkdownPage.Read(page).InlineCode.Where(s => Arithmetic.IsChecked(s.Text)))
            {
                string[] parts = span.Text.Split('=', '≈');
                Assert.True(DecimalLiteral.TryParse(parts[^1], out var result), $"{page}:{span.Line}: `{span.Text}` does not end with a number.");
                string edited = span.Text[..span.Text.LastIndexOf(parts[^1], StringComparison.Ordinal)] + parts[^1].Replace(result.Text, EditLastDigit(result).Text, StringComparison.Ordinal);
                Assert.True(Arithmetic.Check(edited) is not null, $"{page}:{span.Line}: `{edited}` passed although `{span.Text}` is the right result.");
                results++;
            }
        }
        Assert.True(outputs > 100 && results > 10, $"only {outputs} output values and {results} prose results were tried");
    }

    [Theory]
    [InlineData("1 + 0.1·(1² + 2²) = 1.5", null)]
    [InlineData("(227 − 11)/4 + 1 = 55", null)]
    [InlineData("1/√1.5 = 0.8165", null)]
    [InlineData("1/√1.5 = 0.8164", "write 0.8165")]
    [InlineData("1/√1.5 = 0.8", "too coarse")]
    [InlineData("2^−0.75 = 0.5946", null)]
    [InlineData("exp(1) = ln(exp(2.7183)) = 2.718", null)]
    [InlineData("max(0, −2) + min(3, 4) = 3", null)]
    [InlineData("1e-4·5 = 0.0005", null)]
    [InlineData("(1 + 2 = 3", "expected ')'")]
    public void Arithmetic_checks_each_part_against_the_written_result(string span, string? problem)
    {
        Assert.True(Arithmetic.IsChecked(span));
        string? found = Arithmetic.Check(span);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found ?? "(no problem found)", StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("y = max(0, x)")]
    [InlineData("s = k + α·Σ x²")]
    [InlineData("227 → 55")]
    [InlineData("+=")]
    public void Formulas_with_variables_are_not_taken_for_arithmetic(string span) => Assert.False(Arithmetic.IsChecked(span));

    [Fact]
    public void A_wrong_number_in_an_example_is_reported_with_the_value_to_write()
    {
        const string block = """
            op relu
            x  [4]   -1  0  0.5  2
            dy [4]    1  1  1    1
            y  [4]    0  0  0.5  2.5
            dx [4]    0  1  1    1
            """;
        var example = WorkedExample.Parse("page.md", 10, block);
        using var backend = new CpuBackend();

        var problems = ExampleCheck.Problems(backend, example);

        Assert.Equal(
        [
            "page.md:14: y[3] shows 2.5, but the value is 2: write 2 (reference).",
            "page.md:15: dx[1] shows 1, but the value is 0: write 0 (reference).",
        ], problems);
    }

    /// <summary>The same literal with its last digit changed (9 → 8, any other d → d + 1).</summary>
    private static DecimalLiteral EditLastDigit(DecimalLiteral literal)
    {
        string text = literal.Text;
        int last = text.Length - 1;
        while (!char.IsAsciiDigit(text[last]))
        {
            last--;
        }
        char digit = text[last] == '9' ? '8' : (char)(text[last] + 1);
        Assert.True(DecimalLiteral.TryParse(text[..last] + digit + text[(last + 1)..], out var edited));
        return edited;
    }
}
