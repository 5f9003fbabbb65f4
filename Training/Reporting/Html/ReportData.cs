namespace AlexNet.Training.Reporting.Html;

/// <summary>
/// Everything the run page (<c>report.html</c> and the live dashboard) shows, as the JSON the page's
/// script reads. Accuracies are fractions in [0, 1]; a value that does not exist (the precision of a
/// class never predicted) is null.
/// </summary>
/// <param name="Title">the run's folder name</param>
/// <param name="Live">true on the dashboard: the page polls for new data</param>
/// <param name="Settings">the run's settings as (name, value) rows, in the order shown</param>
/// <param name="History">one entry per finished epoch</param>
/// <param name="Progress">the epoch in progress (dashboard), or null</param>
/// <param name="Filters">the first convolution's kernels, or null for a model without one</param>
/// <param name="Test">the test set scored by the best checkpoint, or null (no test split, or not scored yet)</param>
public sealed record ReportData(
    string Title,
    bool Live,
    IReadOnlyList<string[]> Settings,
    IReadOnlyList<EpochMetrics> History,
    EpochProgressReport? Progress,
    FilterPicture? Filters,
    TestReport? Test);

/// <summary>Where training stands inside an epoch.</summary>
/// <param name="Epoch">1-based epoch in progress</param>
/// <param name="TotalEpochs">the run's target</param>
/// <param name="Step">steps done in this epoch</param>
/// <param name="Steps">steps in one epoch</param>
/// <param name="Loss">the epoch's mean training loss so far</param>
/// <param name="Top1">the epoch's training top-1 so far</param>
/// <param name="ImagesPerSecond">this epoch's training throughput</param>
/// <param name="Phase">train; validate (its steps are done); validated (saved, the next epoch not begun); finished (the last epoch saved)</param>
public sealed record EpochProgressReport(int Epoch, int TotalEpochs, int Step, int Steps, double Loss, double Top1, double ImagesPerSecond, string Phase);

/// <summary>The first convolution's kernels as one PNG (see <see cref="Visualization.FilterGrid"/>).</summary>
/// <param name="Layer">e.g. conv1</param>
/// <param name="Shape">the weights' shape, e.g. [96, 3, 11, 11]</param>
/// <param name="Png">the picture, base64</param>
public sealed record FilterPicture(string Layer, string Shape, string Png);

/// <summary>The test set's scores and, image by image, what the best checkpoint predicted.</summary>
/// <param name="BestEpoch">the epoch of the checkpoint scored</param>
/// <param name="Loss">mean cross-entropy</param>
/// <param name="Top1">top-1 accuracy</param>
/// <param name="Top5">top-5 accuracy</param>
/// <param name="ClassNames">row and column names of <paramref name="Counts"/></param>
/// <param name="Counts">Counts[true][predicted]</param>
/// <param name="Precision">per class: of the images predicted as it, the fraction that are it</param>
/// <param name="Recall">per class: of its images, the fraction predicted as it</param>
/// <param name="Images">every test image, in the order of the split</param>
public sealed record TestReport(
    int BestEpoch,
    double Loss,
    double Top1,
    double Top5,
    IReadOnlyList<string> ClassNames,
    long[][] Counts,
    double?[] Precision,
    double?[] Recall,
    IReadOnlyList<TestImage> Images);

/// <summary>One test image: its class, the predicted class and its probability, and a small JPEG of it.</summary>
/// <param name="Name">its file name</param>
/// <param name="Label">the true class</param>
/// <param name="Predicted">the top-1 class</param>
/// <param name="Probability">the softmax probability of <paramref name="Predicted"/></param>
/// <param name="Jpeg">a thumbnail, base64</param>
public sealed record TestImage(string Name, int Label, int Predicted, double Probability, string Jpeg);
