// OnnxSchemaTests: our onnx.proto subset held against the official ONNX schema.

using System.Text.RegularExpressions;
using AlexNet.Tests.Cuda;
using AlexNet.Tests.Docs;

namespace AlexNet.Tests.Interop;

/// <summary>
/// Our <c>Training/Interop/onnx.proto</c> restates a subset of ONNX's schema; every message, field
/// number, field type and enum value in it must be the official one. The official copy is Debian's
/// <c>libonnx-dev</c> (ONNX 1.12, IR version 8: <c>/usr/include/onnx/onnx.proto</c>), which .ci/run installs.
/// </summary>
public sealed partial class OnnxSchemaTests
{
    private const string Official = "/usr/include/onnx/onnx.proto";

    [Fact]
    public void Every_field_and_enum_value_of_our_subset_has_the_official_number_and_type()
    {
        CudaTools.Require(File.Exists(Official), $"the official ONNX schema {Official} is not installed (apt-get install libonnx-dev)");
        var official = Entries(File.ReadAllLines(Official));
        var ours = Entries(File.ReadAllLines(Path.Combine(Repository.Root, "Training", "Interop", "onnx.proto")));

        Assert.True(ours.Count > 60, $"only {ours.Count} entries read from our onnx.proto");
        var wrong = ours.Where(entry => !official.TryGetValue(entry.Key, out string? value) || value != entry.Value)
            .Select(entry => $"{entry.Key} is '{entry.Value}' here but {(official.TryGetValue(entry.Key, out string? value) ? $"'{value}'" : "absent")} in {Official}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    /// <summary>"Message.Nested.field" → "number type" and "Enum.VALUE" → "number", read line by line.</summary>
    private static Dictionary<string, string> Entries(IEnumerable<string> lines)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var scopes = new Stack<(string Name, bool IsEnum)>();
        foreach (string raw in lines)
        {
            string line = raw.Split("//")[0].Trim();
            string path = string.Join('.', scopes.Reverse().Where(s => s.Name.Length > 0).Select(s => s.Name));
            if (Block().Match(line) is { Success: true } block)
            {
                // A oneof's fields belong to its message, so it adds no name.
                scopes.Push((block.Groups["kind"].Value == "oneof" ? "" : block.Groups["name"].Value, block.Groups["kind"].Value == "enum"));
            }
            else if (line.StartsWith('}'))
            {
                scopes.Pop();
            }
            else if (scopes.Count > 0 && scopes.Peek().IsEnum && EnumValue().Match(line) is { Success: true } value)
            {
                entries[$"{path}.{value.Groups["name"].Value}"] = value.Groups["number"].Value;
            }
            else if (scopes.Count > 0 && !scopes.Peek().IsEnum && Field().Match(line) is { Success: true } field)
            {
                entries[$"{path}.{field.Groups["name"].Value}"] = $"{field.Groups["number"].Value} {field.Groups["label"].Value}{field.Groups["type"].Value}";
            }
        }
        return entries;
    }

    [GeneratedRegex(@"^(?<kind>message|enum|oneof)\s+(?<name>\w+)\s*\{")]
    private static partial Regex Block();

    [GeneratedRegex(@"^(?<name>\w+)\s*=\s*(?<number>\d+)\s*;")]
    private static partial Regex EnumValue();

    // proto2's "optional" and proto3's implicit presence read the same; "repeated" must match.
    [GeneratedRegex(@"^(?:optional\s+|required\s+)?(?<label>repeated\s+)?(?<type>[\w.]+)\s+(?<name>\w+)\s*=\s*(?<number>\d+)")]
    private static partial Regex Field();
}
