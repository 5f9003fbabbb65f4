namespace AlexNet.Backends;

/// <summary>
/// Local response normalization across channels, in the 2012 paper's own convention:
/// <c>b[c] = a[c] / (K + Alpha · Σ a[j]²)^Beta</c>, the sum running over the <c>Size</c> channels
/// j = c − Size/2 … c + (Size − 1)/2 that exist (integer division; for odd sizes a symmetric window).
/// <para>
/// Conversion: Caffe and PyTorch divide their alpha by the window size (<c>alpha/n · Σ a²</c>).
/// The paper's α = 1e-4 is therefore PyTorch's <c>nn.LocalResponseNorm(5, alpha=5e-4)</c>; and
/// Caffe's <c>alpha: 0.0001</c> (CaffeNet's, and PyTorch's default) is our <c>Alpha = 2e-5</c>.
/// Always pass the paper's α here.
/// </para>
/// </summary>
public readonly record struct LocalResponseNorm(int Size, float Alpha, float Beta, float K)
{
    /// <summary>The paper's constants: n = 5, α = 1e-4, β = 0.75, k = 2.</summary>
    public static LocalResponseNorm Paper => new(5, 1e-4f, 0.75f, 2f);

    /// <summary>Last channel (inclusive) of the window around <paramref name="channel"/> (clamped to the last channel).</summary>
    public int WindowEnd(int channel, int channels) => Math.Min(channels - 1, channel + ((Size - 1) / 2));

    /// <summary>Size ≥ 1, k &gt; 0, alpha ≥ 0 and beta ≥ 0: the rule <see cref="OpContract"/> and the layers check.</summary>
    public bool IsValid() => Size >= 1 && K > 0 && Alpha >= 0 && Beta >= 0;

    /// <summary>Throws unless <see cref="IsValid"/> holds.</summary>
    public void Validate()
    {
        if (!IsValid())
        {
            throw new ArgumentException($"Invalid local response normalization {this}: size must be ≥ 1, k > 0, alpha ≥ 0 and beta ≥ 0.");
        }
    }
}
