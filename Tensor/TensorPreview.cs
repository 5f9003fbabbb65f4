using System.Globalization;
using System.Text;

namespace AlexNet.Tensors;

/// <summary>Formats the first values of a tensor as text rows, for the debugger and for logs.</summary>
public static class TensorPreview
{
    /// <summary>
    /// The first <paramref name="count"/> values of <paramref name="values"/>, one line per row of the
    /// innermost dimension, each prefixed with the row's index, e.g. <c>[0, 0, 1, :] 0.12 -0.5 …</c>.
    /// </summary>
    public static string[] Rows(ReadOnlySpan<float> values, Shape shape, int count)
    {
        int width = shape[shape.Rank - 1];
        int shown = Math.Min(count, values.Length);
        var rows = new List<string>();
        for (int start = 0; start < shown; start += width)
        {
            int end = Math.Min(start + width, shown);
            var line = new StringBuilder(RowIndex(start, shape));
            for (int i = start; i < end; i++)
            {
                line.Append(' ').Append(values[i].ToString("G4", CultureInfo.InvariantCulture));
            }
            if (end - start < width)
            {
                line.Append(" …");
            }
            rows.Add(line.ToString());
        }
        if (shown < values.Length)
        {
            rows.Add($"… {values.Length - shown} more");
        }
        return [.. rows];
    }

    private static string RowIndex(int flatIndex, Shape shape)
    {
        var index = new int[shape.Rank];
        for (int axis = shape.Rank - 1; axis >= 0; axis--)
        {
            index[axis] = flatIndex % shape[axis];
            flatIndex /= shape[axis];
        }
        var parts = index.Take(shape.Rank - 1).Select(i => i.ToString(CultureInfo.InvariantCulture)).Append(":");
        return "[" + string.Join(", ", parts) + "]";
    }
}
