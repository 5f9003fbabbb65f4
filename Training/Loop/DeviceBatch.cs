// DeviceBatch: a batch's images on the backend, its integer labels and any soft targets; the one place labels become floats (for the loss op).

using AlexNet.Backends;
using AlexNet.Tensors;
using AlexNet.Training.Data;

namespace AlexNet.Training.Loop;

/// <summary>
/// A batch on the backend: the images as the tensor [N, C, H, W] the model reads, and the class
/// labels as integers, kept on the host where the scores are counted. The loss op
/// (<see cref="IBackend.SoftmaxCrossEntropyForward"/>) takes its labels as a float tensor [N], since
/// tensors hold floats; this is the one place where labels become floats, when a batch is loaded
/// for a training step. The tensors are reused while the batch size stays the same.
/// </summary>
public sealed class DeviceBatch : IDisposable
{
    private readonly IBackend _backend;
    private readonly Shape _imageShape;
    private Tensor? _images;
    private Tensor? _labelTensor;
    private float[] _labelValues = [];
    private int[] _labels = [];
    private bool _labelsUploaded;
    private Tensor? _targets;

    /// <param name="backend">where the images go</param>
    /// <param name="imageShape">one image, [C, H, W]</param>
    public DeviceBatch(IBackend backend, Shape imageShape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (imageShape.Rank != 3)
        {
            throw new ArgumentException($"A batch's image shape is [C, H, W], not {imageShape}.", nameof(imageShape));
        }
        _backend = backend;
        _imageShape = imageShape;
    }

    /// <summary>Images in the batch last loaded.</summary>
    public int Count { get; private set; }

    /// <summary>The images [N, C, H, W] on the backend.</summary>
    public Tensor Images => _images ?? throw new InvalidOperationException("No batch has been loaded.");

    /// <summary>Each image's class, 0 … K−1.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, Count);

    /// <summary>The labels [N] as the loss op takes them: whole numbers stored as floats, on the backend.</summary>
    public Tensor LabelTensor => _labelsUploaded
        ? _labelTensor!
        : throw new InvalidOperationException("The batch was loaded without its labels on the backend; load it with labels: true for a training step.");

    /// <summary>
    /// The batch's target distributions [N, K] on the backend, for <see cref="IBackend.SoftTargetCrossEntropyForward"/>;
    /// null when the batch last loaded has hard labels only (or was loaded without labels).
    /// </summary>
    public Tensor? TargetTensor { get; private set; }

    /// <summary>
    /// Uploads <paramref name="batch"/>'s images and, when <paramref name="labels"/> is set (a
    /// training step), its labels and any soft targets: two or three copies to the backend, nothing else.
    /// </summary>
    public void Load(Batch batch, bool labels)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Load(batch.Inputs, batch.Labels, labels);
        TargetTensor = null;
        if (labels && batch.TargetClasses > 0)
        {
            var shape = new Shape(batch.Count, batch.TargetClasses);
            if (_targets is null || _targets.Shape != shape)
            {
                _targets?.Dispose();
                _targets = null;
                _targets = _backend.Allocate(shape, "targets");
            }
            _backend.Upload(batch.Targets, _targets);
            TargetTensor = _targets;
        }
    }

    /// <summary>Uploads <paramref name="images"/> (NCHW, one image after the other) and, when <paramref name="labels"/> is set, <paramref name="classes"/>.</summary>
    public void Load(ReadOnlySpan<float> images, ReadOnlySpan<int> classes, bool labels)
    {
        int count = classes.Length;
        if (count < 1 || images.Length != count * _imageShape.Length)
        {
            throw new ArgumentException($"A batch of {count} label(s) needs {count} × {_imageShape} = {count * _imageShape.Length} input values, not {images.Length}.");
        }
        var shape = new Shape(count, _imageShape[0], _imageShape[1], _imageShape[2]);
        if (_images is null || _images.Shape != shape)
        {
            _images?.Dispose();
            _labelTensor?.Dispose();
            _images = null;
            _labelTensor = null;
            _images = _backend.Allocate(shape, "images");
            _labelTensor = _backend.Allocate(new Shape(count), "labels");
            _labelValues = new float[count];
            _labels = new int[count];
        }
        Count = count;
        TargetTensor = null;
        classes.CopyTo(_labels);
        _backend.Upload(images, _images);
        _labelsUploaded = labels;
        if (labels)
        {
            for (int n = 0; n < count; n++)
            {
                _labelValues[n] = classes[n];
            }
            _backend.Upload(_labelValues, _labelTensor!);
        }
    }

    public void Dispose()
    {
        _images?.Dispose();
        _labelTensor?.Dispose();
        _targets?.Dispose();
    }
}
