using AlexNet.Tensors;

namespace AlexNet.Backends;

/// <summary>
/// Everything AlexNet computes, as layer-level operations in the manner of cuDNN. The reference
/// (<c>Reference/</c>: the readable maths of every op), the CPU and the CUDA backend implement this one
/// interface; layers call nothing else, so the same network runs on any of them. Every tensor passed
/// in must live on this backend. What each op accepts is checked by <see cref="OpContract"/>, the same
/// way on every backend.
/// <para>
/// Conventions, stated once for every method:
/// <list type="bullet">
/// <item>Parameters come in the order inputs → scalar arguments → outputs; only the elementwise
/// helpers keep BLAS's order (<c>Axpy(alpha, x, y)</c> as <c>saxpy</c>), which readers know.</item>
/// <item>Shapes are written <c>[N, C, H, W]</c> (images), <c>[N, F]</c> (dense activations),
/// <c>[O, C/groups, KH, KW]</c> (convolution weights, OIHW), <c>[O, I]</c> (dense weights).</item>
/// <item><b>Gradients of parameters accumulate</b>: <c>dWeight</c>, <c>dBias</c>, <c>dGamma</c>,
/// <c>dBeta</c> are added to (+=), so several batches can be summed before an update and the
/// optimizer's caller zeroes them. <b>Every other output is overwritten</b>, activation gradients
/// (<c>dInput</c>) included.</item>
/// <item>Class labels are stored in float tensors as whole numbers 0 … K−1 (exact up to 2²⁴).</item>
/// <item>Outputs must not overlap inputs unless a method says so.</item>
/// <item>Work may run asynchronously (CUDA); <see cref="IDevice.Download"/> and
/// <see cref="Synchronize"/> wait for it.</item>
/// </list>
/// </para>
/// </summary>
public interface IBackend : IDevice, IDisposable
{
    /// <summary>Waits until all queued work has finished. Nothing to wait for on the CPU.</summary>
    void Synchronize();

    /// <summary>Name, threads, kernels and device, for the app to print without testing the backend's type.</summary>
    BackendDescription Describe();

    // ----- Elementwise helpers -------------------------------------------------------------

    /// <summary>Sets every element of <paramref name="y"/> to <paramref name="value"/>.</summary>
    /// <param name="value">the value</param>
    /// <param name="y">any shape, overwritten</param>
    void Fill(float value, Tensor y);

    /// <summary>y = x. Shapes may differ; lengths must match.</summary>
    /// <param name="x">any shape</param>
    /// <param name="y">any shape of the same length, overwritten</param>
    void Copy(Tensor x, Tensor y);

    /// <summary>y = alpha · y.</summary>
    /// <param name="alpha">the factor</param>
    /// <param name="y">any shape, scaled in place</param>
    void Scale(float alpha, Tensor y);

    /// <summary>y = y + alpha · x. Lengths must match.</summary>
    /// <param name="alpha">the factor</param>
    /// <param name="x">any shape</param>
    /// <param name="y">any shape of the same length, updated in place</param>
    void Axpy(float alpha, Tensor x, Tensor y);

    // ----- Matrix multiply -----------------------------------------------------------------

    /// <summary>
    /// General matrix multiply on row-major matrices: C = alpha · op(A) · op(B) + beta · C, where op
    /// transposes when asked. Each tensor is read as a matrix whose rows are its outermost
    /// dimension and whose columns are the rest: A is [M, K] (or [K, M] when
    /// <paramref name="transposeA"/>), B is [K, N] (or [N, K] when <paramref name="transposeB"/>),
    /// C is [M, N]. With beta = 0, C's previous contents are ignored (even NaN).
    /// </summary>
    void Gemm(Tensor a, Tensor b, bool transposeA, bool transposeB, float alpha, float beta, Tensor c);

    // ----- Convolution ---------------------------------------------------------------------

