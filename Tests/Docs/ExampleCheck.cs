using AlexNet.Backends;
using AlexNet.Tests.Backends;

namespace AlexNet.Tests.Docs;

/// <summary>
/// Compares a worked example with the code: every output number on the page must be the reference's
/// value correctly rounded to the digits shown (<see cref="DecimalLiteral"/>), and the backend's float
/// result must round to it too, allowing float's own error (1e-5 absolute plus 1e-5 relative).
/// </summary>
public static class ExampleCheck
{
    /// <summary>The float error a backend may add on top of the page's rounding.</summary>
    public static double BackendSlack(double reference) => 1e-5 + (1e-5 * Math.Abs(reference));

    /// <summary>Runs <paramref name="example"/> on <paramref name="backend"/> and the reference; returns every disagreement (none when the page matches the code).</summary>
    public static IReadOnlyList<string> Problems(IBackend backend, WorkedExample example)
    {
        var op = ExampleOps.Get(example.Op);
        var problems = new List<string>();
        var names = op.Inputs.Concat(op.Outputs).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(names.Where(n => example.Tensors.All(t => t.Name != n)).Select(n => $"{example.Where}: the {op.Name} example has no tensor '{n}'."));
        problems.AddRange(example.Tensors.Where(t => !names.Contains(t.Name))
            .Select(t => $"{example.Page}:{t.Line}: '{t.Name}' is not a tensor of {op.Name} (its tensors are {string.Join(", ", names)})."));
        problems.AddRange(op.Arguments.Where(a => !example.Arguments.ContainsKey(a)).Select(a => $"{example.Where}: the {op.Name} example needs the argument {a}=…."));
        problems.AddRange(example.Arguments.Keys.Where(a => !op.Arguments.Contains(a))
            .Select(a => $"{example.Where}: '{a}' is not an argument of {op.Name} (its arguments are {string.Join(", ", op.Arguments)})."));
        if (problems.Count > 0)
        {
            return problems;
        }
        return Compare(example, op.Run(backend, example), backend.Name);
    }

    /// <summary>Every output value of <paramref name="example"/> that disagrees with <paramref name="outputs"/>.</summary>
    public static IReadOnlyList<string> Compare(WorkedExample example, IReadOnlyList<ExampleOutput> outputs, string backendName)
    {
        var problems = new List<string>();
        foreach (var output in outputs)
        {
            var written = example.Tensor(output.Name);
            if (written.Shape != output.Shape)
            {
                problems.Add($"{example.Page}:{written.Line}: {output.Name} is written as {written.Shape}, but the op makes {output.Shape}.");
                continue;
            }
            for (int i = 0; i < output.Reference.Length; i++)
            {
                string where = $"{example.Page}:{written.Line}: {output.Name}{Backends.Compare.MultiIndex(i, output.Shape)}";
                if (written.Values[i].Mismatch(output.Reference[i]) is { } wrong)
                {
                    problems.Add($"{where} {wrong} (reference).");
                }
                else if (output.Backend is { } computed && written.Values[i].Mismatch(computed[i], BackendSlack(output.Reference[i]), roundingOnly: true) is { } off)
                {
                    problems.Add($"{where} {off} (the {backendName} backend).");
                }
            }
        }
        return problems;
    }
}
