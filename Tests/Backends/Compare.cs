using System.Globalization;
using AlexNet.Tensors;
using Xunit.Sdk;

namespace AlexNet.Tests.Backends;

/// <summary>
/// Compares a backend's float output with the double-precision reference, elementwise:
/// |actual − reference| ≤ atol + rtol·|reference| (llm.c's and NumPy's rule). On failure the
/// message names the op and output, counts the offending values, gives the worst one (furthest over
/// its bound) with its multi-index, both values and the bound, and the largest difference with its
/// multi-index.
/// </summary>
public static class Compare
{
    /// <summary>Fails unless every value is within atol + rtol·|reference|.</summary>
    public static void Close(string what, Shape shape, ReadOnlySpan<float> actual, ReadOnlySpan<double> reference, double atol, double rtol)
    {
        CheckLengths(what, shape, actual.Length, reference.Length);
        int worst = -1, largest = 0, failures = 0;
        double worstExcess = 0, largestDifference = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double difference = Math.Abs(actual[i] - reference[i]);
            double allowed = atol + (rtol * Math.Abs(reference[i]));
            double comparable = double.IsNaN(difference) ? double.PositiveInfinity : difference;
            if (comparable > largestDifference)
            {
                (largest, largestDifference) = (i, comparable);
            }
            if (!(difference <= allowed))
            {
                failures++;
                double excess = double.IsNaN(difference) ? double.PositiveInfinity : difference / allowed;
                if (worst < 0 || excess > worstExcess)
                {
                    (worst, worstExcess) = (i, excess);
                }
            }
        }
        if (failures > 0)
        {
            throw new XunitException(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {failures} of {actual.Length} values differ from the reference by more than {atol:G3} + {rtol:G3}·|ref|; " +
                $"the worst is at {MultiIndex(worst, shape)}: got {actual[worst]:G9}, reference {reference[worst]:G9}, " +
                $"difference {Math.Abs(actual[worst] - reference[worst]):G3}, allowed {atol + (rtol * Math.Abs(reference[worst])):G3} " +
                $"(largest difference anywhere {largestDifference:G3}, at {MultiIndex(largest, shape)})."));
        }
    }

    /// <summary>Fails unless the two arrays are identical value for value (NaN equal to NaN).</summary>
    public static void Exact(string what, Shape shape, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        CheckLengths(what, shape, actual.Length, expected.Length);
        int failures = 0, first = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            if (!actual[i].Equals(expected[i]))
            {
                failures++;
                first = first < 0 ? i : first;
            }
        }
        if (failures > 0)
        {
            throw new XunitException(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {failures} of {actual.Length} values are not exactly equal; the first is at {MultiIndex(first, shape)}: " +
                $"got {actual[first]:G9}, expected {expected[first]:G9}."));
        }
    }

    /// <summary>Writes a flat row-major index as the multi-index of <paramref name="shape"/>, e.g. <c>[1, 0, 4, 2]</c>.</summary>
    public static string MultiIndex(int flat, Shape shape)
    {
        var index = new int[shape.Rank];
        for (int axis = shape.Rank - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }
        return "[" + string.Join(", ", index) + "]";
    }

    private static void CheckLengths(string what, Shape shape, int actual, int expected)
    {
        if (actual != expected || actual != shape.Length)
        {
            throw new XunitException($"{what}: the output has {actual} values and the reference {expected}, for shape {shape}.");
        }
    }
}
