using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using AlexNet.Backends.Cpu;
using AlexNet.Tensors;
using AlexNet.Tests.Backends;
using AlexNet.Training.Cli;
using Spectre.Console;

namespace AlexNet.Tests.Docs;

/// <summary>
/// Docs/debugging.md and the VS Code configurations it walks through stay true: every breakpoint line
/// it lists exists, the tensor view it shows is what the debugger attributes produce, and every launch
/// configuration runs a program the build makes with arguments the app (or the test runner) accepts.
/// </summary>
public sealed class DebuggingPageTests
{
    private const string Page = "Docs/debugging.md";

    private static readonly JsonDocumentOptions Jsonc = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    [Fact]
    public void Every_breakpoint_line_exists_exactly_once_in_its_file()
    {
        var block = MarkdownPage.Read(Page).Blocks.Single(b => b.Info == "breakpoints");
        var entries = block.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Trim().Split(' ', 2)).ToList();
        Assert.True(entries.Count >= 8, $"only {entries.Count} breakpoints are listed");
        foreach (var entry in entries)
        {
            string file = Path.Combine(Repository.Root, entry[0]);
            Assert.True(File.Exists(file), $"{Page}: {entry[0]} does not exist.");
            string code = entry[1].Trim();
            int count = File.ReadAllLines(file).Count(line => line.Trim() == code);
            Assert.True(count == 1, $"{Page}: '{code}' is on {count} lines of {entry[0]}, expected exactly one.");
        }
    }

    [Fact]
    public void The_tensor_view_shown_is_what_the_debugger_attributes_produce()
    {
        using var backend = new CpuBackend();
        float[] values = [1, 2, 3, 2, 1, 0, 5, 1, 4, 0, 2, 1, 6, 1, 2, 3, 8, 0, 7, 6, 1, 0, 2, 0, 1];
        using var x = backend.Tensor(new Shape(1, 1, 5, 5), values, "x");

        // What a debugger evaluates: the DebuggerDisplay expression, then the members of the DebuggerTypeProxy.
        var display = typeof(Tensor).GetCustomAttribute<DebuggerDisplayAttribute>()!;
        Assert.Equal("{DebuggerDisplay,nq}", display.Value);
        string collapsed = (string)typeof(Tensor).GetProperty("DebuggerDisplay", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(x)!;
        var proxyType = Type.GetType(typeof(Tensor).GetCustomAttribute<DebuggerTypeProxyAttribute>()!.ProxyTypeName, throwOnError: true)!;
        object proxy = Activator.CreateInstance(proxyType, x)!;
        object? Member(string name) => proxyType.GetProperty(name)!.GetValue(proxy);
        string[] expected =
        [
            collapsed,
            $"  Name        \"{Member("Name")}\"",
            $"  Shape       \"{Member("Shape")}\"",
            $"  Device      \"{Member("Device")}\"",
            $"  IsView      {Member("IsView")!.ToString()!.ToLowerInvariant()}",
            $"  Statistics  {Member("Statistics")}",
            .. ((string[])Member("Preview")!).Select(row => "  " + row),
        ];
        Assert.Equal(["Name", "Shape", "Device", "IsView", "Statistics", "Preview"],
            proxyType.GetProperties().Where(p => p.GetMethod!.IsPublic).Select(p => p.Name));

        var shown = MarkdownPage.Read(Page).Blocks.Where(b => b.Info == "text" && b.Text.StartsWith("x [1, 1, 5, 5]", StringComparison.Ordinal)).ToList();
        Assert.Single(shown);
        Assert.Equal(expected, shown[0].Text.Split('\n'));
    }

    [Fact]
    public void Launch_configurations_run_what_the_build_makes_with_arguments_that_parse()
    {
        using var launch = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, ".vscode", "launch.json")), Jsonc);
        using var tasks = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, ".vscode", "tasks.json")), Jsonc);
        var labels = tasks.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("label").GetString()).ToHashSet();
        string framework = new DirectoryInfo(System.AppContext.BaseDirectory).Name;
        string app = $"${{workspaceFolder}}/Training/bin/Debug/{framework}/{typeof(AppHost).Assembly.GetName().Name}.dll";
        string tests = $"${{workspaceFolder}}/Tests/bin/Debug/{framework}/{typeof(DebuggingPageTests).Assembly.GetName().Name}.dll";
        var root = AppHost.BuildRoot(new AlexNet.Training.Cli.AppContext(AnsiConsole.Create(new AnsiConsoleSettings()), TextWriter.Null, Repository.Root, _ => null));
        var page = MarkdownPage.Read(Page).Text;
        var configurations = launch.RootElement.GetProperty("configurations").EnumerateArray().ToList();
        Assert.Equal(5, configurations.Count);
        foreach (var configuration in configurations)
        {
            string name = configuration.GetProperty("name").GetString()!;
            Assert.Contains($"`{name}`", page, StringComparison.Ordinal);
            Assert.Contains(configuration.GetProperty("preLaunchTask").GetString(), labels);
            string program = configuration.GetProperty("program").GetString()!;
            string[] args = [.. configuration.GetProperty("args").EnumerateArray().Select(a => a.GetString()!)];
            if (configuration.GetProperty("type").GetString() == "cppdbg")
            {
                // gdb runs the dotnet host on the app; its breakpoint names a kernel.
                Assert.Equal("dotnet", Path.GetFileName(program));
                Assert.Equal(app, args[0]);
                args = args[1..];
                string kernel = configuration.GetProperty("setupCommands").EnumerateArray().Select(c => c.GetProperty("text").GetString()!)
                    .Single(c => c.StartsWith("break ", StringComparison.Ordinal)).Split(' ')[1];
                Assert.Contains(Directory.EnumerateFiles(Path.Combine(Repository.Root, "Backends", "Cuda", "Kernels"), "*.cu"),
                    file => File.ReadAllText(file).Contains($"__global__ void {kernel}(", StringComparison.Ordinal));
            }
            else if (program == tests)
            {
                Assert.Equal("-method", args[0]);
                string method = args[1];
                var type = typeof(DebuggingPageTests).Assembly.GetType(method[..method.LastIndexOf('.')]);
                Assert.True(type?.GetMethod(method[(method.LastIndexOf('.') + 1)..]) is not null, $"{name}: no test method {method}");
                continue;
            }
            else
            {
                Assert.Equal(app, program);
            }
            var parsed = root.Parse(args);
            Assert.True(parsed.Errors.Count == 0, $"{name}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            Assert.Equal("train", parsed.CommandResult.Command.Name);
        }
    }
}