    /// <summary>
    /// Unfolds image patches into columns: for every image n, row (c·KH + i)·KW + j and column
    /// oh·OW + ow of <paramref name="columns"/> holds x[n, c, oh·S − P + i, ow·S − P + j], or 0 where
    /// that falls in the padding. A convolution is then a matrix product with the weights.
    /// Groups are ignored here (all channels are unfolded).
    /// </summary>
    /// <param name="x">[N, C, H, W]</param>
    /// <param name="kernelHeight">KH</param>
    /// <param name="kernelWidth">KW</param>
    /// <param name="convolution">stride S and padding P</param>
    /// <param name="columns">[N, C·KH·KW, OH·OW]</param>
    void Im2Col(Tensor x, int kernelHeight, int kernelWidth, Convolution convolution, Tensor columns);

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: folds columns back into an image, each pixel receiving
    /// the sum of every column entry that was copied from it (entries from padding are dropped).
    /// </summary>
    /// <param name="columns">[N, C·KH·KW, OH·OW]</param>
    /// <param name="kernelHeight">KH</param>
    /// <param name="kernelWidth">KW</param>
    /// <param name="convolution">stride S and padding P</param>
    /// <param name="x">[N, C, H, W], overwritten</param>
    void Col2Im(Tensor columns, int kernelHeight, int kernelWidth, Convolution convolution, Tensor x);

