using AlexNet.Backends.Cpu;

namespace AlexNet.Tests.Backends;

/// <summary>
/// How close float results must be to the double reference: |actual − reference| ≤ atol + rtol·|reference|.
/// Test values are O(1) (uniform in [−1, 1], weights scaled by 1/√fan-in), so float rounding in a sum
/// of n terms stays near √n·2⁻²⁴ in practice and below n·2⁻²⁴ at worst; the bounds below sit well
/// above what the backends reach and far below the size of any real mistake (a wrong index or a
/// missing term shifts values by ~0.1–1). Docs/testing.md explains the choices.
/// </summary>
public static class Tolerances
{
    /// <summary>rtol for every op: float's 2⁻²⁴ ≈ 6e-8 rounding, times a generous margin.</summary>
    public const double Relative = 1e-5;

    /// <summary>atol for an elementwise op: a few roundings of O(1) values.</summary>
    public const double Elementwise = 1e-6;

    /// <summary>atol for a result that is a sum of <paramref name="terms"/> O(1) products.</summary>
    public static double SumOf(int terms) => 4e-6 * Math.Sqrt(1 + terms);

    /// <summary>
    /// atol for a Winograd result (Backends/Cpu/Convolution/CpuBackend.Winograd.cs): the GEMM bound times the
    /// growth of rounding through the tile's transforms. On every 3×3 layer of alexnet, torchvision and
    /// keras-blog (WinogradTests.Measure_the_error_on_AlexNets_layers, Docs/layers/convolution.md#winograd)
    /// F(2×2, 3×3) came within 2.7× GEMM's largest difference from the double reference and F(4×4, 3×3)
    /// within 33×; the growth is the next power of two above each, 4 and 64.
    /// </summary>
    internal static double Winograd(WinogradTile tile, int terms) => (tile.Outputs == 2 ? 4.0 : 64.0) * SumOf(terms);
}
