using AlexNet.Backends;

namespace AlexNet.Training.Data;

/// <summary>
/// The app's random numbers, all drawn from the counter-based Philox4x32-10 generator the backends
/// use for dropout: a number is a pure function of (seed, purpose, epoch, index), never of a state
/// that advances. So the data order and every augmentation of every image are the same whichever
/// thread computes them and in whatever order, and a resumed run needs only the seed and the
/// position (epoch, step) to draw exactly what the uninterrupted run drew.
/// </summary>
public static class RandomStream
{
    /// <summary>What a draw is for; each purpose has its own stream of numbers.</summary>
    public enum Purpose : uint
    {
        /// <summary>The shuffle of the training set at the start of an epoch.</summary>
        Order = 1,
        /// <summary>Crop position and flip of a training image.</summary>
        Crop = 2,
        /// <summary>The PCA colour noise α of a training image.</summary>
        Colour = 3,
        /// <summary>The assignment of images to train / val / test.</summary>
        Split = 4,
        /// <summary>The pixels of the synthetic data set.</summary>
        Synthetic = 5,
        /// <summary>Whether a training batch is mixed, by mixup or cutmix, its λ and its cutmix box (stream = the batch; numbered apart from the others' additions, so none shares a stream).</summary>
        Mix = 16,
        /// <summary>The partner of each image of a mixed batch: a permutation of the batch (stream = the batch).</summary>
        MixPartners = 17,
        /// <summary>The box of a random-resized crop (numbered apart from the others' additions, so none shares a stream).</summary>
        ResizedCrop = 20,
        /// <summary>The colour-jitter factors of a training image.</summary>
        Jitter = 21,
        /// <summary>The order colour jitter applies its four changes in.</summary>
        JitterOrder = 22,
    }

    /// <summary>Four independent 32-bit words for (seed, purpose, epoch, index).</summary>
    public static (uint X0, uint X1, uint X2, uint X3) Words(ulong seed, Purpose purpose, uint epoch, ulong index) =>
        Philox.Generate(((uint)index, (uint)(index >> 32), epoch, (uint)purpose), ((uint)seed, (uint)(seed >> 32)));

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) from a 64-bit draw (Lemire's multiply-shift; the bias is below 2⁻³²).</summary>
    public static int Below(int bound, uint high, uint low)
    {
        ulong draw = ((ulong)high << 32) | low;
        return (int)(((UInt128)draw * (ulong)bound) >> 64);
    }

    /// <summary>A uniform double in [0, 1) from 32 bits.</summary>
    public static double Uniform(uint word) => word / 4294967296.0;

    /// <summary>A uniform double in (0, 1] from 32 bits; never 0, so its logarithm is finite.</summary>
    public static double OpenUniform(uint word) => (word + 1.0) / 4294967296.0;

    /// <summary>
    /// A permutation of 0 … <paramref name="count"/> − 1 (Fisher–Yates, one draw per position), the
    /// same for the same seed, purpose and epoch.
    /// </summary>
    public static int[] Permutation(int count, ulong seed, Purpose purpose, uint epoch) => Permutation(count, seed, purpose, epoch, 0);

    /// <summary>
    /// As above, for one of several permutations of an epoch: <paramref name="stream"/> (e.g. a batch
    /// number) fills the upper 32 bits of the index, so each stream draws its own numbers.
    /// </summary>
    public static int[] Permutation(int count, ulong seed, Purpose purpose, uint epoch, uint stream)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        for (int i = count - 1; i > 0; i--)
        {
            var words = Words(seed, purpose, epoch, ((ulong)stream << 32) | (uint)i);
            int j = Below(i + 1, words.X0, words.X1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>
    /// An endless sequence of uniform numbers for (seed, purpose, epoch, stream), for draws that take
    /// an unknown number of them (rejection sampling): the k-th block of four words is
    /// <see cref="Words"/> at index stream·2³² + k, so the sequence is as pure a function of its key as a single draw.
    /// </summary>
    public sealed class Sequence(ulong seed, Purpose purpose, uint epoch, uint stream)
    {
        private (uint X0, uint X1, uint X2, uint X3) _block;
        private uint _blocks;
        private int _used = 4;

        /// <summary>The next 32-bit word.</summary>
        public uint NextWord()
        {
            if (_used == 4)
            {
                _block = Words(seed, purpose, epoch, ((ulong)stream << 32) | _blocks++);
                _used = 0;
            }
            return _used++ switch
            {
                0 => _block.X0,
                1 => _block.X1,
                2 => _block.X2,
                _ => _block.X3,
            };
        }

        /// <summary>A uniform number in (0, 1].</summary>
        public double NextUniform() => OpenUniform(NextWord());

        /// <summary>A uniform integer in [0, <paramref name="bound"/>).</summary>
        public int NextBelow(int bound) => Below(bound, NextWord(), NextWord());

        /// <summary>A standard normal number (one of a Box–Muller pair; the other is not kept).</summary>
        public double NextNormal() => Normals(NextWord(), NextWord()).A;
    }

    /// <summary>Two independent standard normal numbers from two uniform words (Box–Muller).</summary>
    public static (double A, double B) Normals(uint word0, uint word1)
    {
        double radius = Math.Sqrt(-2.0 * Math.Log(OpenUniform(word0)));
        double angle = 2.0 * Math.PI * OpenUniform(word1);
        return (radius * Math.Cos(angle), radius * Math.Sin(angle));
    }
}