    /// <summary>
    /// y[n, o] = bias[o] + Σ over the input channels of o's group and the kernel window of
    /// weight[o, c, i, j] · x[n, g·C/groups + c, oh·S − P + i, ow·S − P + j] (cross-correlation, as
    /// every deep-learning library computes it).
    /// </summary>
    /// <param name="x">[N, C, H, W]</param>
    /// <param name="weight">[O, C/groups, KH, KW]; O divisible by groups</param>
    /// <param name="bias">[O], or null for none</param>
    /// <param name="convolution">stride, padding, groups</param>
    /// <param name="y">[N, O, OH, OW] with OH = (H − KH + 2P)/S + 1</param>
    void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y);

    /// <summary>
    /// y = max(0, conv(x, weight) + bias): <see cref="Conv2dForward"/> followed by <see cref="ReluForward"/>
    /// in place, as one op, for a convolution whose only consumer is a ReLU (every convolution of the
    /// paper's network). It is no new maths — the reference runs exactly those two ops — but a fast
    /// backend applies the max while the sums are still in registers, in the same pass that writes y
    /// (adding the bias), instead of a second pass that reads y back from memory and writes it again.
    /// It is an op of its own, not a flag on Conv2dForward, so that the plain op stays what the layer
    /// reads, and the fusion is chosen in one visible place (<c>Sequential.Forward</c>).
    /// </summary>
    /// <param name="x">[N, C, H, W]</param>
    /// <param name="weight">[O, C/groups, KH, KW]; O divisible by groups</param>
    /// <param name="bias">[O], or null for none</param>
    /// <param name="convolution">stride, padding, groups</param>
    /// <param name="y">[N, O, OH, OW], overwritten with the rectified output</param>
    void Conv2dReluForward(Tensor x, Tensor weight, Tensor? bias, Convolution convolution, Tensor y);

    /// <summary>dInput of a convolution: dx = the transposed convolution of dy with the weights.</summary>
    /// <param name="dy">[N, O, OH, OW]</param>
    /// <param name="weight">[O, C/groups, KH, KW]</param>
    /// <param name="convolution">stride, padding, groups</param>
    /// <param name="dx">[N, C, H, W], overwritten</param>
    void Conv2dBackwardData(Tensor dy, Tensor weight, Convolution convolution, Tensor dx);

    /// <summary>dWeight of a convolution, summed over the batch, <b>accumulated</b> into <paramref name="dWeight"/>.</summary>
    /// <param name="x">[N, C, H, W], the forward input</param>
    /// <param name="dy">[N, O, OH, OW]</param>
    /// <param name="convolution">stride, padding, groups</param>
    /// <param name="dWeight">[O, C/groups, KH, KW], accumulated</param>
    void Conv2dBackwardFilter(Tensor x, Tensor dy, Convolution convolution, Tensor dWeight);

    /// <summary>dBias of a convolution: dy summed over N, OH, OW, <b>accumulated</b>.</summary>
    /// <param name="dy">[N, O, OH, OW]</param>
    /// <param name="dBias">[O], accumulated</param>
    void Conv2dBackwardBias(Tensor dy, Tensor dBias);

    // ----- Pooling -------------------------------------------------------------------------

    /// <summary>
    /// y[n, c, oh, ow] = the largest x in the window rows oh·S − P … +K−1, columns ow·S − P … +K−1
    /// (padding cells never win).
    /// </summary>
    /// <param name="x">[N, C, H, W]</param>
    /// <param name="pooling">kernel, stride, padding</param>
    /// <param name="y">[N, C, OH, OW] with OH = (H − K + 2P)/S + 1</param>
    void MaxPool2dForward(Tensor x, Pooling pooling, Tensor y);

    /// <summary>
    /// Routes each dy to the input that won its window. <b>Ties</b>: the first maximum in the
    /// window's row-major scan (top row first, left to right) wins, on every backend. Overlapping
    /// windows add their gradients.
    /// </summary>
    /// <param name="x">[N, C, H, W], the forward input</param>
    /// <param name="dy">[N, C, OH, OW]</param>
    /// <param name="pooling">kernel, stride, padding</param>
    /// <param name="dx">[N, C, H, W], overwritten</param>
    void MaxPool2dBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx);

    /// <summary>
    /// The backward of ReLU followed by max pooling, in one pass: <see cref="MaxPool2dBackward"/>, then
    /// <see cref="ReluBackward"/> with the pool's input as the ReLU's output. Each dy goes to its window's
    /// winner as above, and only where that winner is &gt; 0 (a window of zeros passes nothing back).
    /// It saves writing and re-reading dx between the two; the result is exactly theirs.
    /// </summary>
    /// <param name="x">[N, C, H, W], the pool's forward input = the ReLU's forward output</param>
    /// <param name="dy">[N, C, OH, OW], the gradient of the pool's output</param>
    /// <param name="pooling">kernel, stride, padding</param>
    /// <param name="dx">[N, C, H, W], the gradient of the ReLU's input, overwritten</param>
    void MaxPool2dReluBackward(Tensor x, Tensor dy, Pooling pooling, Tensor dx);

    // ----- Local response normalization ----------------------------------------------------

    /// <summary>y[n, c] = x[n, c] / (k + α·Σ_window x[n, j]²)^β across channels; see <see cref="LocalResponseNorm"/>.</summary>
    /// <param name="x">[N, C, H, W]</param>
    /// <param name="lrn">window size, α (paper convention), β, k</param>
    /// <param name="y">[N, C, H, W]</param>
    void LrnForward(Tensor x, LocalResponseNorm lrn, Tensor y);

    /// <summary>
    /// dx[c] = dy[c]·s[c]^−β − 2αβ·x[c]·Σ_{j: c in window(j)} dy[j]·y[j]/s[j], with s = k + α·Σ x².
    /// </summary>
    /// <param name="x">[N, C, H, W], the forward input</param>
    /// <param name="y">[N, C, H, W], the forward output</param>
    /// <param name="dy">[N, C, H, W]</param>
    /// <param name="lrn">the forward's parameters</param>
    /// <param name="dx">[N, C, H, W], overwritten</param>
    void LrnBackward(Tensor x, Tensor y, Tensor dy, LocalResponseNorm lrn, Tensor dx);

    // ----- ReLU ----------------------------------------------------------------------------

    /// <summary>y = max(0, x), elementwise. <paramref name="y"/> may be <paramref name="x"/> (in place).</summary>
    /// <param name="x">any shape</param>
    /// <param name="y">same shape as x, overwritten</param>
    void ReluForward(Tensor x, Tensor y);

    /// <summary>
    /// dx = dy where y &gt; 0, else 0 (the gradient at exactly 0 is taken as 0). Uses the forward
    /// output, so an in-place forward still works. <paramref name="dx"/> may be <paramref name="dy"/>.
    /// </summary>
    /// <param name="y">any shape, the forward output</param>
    /// <param name="dy">same shape as y</param>
    /// <param name="dx">same shape as y, overwritten</param>
    void ReluBackward(Tensor y, Tensor dy, Tensor dx);

    // ----- Dropout -------------------------------------------------------------------------

    /// <summary>
    /// Inverted dropout: y = x / (1 − p) where the element is kept, 0 where dropped. Element i is
    /// kept when the uniform number u(seed, offset, i) ≥ p, drawn from the counter-based generator
    /// Philox4x32-10 (see <see cref="Philox"/>): a pure function of (seed, offset, i), so every
    /// backend draws the same mask without storing or copying it. Give each call its own offset
    /// (a layer counts its calls); different offsets give unrelated masks. Element k of
    /// <paramref name="x"/> is element i = <paramref name="firstElement"/> + k of the mask: 0 for a
    /// whole batch; a data-parallel rank holding rows r … of the batch passes r·(elements per row),
    /// so the ranks together draw exactly the mask one process would.
    /// </summary>
    /// <param name="x">any shape</param>
    /// <param name="p">probability of dropping, 0 ≤ p &lt; 1</param>
    /// <param name="seed">the generator's key</param>
    /// <param name="offset">where this call's counters start</param>
    /// <param name="firstElement">the mask index of x's first element, ≥ 0</param>
    /// <param name="y">same length as x; may be x</param>
    void DropoutForward(Tensor x, float p, ulong seed, ulong offset, long firstElement, Tensor y);

    /// <summary>dx = dy / (1 − p) where the forward kept the element (same seed and offset), 0 elsewhere. dx may be dy.</summary>
    /// <param name="dy">the forward output's shape</param>
    /// <param name="p">the forward's p</param>
    /// <param name="seed">the forward's seed</param>
    /// <param name="offset">the forward's offset</param>
    /// <param name="firstElement">the forward's firstElement</param>
    /// <param name="dx">same length as dy, overwritten</param>
    void DropoutBackward(Tensor dy, float p, ulong seed, ulong offset, long firstElement, Tensor dx);

    // ----- Dense ---------------------------------------------------------------------------

    /// <summary>y = x · weightᵀ + bias.</summary>
    /// <param name="x">[N, I]</param>
    /// <param name="weight">[O, I]</param>
    /// <param name="bias">[O], or null for none</param>
    /// <param name="y">[N, O]</param>
    void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y);

    /// <summary>
    /// y = max(0, x · weightᵀ + bias): <see cref="DenseForward"/> followed by <see cref="ReluForward"/> in
    /// place, as one op (fc6 and fc7 are each followed by a ReLU). The same fusion, and the same reasons,
    /// as <see cref="Conv2dReluForward"/>.
    /// </summary>
    /// <param name="x">[N, I]</param>
    /// <param name="weight">[O, I]</param>
    /// <param name="bias">[O], or null for none</param>
    /// <param name="y">[N, O], overwritten with the rectified output</param>
    void DenseReluForward(Tensor x, Tensor weight, Tensor? bias, Tensor y);

    /// <summary>dx = dy · weight; dWeight += dyᵀ · x; dBias += Σ_n dy.</summary>
    /// <param name="x">[N, I], the forward input</param>
    /// <param name="weight">[O, I]</param>
    /// <param name="dy">[N, O]</param>
    /// <param name="dx">[N, I], overwritten; null when the input needs no gradient</param>
    /// <param name="dWeight">[O, I], accumulated</param>
    /// <param name="dBias">[O], accumulated; null when the layer has no bias</param>
    void DenseBackward(Tensor x, Tensor weight, Tensor dy, Tensor? dx, Tensor dWeight, Tensor? dBias);

    // ----- Softmax and loss ----------------------------------------------------------------

    /// <summary>Row-wise softmax, computed stably (the row maximum subtracted first).</summary>
    /// <param name="logits">[N, K]</param>
    /// <param name="probabilities">[N, K]</param>
    void Softmax(Tensor logits, Tensor probabilities);

    /// <summary>
    /// Softmax followed by the cross-entropy with integer labels, averaged over the batch:
    /// loss = −(1/N)·Σ_n log p[n, label[n]].
    /// </summary>
    /// <param name="logits">[N, K]</param>
    /// <param name="labels">[N], whole numbers 0 … K−1</param>
    /// <param name="probabilities">[N, K], the softmax, kept for the backward</param>
    /// <param name="loss">[1]</param>
    void SoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probabilities, Tensor loss);

    /// <summary>Gradient of the mean loss with respect to the logits: dLogits = (p − onehot(label)) / N.</summary>
    /// <param name="probabilities">[N, K], from the forward</param>
    /// <param name="labels">[N]</param>
    /// <param name="dLogits">[N, K], overwritten</param>
    void SoftmaxCrossEntropyBackward(Tensor probabilities, Tensor labels, Tensor dLogits);

    /// <summary>
    /// Softmax followed by the cross-entropy with target distributions ("soft targets": label
    /// smoothing, mixup, cutmix), averaged over the batch:
    /// loss = −(1/N)·Σ_n Σ_k q[n, k]·log p[n, k], with log p[n, k] = z[n, k] − m − log Σ_j exp(z[n, j] − m)
    /// and m the row's largest logit. A one-hot q gives exactly <see cref="SoftmaxCrossEntropyForward"/>'s loss.
    /// Each row of q must be a distribution: every entry ≥ 0, and the row summing to 1 within
    /// <see cref="OpContract.TargetSumTolerance"/>, because only then is the gradient the
    /// <see cref="SoftTargetCrossEntropyBackward"/> computes (in general ∂loss/∂z = (p·Σ_k q − q)/N).
    /// The reference and the CPU backend throw on another row; the CUDA kernels, which cannot throw,
    /// write NaN for that row's loss (so the mean is NaN) and its gradient.
    /// </summary>
    /// <param name="logits">[N, K]</param>
    /// <param name="targets">q, [N, K], each row a distribution over the K classes</param>
    /// <param name="probabilities">[N, K], the softmax, kept for the backward</param>
    /// <param name="loss">[1]</param>
    void SoftTargetCrossEntropyForward(Tensor logits, Tensor targets, Tensor probabilities, Tensor loss);

    /// <summary>Gradient of the mean soft-target loss with respect to the logits: dLogits = (p − q) / N (rows of q as the forward requires).</summary>
    /// <param name="probabilities">[N, K], from the forward</param>
    /// <param name="targets">q, [N, K]</param>
    /// <param name="dLogits">[N, K], overwritten; separate from the targets</param>
    void SoftTargetCrossEntropyBackward(Tensor probabilities, Tensor targets, Tensor dLogits);

    /// <summary>
    /// The indices of the k largest scores of each row, largest first; equal scores are ordered
    /// by lower index first. Used for top-1/top-5 accuracy.
    /// </summary>
    /// <param name="scores">[N, K]</param>
    /// <param name="k">1 … K</param>
    /// <param name="indices">[N, k], whole numbers</param>
    void TopK(Tensor scores, int k, Tensor indices);

    // ----- Batch normalization -------------------------------------------------------------

    /// <summary>
    /// Training-mode batch normalization per channel (over N, H, W) of [N, C, H, W], or per feature
    /// (over N) of [N, C]: y = gamma·(x − μ)/√(σ² + ε) + beta with the batch's mean μ and biased
    /// variance σ². Running statistics move towards the batch's:
    /// running = (1 − momentum)·running + momentum·batch, using the unbiased variance
    /// (PyTorch's convention; Keras' momentum 0.99 is our 0.01).
    /// </summary>
    /// <param name="x">[N, C, H, W] or [N, C]</param>
    /// <param name="gamma">[C]</param>
    /// <param name="beta">[C]</param>
    /// <param name="momentum">weight of the batch statistics in the running ones</param>
    /// <param name="epsilon">added to the variance</param>
    /// <param name="runningMean">[C], updated in place</param>
    /// <param name="runningVariance">[C], updated in place</param>
    /// <param name="y">same shape as x</param>
    /// <param name="savedMean">[C], μ, kept for the backward</param>
    /// <param name="savedInverseStd">[C], 1/√(σ² + ε), kept for the backward</param>
    void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, float momentum, float epsilon,
        Tensor runningMean, Tensor runningVariance, Tensor y, Tensor savedMean, Tensor savedInverseStd);

    /// <summary>Inference-mode batch normalization with the running statistics: y = gamma·(x − mean)/√(var + ε) + beta.</summary>
    /// <param name="x">[N, C, H, W] or [N, C]</param>
    /// <param name="gamma">[C]</param>
    /// <param name="beta">[C]</param>
    /// <param name="runningMean">[C]</param>
    /// <param name="runningVariance">[C]</param>
    /// <param name="epsilon">added to the variance</param>
    /// <param name="y">same shape as x</param>
    void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance, float epsilon, Tensor y);

    /// <summary>
    /// Backward of training-mode batch normalization, with x̂ = (x − μ)·invStd and M values per channel:
    /// dx = gamma·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)); dGamma += Σ dy·x̂; dBeta += Σ dy.
    /// </summary>
    /// <param name="x">[N, C, H, W] or [N, C], the forward input</param>
    /// <param name="dy">same shape as x</param>
    /// <param name="gamma">[C]</param>
    /// <param name="savedMean">[C], from the forward</param>
    /// <param name="savedInverseStd">[C], from the forward</param>
    /// <param name="dx">same shape as x, overwritten</param>
    /// <param name="dGamma">[C], accumulated</param>
    /// <param name="dBeta">[C], accumulated</param>
    void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor savedMean, Tensor savedInverseStd,
        Tensor dx, Tensor dGamma, Tensor dBeta);

    // ----- Optimizer updates ---------------------------------------------------------------

    /// <summary>
    /// The paper's update (section 5): v = momentum·v − weightDecay·lr·w − lr·g; w = w + v.
    /// </summary>
    /// <param name="gradient">g, the parameter's shape</param>
    /// <param name="learningRate">lr (ε in the paper)</param>
    /// <param name="momentum">0.9 in the paper</param>
    /// <param name="weightDecay">5e-4 in the paper</param>
    /// <param name="velocity">v, the parameter's shape, updated in place</param>
    /// <param name="parameter">w, any shape, updated in place</param>
    void SgdMomentumUpdate(Tensor gradient, float learningRate, float momentum, float weightDecay, Tensor velocity, Tensor parameter);

    /// <summary>
    /// Adam as the paper's Algorithm 1 (Kingma &amp; Ba): m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
    /// w = w − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1^t), v̂ = v/(1−β2^t). Keras uses the same defaults but
    /// puts ε beside the uncorrected √v (its ε equals our ε·√(1−β2^t)); the two differ only while v
    /// is as small as ε². A weight decay λ above 0 is L2 regularization as Keras and torch.optim.Adam
    /// add it, in the same pass: g is taken as g + λ·w (the gradient of (λ/2)·w²) before the moments
    /// (contrast <see cref="AdamWUpdate"/>).
    /// </summary>
    /// <param name="gradient">g, the parameter's shape</param>
    /// <param name="learningRate">lr (Keras default 0.001)</param>
    /// <param name="beta1">0.9</param>
    /// <param name="beta2">0.999</param>
    /// <param name="epsilon">1e-7 in Keras</param>
    /// <param name="weightDecay">λ, the L2 decay added to g (0 for none; the gradient tensor is not changed)</param>
    /// <param name="step">t, counted from 1</param>
    /// <param name="m">first moment, the parameter's shape, updated in place</param>
    /// <param name="v">second moment, the parameter's shape, updated in place</param>
    /// <param name="parameter">w, any shape, updated in place</param>
    void AdamUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter);

    /// <summary>
    /// AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", Algorithm 2):
    /// m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; m̂ = m/(1−β1^t), v̂ = v/(1−β2^t);
    /// w = w − lr·(m̂/(√v̂ + ε) + λ·w). The decay λ·w is added to the step, not to g, so it is not
    /// divided by √v̂: every weight shrinks by the same fraction lr·λ, however large its gradients
    /// (with λ = 0 this is <see cref="AdamUpdate"/>). PyTorch's torch.optim.AdamW computes the same.
    /// </summary>
    /// <param name="gradient">g, the parameter's shape</param>
    /// <param name="learningRate">lr (PyTorch default 0.001)</param>
    /// <param name="beta1">0.9</param>
    /// <param name="beta2">0.999</param>
    /// <param name="epsilon">1e-8 in PyTorch</param>
    /// <param name="weightDecay">λ, the decoupled decay (PyTorch default 0.01); 0 for a parameter that is not decayed</param>
    /// <param name="step">t, counted from 1</param>
    /// <param name="m">first moment, the parameter's shape, updated in place</param>
    /// <param name="v">second moment, the parameter's shape, updated in place</param>
    /// <param name="parameter">w, any shape, updated in place</param>
    void AdamWUpdate(Tensor gradient, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter);
}
