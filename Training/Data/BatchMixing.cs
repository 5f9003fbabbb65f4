// BatchMixing: label smoothing, mixup and cutmix applied to an assembled training batch, on the loader's worker thread.

namespace AlexNet.Training.Data;

/// <summary>How one training batch is mixed.</summary>
public enum MixKind
{
    /// <summary>Not mixed: each image keeps its own (possibly smoothed) label.</summary>
    None,

    /// <summary>x = λ·x + (1 − λ)·x_partner, q = λ·q + (1 − λ)·q_partner.</summary>
    Mixup,

    /// <summary>A box of the partner pasted into x; q weighted by the areas: λ = 1 − box area / image area.</summary>
    Cutmix,
}

/// <summary>
/// The mixing of one batch: which kind, λ (the weight of each image's own target), the cutmix box in
/// crop pixels, and each batch position's partner (a permutation of the batch positions).
/// </summary>
public sealed record MixDraw(MixKind Kind, double Lambda, int BoxX, int BoxY, int BoxWidth, int BoxHeight, int[] Partners)
{
    /// <summary>An unmixed batch.</summary>
    public static MixDraw None { get; } = new(MixKind.None, 1, 0, 0, 0, 0, []);
}

/// <summary>
/// Soft targets for a training batch, as a pure function of (seed, epoch, batch number), so a run is
/// the same whichever thread builds which batch, and resumes mid-epoch exactly. One λ and one box per
/// batch, as in both papers; the partners are a permutation of the whole batch, and a data-parallel
/// rank builds its partners' inputs itself, so the result does not depend on the number of ranks.
/// </summary>
public static class BatchMixing
{
    /// <summary>
    /// Draws how batch <paramref name="batch"/> of <paramref name="epoch"/> is mixed (purposes
    /// <see cref="RandomStream.Purpose.Mix"/> and <see cref="RandomStream.Purpose.MixPartners"/>):
    /// mixed with probability <see cref="SoftTargetSettings.MixProbability"/>; mixup or cutmix, half
    /// the time each when both are on; λ ~ Beta(α, α); for cutmix a box of side crop·√(1 − λ) centred
    /// uniformly in the crop, clipped at the edges, and λ corrected to the area actually kept.
    /// </summary>
    public static MixDraw Draw(SoftTargetSettings settings, ulong seed, int epoch, int batch, int batchSize, int crop)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Mixes)
        {
            return MixDraw.None;
        }
        var random = new RandomStream.Sequence(seed, RandomStream.Purpose.Mix, (uint)epoch, (uint)batch);
        if (random.NextUniform() > settings.MixProbability)
        {
            return MixDraw.None;
        }
        bool cutmix = settings.MixupAlpha > 0 && settings.CutmixAlpha > 0 ? random.NextUniform() > 0.5 : settings.CutmixAlpha > 0;
        double alpha = cutmix ? settings.CutmixAlpha : settings.MixupAlpha;
        double lambda = BetaSampler.Beta(alpha, alpha, random);
        int[] partners = RandomStream.Permutation(batchSize, seed, RandomStream.Purpose.MixPartners, (uint)epoch, (uint)batch);
        if (!cutmix)
        {
            return new MixDraw(MixKind.Mixup, lambda, 0, 0, 0, 0, partners);
        }
        int side = (int)(crop * Math.Sqrt(1 - lambda));
        int centreX = random.NextBelow(crop), centreY = random.NextBelow(crop);
        int x0 = Math.Clamp(centreX - (side / 2), 0, crop), x1 = Math.Clamp(centreX + (side / 2), 0, crop);
        int y0 = Math.Clamp(centreY - (side / 2), 0, crop), y1 = Math.Clamp(centreY + (side / 2), 0, crop);
        double kept = 1 - ((double)(x1 - x0) * (y1 - y0) / ((double)crop * crop));
        return new MixDraw(MixKind.Cutmix, kept, x0, y0, x1 - x0, y1 - y0, partners);
    }

    /// <summary>
    /// Mixes one image's <paramref name="input"/> (3 × crop × crop, CHW) with its
    /// partner's input as <paramref name="draw"/> says; an unmixed draw leaves it unchanged.
    /// </summary>
    public static void MixInput(Span<float> input, ReadOnlySpan<float> partner, MixDraw draw, int crop)
    {
        ArgumentNullException.ThrowIfNull(draw);
        if (input.Length != 3 * crop * crop || partner.Length != input.Length)
        {
            throw new ArgumentException($"Mixing expects two 3×{crop}×{crop} inputs, got {input.Length} and {partner.Length} values.");
        }
        switch (draw.Kind)
        {
            case MixKind.Mixup:
                float own = (float)draw.Lambda, other = 1 - own;
                for (int i = 0; i < input.Length; i++)
                {
                    input[i] = (own * input[i]) + (other * partner[i]);
                }
                break;
            case MixKind.Cutmix:
                for (int c = 0; c < 3; c++)
                {
                    for (int y = draw.BoxY; y < draw.BoxY + draw.BoxHeight; y++)
                    {
                        int start = (((c * crop) + y) * crop) + draw.BoxX;
                        partner.Slice(start, draw.BoxWidth).CopyTo(input.Slice(start, draw.BoxWidth));
                    }
                }
                break;
        }
    }

    /// <summary>
    /// Writes one target row: q = λ·s(label) + (1 − λ)·s(partnerLabel), where
    /// s(y) = (1 − ε)·onehot(y) + ε/K is the smoothed label (λ = 1 for an unmixed image).
    /// </summary>
    public static void WriteTarget(int label, int partnerLabel, double lambda, double smoothing, Span<float> target)
    {
        int classes = target.Length;
        double floor = smoothing / classes;
        for (int k = 0; k < classes; k++)
        {
            double weight = (k == label ? lambda : 0) + (k == partnerLabel ? 1 - lambda : 0);
            target[k] = (float)(floor + ((1 - smoothing) * weight));
        }
    }

    /// <summary>The label training top-1 is counted against: the one with the larger weight (the image's own on a tie).</summary>
    public static int DominantLabel(int label, int partnerLabel, double lambda) => lambda >= 0.5 ? label : partnerLabel;
}
