using System.Numerics.Tensors;

namespace AlexNet.Training.Checkpoints;

/// <summary>
/// Finds NaN and ±Inf in a checkpoint's float tensors. A diverged step leaves such values in the
/// weights; reading them back would evaluate to "loss NaN" and resume a broken run as if it were good,
/// so checkpoints are checked when written and again when read.
/// </summary>
public static class FiniteTensorCheck
{
    /// <summary>The first float tensor holding a non-finite value, with how many of its values are not finite; null when every value is finite.</summary>
    public static (SafeTensor Tensor, long NonFinite)? FirstBroken(IEnumerable<SafeTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var tensor in tensors.Where(t => t.DType == "F32"))
        {
            var values = tensor.AsFloats();
            if (!TensorPrimitives.IsFiniteAll(values))
            {
                // Only a broken tensor is counted value by value; the check above is the fast path.
                long count = 0;
                foreach (float value in values)
                {
                    count += float.IsFinite(value) ? 0 : 1;
                }
                return (tensor, count);
            }
        }
        return null;
    }

    /// <summary>"conv1.weight holds NaN or infinite values (3 of 34,848)", for a message.</summary>
    public static string Describe((SafeTensor Tensor, long NonFinite) broken) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{broken.Tensor.Name} holds NaN or infinite values ({broken.NonFinite:N0} of {broken.Tensor.Data.Length / sizeof(float):N0})");
}
