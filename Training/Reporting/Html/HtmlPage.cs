using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlexNet.Training.Reporting.Html;

/// <summary>
/// Fills one of the page templates built into the app (<c>report.html</c>, <c>explorer.html</c>):
/// the shared styles, the vendored Chart.js and the page's data as JSON are inlined, so the result
/// is one self-contained file that needs no network.
/// </summary>
public static class HtmlPage
{
    /// <summary>The page's data as JSON: camelCase names, NaN and infinities as strings. The encoder escapes &lt; and &gt;, so the data cannot end its script element.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The template <paramref name="name"/> with <paramref name="title"/>, the styles, Chart.js and <paramref name="data"/> inlined.</summary>
    public static string Render<T>(string name, string title, T data) => Resource(name)
        .Replace("{{title}}", WebUtility.HtmlEncode(title), StringComparison.Ordinal)
        .Replace("{{page.css}}", Resource("page.css"), StringComparison.Ordinal)
        .Replace("{{chart.js}}", ChartJs(), StringComparison.Ordinal)
        .Replace("{{data}}", JsonSerializer.Serialize(data, Json), StringComparison.Ordinal);

    /// <summary>
    /// The vendored Chart.js, without its last line's pointer to a source map, which is not shipped
    /// (a browser's developer tools would otherwise try to fetch it).
    /// </summary>
    private static string ChartJs()
    {
        string script = Resource("chart.umd.min.js");
        int map = script.LastIndexOf("//# sourceMappingURL=", StringComparison.Ordinal);
        return map < 0 ? script : script[..map];
    }

    private static string Resource(string name)
    {
        var assembly = typeof(HtmlPage).Assembly;
        using var stream = assembly.GetManifestResourceStream("AlexNet.Training.Html." + name)
            ?? throw new InvalidOperationException($"The page resource {name} is not built into {assembly.GetName().Name}; check the EmbeddedResource items of AlexNet.Training.csproj.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
