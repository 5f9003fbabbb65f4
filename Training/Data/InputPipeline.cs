namespace AlexNet.Training.Data;

/// <summary>
/// Feeds one image set to the network in batches: shuffled and augmented for training, in order
/// with fixed crops for evaluation. Batches are built on background threads (<see cref="BatchQueue"/>)
/// into reused buffers (<see cref="BatchPool"/>).
/// </summary>
public sealed class InputPipeline
{
    /// <summary>
    /// The default of <see cref="Prefetch"/>: batches that may be prepared ahead of the one the network is
    /// working on. 2 and 4 measured the same (Docs/performance.md, "Loader defaults"); 2 holds one batch less.
    /// </summary>
    public const int DefaultPrefetch = 2;

    /// <summary>
    /// The default of <see cref="LoaderThreads"/>: one thread builds batches 10 times faster than the CPU
    /// backend trains on them even with random-resized crops and colour jitter; the second is the margin
    /// (Docs/performance.md, "Loader defaults"). A GPU needs more: Docs/performance.md, "The horizontal pass gathered", says how many.
    /// </summary>
    public const int DefaultLoaderThreads = 2;

    private readonly BatchPool _pool;

    /// <param name="images">the set</param>
    /// <param name="preprocessing">crop and normalization</param>
    /// <param name="batchSize">images per step over all ranks</param>
    /// <param name="shard">the part of every training batch this process builds (data-parallel training); the whole batch by default</param>
    /// <param name="prefetch">batches prepared ahead (the queue's bound, so memory is (prefetch + 1) batches)</param>
    /// <param name="loaderThreads">batches built at the same time, each on one thread</param>
    /// <param name="augmentation">what training adds to the paper's crops, mirrors and PCA lighting (none by default)</param>
    public InputPipeline(ImageSet images, Preprocessing preprocessing, int batchSize, BatchShard? shard = null,
        int prefetch = DefaultPrefetch, int loaderThreads = DefaultLoaderThreads, AugmentationSettings? augmentation = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(prefetch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(loaderThreads);
        Prefetch = prefetch;
        LoaderThreads = loaderThreads;
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (!images.Form.ShortSide && images.Size != preprocessing.StoredSize)
        {
            throw new ArgumentException($"Images are stored at {images.Size}×{images.Size}, but the preprocessing expects {preprocessing.StoredSize}×{preprocessing.StoredSize}.");
        }
        Images = images;
        Preprocessing = preprocessing;
        BatchSize = batchSize;
        Shard = shard ?? BatchShard.Whole;
        Shard.CheckSplits(batchSize);
        TrainingAugmentation = augmentation ?? AugmentationSettings.Paper;
        InputLength = 3 * preprocessing.CropSize * preprocessing.CropSize;
        _pool = new BatchPool(batchSize, InputLength);
    }

    public ImageSet Images { get; }

    /// <summary>Batches prepared ahead of the one the network is working on.</summary>
    public int Prefetch { get; }

    /// <summary>Batches built at the same time, each on one worker thread.</summary>
    public int LoaderThreads { get; }

    public Preprocessing Preprocessing { get; }

    /// <summary>What training adds to the paper's augmentation.</summary>
    public AugmentationSettings TrainingAugmentation { get; }

    public int BatchSize { get; }

    /// <summary>The part of every training batch this process builds.</summary>
    public BatchShard Shard { get; }

    /// <summary>Floats per input image.</summary>
    public int InputLength { get; }

    /// <summary>
    /// Label smoothing, mixup and cutmix for <see cref="Training"/> batches (<see cref="SoftTargetSettings.None"/>:
    /// hard labels, as before the options existed); with them, <see cref="TargetClasses"/> must be the number of classes.
    /// </summary>
    public SoftTargetSettings Targets { get; init; } = SoftTargetSettings.None;

    /// <summary>The number of classes of the target rows (only read when <see cref="Targets"/> are enabled).</summary>
    public int TargetClasses { get; init; }

    /// <summary>Crop corners range over 0 … this (on the paper's square, however the images are stored).</summary>
    public int MaxOffset => Preprocessing.StoredSize - Preprocessing.CropSize;

    /// <summary>
    /// Training batches per epoch: full batches only. The last <c>Count % BatchSize</c> images of an
    /// epoch's shuffled order are dropped from that epoch; every epoch draws a new order, so a different few sit out each time.
    /// </summary>
    public int TrainingBatches => Images.Count / BatchSize;

    /// <summary>Evaluation batches: every image once, the last batch possibly smaller.</summary>
    public int EvaluationBatches => (Images.Count + BatchSize - 1) / BatchSize;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the images.</summary>
    public int[] EpochOrder(ulong seed, int epoch) => RandomStream.Permutation(Images.Count, seed, RandomStream.Purpose.Order, (uint)epoch);

    /// <summary>
    /// Training batches <paramref name="firstBatch"/> … of an epoch visiting images in <paramref name="order"/>,
    /// augmented; each holds this process's <see cref="Shard"/> of the batch. An image's crop and flip
    /// depend only on (seed, epoch, image), so they do not change with the number of ranks. With
    /// <see cref="Targets"/> enabled, each batch is then smoothed and mixed (<see cref="SoftenTargets"/>) on the same worker thread.
    /// </summary>
    public BatchQueue Training(ulong seed, int epoch, int[] order, int firstBatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (Targets.Enabled && TargetClasses < 2)
        {
            throw new InvalidOperationException($"Soft targets ({Targets}) need the number of classes; set TargetClasses (it is {TargetClasses}).");
        }
        int start = Shard.Start(BatchSize), size = Shard.Size(BatchSize);
        return new BatchQueue(firstBatch, TrainingBatches, b =>
        {
            var batch = Build(order.AsSpan((b * BatchSize) + start, size), image => TrainingDraw(seed, epoch, image));
            if (Targets.Enabled)
            {
                SoftenTargets(batch, seed, epoch, b, order.AsSpan(b * BatchSize, BatchSize), start);
            }
            return batch;
        }, Prefetch, LoaderThreads, cancellationToken);
    }

    /// <summary>
    /// Gives training batch <paramref name="batchNumber"/> its target distributions (<see cref="BatchMixing"/>):
    /// each image's smoothed label, mixed with its partner's when the batch is mixed, whose input is
    /// then blended or pasted in. The partner's input is rebuilt from its image and its own augmentation,
    /// so this rank's shard needs nothing from the others. Labels become the dominant labels.
    /// </summary>
    /// <param name="batch">this shard's part of the batch, as built</param>
    /// <param name="seed">the run's seed</param>
    /// <param name="epoch">the epoch</param>
    /// <param name="batchNumber">the batch's number in the epoch</param>
    /// <param name="images">the whole batch's images, in batch order</param>
    /// <param name="start">the batch position of <paramref name="batch"/>'s first image</param>
    private void SoftenTargets(Batch batch, ulong seed, int epoch, int batchNumber, ReadOnlySpan<int> images, int start)
    {
        int crop = Preprocessing.CropSize, classes = TargetClasses;
        var draw = BatchMixing.Draw(Targets, seed, epoch, batchNumber, BatchSize, crop);
        batch.UseTargets(classes);
        float[]? partnerInput = draw.Kind == MixKind.None ? null : System.Buffers.ArrayPool<float>.Shared.Rent(InputLength);
        try
        {
            for (int i = 0; i < batch.Count; i++)
            {
                int label = batch.Labels[i];
                var target = batch.Targets.Slice(i * classes, classes);
                if (partnerInput is null)
                {
                    BatchMixing.WriteTarget(label, label, 1, Targets.LabelSmoothing, target);
                    continue;
                }
                int partner = images[draw.Partners[start + i]];
                int partnerLabel = Images.Label(partner);
                var partnerSpan = partnerInput.AsSpan(0, InputLength);
                Augmentation.WriteInput(Images.Pixels(partner), Images.Height(partner), Images.Width(partner), TrainingDraw(seed, epoch, partner), Preprocessing, partnerSpan);
                BatchMixing.MixInput(batch.Inputs.Slice(i * InputLength, InputLength), partnerSpan, draw, crop);
                BatchMixing.WriteTarget(label, partnerLabel, draw.Lambda, Targets.LabelSmoothing, target);
                batch.Labels[i] = BatchMixing.DominantLabel(label, partnerLabel, draw.Lambda);
            }
        }
        finally
        {
            if (partnerInput is not null)
            {
                System.Buffers.ArrayPool<float>.Shared.Return(partnerInput);
            }
        }
    }

    /// <summary>
    /// How training image <paramref name="image"/> is augmented in <paramref name="epoch"/>: the paper's
    /// corner, mirror and PCA noise; the box replaced by a random-resized one, or placed on a
    /// short-side image; then the colour jitter. Each part has its own random stream, so adding one leaves the others' draws as they were.
    /// </summary>
    public Augmentation.Draw TrainingDraw(ulong seed, int epoch, int image)
    {
        var draw = Augmentation.ForTraining(seed, epoch, image, MaxOffset);
        if (TrainingAugmentation.ResizedCrops)
        {
            var box = ResizedCrop.ForTraining(seed, epoch, image, Images.Height(image), Images.Width(image), TrainingAugmentation.CropScale!, TrainingAugmentation.CropAspect!);
            draw = draw with { X = box.X, Y = box.Y, Width = box.Width, Height = box.Height };
        }
        else
        {
            draw = Placed(draw, image);
        }
        return TrainingAugmentation.Jitter is { } jitter ? draw with { Jitter = ColourJitter.ForTraining(seed, epoch, image, jitter) } : draw;
    }

    /// <summary>A crop of the paper's square, placed on image <paramref name="image"/> (unchanged for a set of squares).</summary>
    private Augmentation.Draw Placed(Augmentation.Draw draw, int image) =>
        Images.Form.ShortSide ? Augmentation.OnShortSide(draw, Images.Height(image), Images.Width(image), Preprocessing) : draw;

    /// <summary>
    /// Evaluation batches: for every batch of images in set order, one batch per crop in
    /// <paramref name="crops"/> (job number = batch × crops + crop).
    /// </summary>
    public BatchQueue Evaluation(IReadOnlyList<Augmentation.Draw> crops, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(crops);
        return new BatchQueue(0, EvaluationBatches * crops.Count, job =>
        {
            int batch = job / crops.Count;
            var crop = crops[job % crops.Count];
            int start = batch * BatchSize;
            int count = Math.Min(BatchSize, Images.Count - start);
            var indices = Enumerable.Range(start, count).ToArray();
            return Build(indices, image => Placed(crop, image));
        }, Prefetch, LoaderThreads, cancellationToken);
    }

    /// <summary>Fills a pooled batch with the images <paramref name="indices"/>, each cropped as <paramref name="draw"/> says (in stored pixels).</summary>
    public Batch Build(ReadOnlySpan<int> indices, Func<int, Augmentation.Draw> draw)
    {
        ArgumentNullException.ThrowIfNull(draw);
        var batch = _pool.Rent(indices.Length);
        for (int i = 0; i < indices.Length; i++)
        {
            int image = indices[i];
            Augmentation.WriteInput(Images.Pixels(image), Images.Height(image), Images.Width(image), draw(image), Preprocessing, batch.Inputs.Slice(i * InputLength, InputLength));
            batch.Labels[i] = Images.Label(image);
            batch.ImageIndexArray[i] = image;
        }
        return batch;
    }
}
