"""The paper AlexNet's training step on an H100 or H200, on paper: FLOPs and HBM bytes per layer
for the CUDA backend as it is written (im2col + cuBLAS GEMM, one kernel per elementwise op), and the
roofline time, max(FLOPs / peak, bytes / bandwidth), layer by layer. The first GPU run of
gpu-check.sh is judged against these (Docs/cuda.md, "Expected figures").

    python3 Backends/Cuda/expected-figures.py [--batch 128] [--layers]

Traffic model, in floats of 4 bytes, per image unless said otherwise (each tensor counted once per
kernel that reads or writes it; caches ignored, which at these sizes, far beyond the 50-60 MB L2,
is close):
  convolution  forward: im2col reads x, writes the columns; the GEMM reads the columns, writes y;
               the bias kernel reads and writes y. backward: im2col again; dW GEMM reads dy and
               the columns, reads and writes dW (once per step); dX GEMM reads dy, writes the
               columns' gradient; col2im reads it, writes dx (not for conv1); dBias reads dy.
  dense        forward reads x and W (once per step), writes y; bias reads and writes y.
               backward: dW reads dy and x, reads and writes dW; dX reads W and dy, writes dx.
  relu, dropout, LRN, max-pool: forward reads x (LRN, pool) writes y; backward reads what the
               kernel takes (relu: y, dy; LRN: x, y, dy; pool: x, dy) and writes dx.
  SGD momentum: every parameter read (w, g, v) and written (w, v): 5 x 61.0 M floats per step.
FLOPs: 2 per multiply-accumulate; training = forward + dX + dW (conv1 has no dX).
Peaks (NVIDIA's datasheets, SXM parts): FP32 67 TFLOP/s on both, TF32 tensor cores 495 TFLOP/s
dense; HBM3 3.35 TB/s (H100), HBM3e 4.8 TB/s (H200). Real kernels reach perhaps 70-90% of these.
"""
import argparse

GPUS = {"H100 SXM": (67e12, 495e12, 3.35e12), "H200 SXM": (67e12, 495e12, 4.8e12)}

# (name, kind, input floats, output floats, MACs, weights, columns floats) per image, from `alexnet summary --model alexnet`.
LAYERS = [
    ("conv1", "conv", 3 * 227 * 227, 96 * 55 * 55, 105_415_200, 34_944, 363 * 3025),
    ("relu1", "relu", 96 * 55 * 55, 96 * 55 * 55, 0, 0, 0),
    ("norm1", "lrn", 96 * 55 * 55, 96 * 55 * 55, 0, 0, 0),
    ("pool1", "pool", 96 * 55 * 55, 96 * 27 * 27, 0, 0, 0),
    ("conv2", "conv", 96 * 27 * 27, 256 * 27 * 27, 223_948_800, 307_456, 2400 * 729),
    ("relu2", "relu", 256 * 729, 256 * 729, 0, 0, 0),
    ("norm2", "lrn", 256 * 729, 256 * 729, 0, 0, 0),
    ("pool2", "pool", 256 * 729, 256 * 169, 0, 0, 0),
    ("conv3", "conv", 256 * 169, 384 * 169, 149_520_384, 885_120, 2304 * 169),
    ("relu3", "relu", 384 * 169, 384 * 169, 0, 0, 0),
    ("conv4", "conv", 384 * 169, 384 * 169, 112_140_288, 663_936, 3456 * 169),
    ("relu4", "relu", 384 * 169, 384 * 169, 0, 0, 0),
    ("conv5", "conv", 384 * 169, 256 * 169, 74_760_192, 442_624, 3456 * 169),
    ("relu5", "relu", 256 * 169, 256 * 169, 0, 0, 0),
    ("pool5", "pool", 256 * 169, 9216, 0, 0, 0),
    ("fc6", "dense", 9216, 4096, 37_748_736, 37_752_832, 0),
    ("relu6", "relu", 4096, 4096, 0, 0, 0),
    ("drop6", "dropout", 4096, 4096, 0, 0, 0),
    ("fc7", "dense", 4096, 4096, 16_777_216, 16_781_312, 0),
    ("relu7", "relu", 4096, 4096, 0, 0, 0),
    ("drop7", "dropout", 4096, 4096, 0, 0, 0),
    ("fc8", "dense", 4096, 1000, 4_096_000, 4_097_000, 0),
]
PARAMETERS = 60_965_224


def layer_cost(layer, n):
    """(FLOPs, bytes) of one layer's forward and backward for a batch of n."""
    name, kind, x, y, macs, w, c = layer
    if kind == "conv":
        forward = n * (x + c) + (n * c + w + n * y) + n * 2 * y
        backward = n * (x + c) + (n * (y + c) + 2 * w) + n * y
        if name != "conv1":
            backward += (n * (y + c) + w) + n * (c + x)
        return 2 * macs * n * (2 if name == "conv1" else 3), 4 * (forward + backward)
    if kind == "dense":
        forward = (n * x + w + n * y) + n * 2 * y
        backward = (n * (y + x) + 2 * w) + (w + n * (y + x)) + n * y
        return 2 * macs * n * 3, 4 * (forward + backward)
    forward = n * (x + y)
    backward = n * {"relu": 3 * y, "dropout": 2 * y, "lrn": 4 * y, "pool": x + y + x}[kind]
    return 0, 4 * (forward + backward)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--layers", action="store_true", help="the per-layer table for the first batch size")
    args = parser.parse_args()
    optimizer_bytes = 4 * 5 * PARAMETERS
    if args.layers:
        n = args.batch[0]
        print(f"batch {n}: per layer, forward + backward")
        print(f"{'layer':6} {'GFLOP':>9} {'HBM MB':>9} " + " ".join(f"{g + ' ' + p + ' us':>17}" for g in GPUS for p in ("fp32", "tf32")))
        for layer in LAYERS:
            flops, bytes_ = layer_cost(layer, n)
            times = [max(flops / (peak32 if p == "fp32" else peak_tf), bytes_ / bw) * 1e6 for g, (peak32, peak_tf, bw) in GPUS.items() for p in ("fp32", "tf32")]
            print(f"{layer[0]:6} {flops / 1e9:9.1f} {bytes_ / 1e6:9.1f} " + " ".join(f"{t:17.0f}" for t in times))
        times = [optimizer_bytes / bw * 1e6 for g, (peak32, peak_tf, bw) in GPUS.items() for p in ("fp32", "tf32")]
        print(f"{'sgd':6} {0:9.1f} {optimizer_bytes / 1e6:9.1f} " + " ".join(f"{t:17.0f}" for t in times))
        print()
    print(f"{'batch':>5} {'GFLOP/step':>11} {'HBM GB/step':>12} " + " ".join(f"{g + ' ' + p:>22}" for g in GPUS for p in ("fp32", "tf32")))
    for n in args.batch:
        costs = [layer_cost(layer, n) for layer in LAYERS]
        flops = sum(f for f, _ in costs)
        bytes_ = sum(b for _, b in costs) + optimizer_bytes
        cells = []
        for g, (peak32, peak_tf, bw) in GPUS.items():
            for p in ("fp32", "tf32"):
                peak = peak32 if p == "fp32" else peak_tf
                seconds = sum(max(f / peak, b / bw) for f, b in costs) + optimizer_bytes / bw
                cells.append(f"{seconds * 1e3:6.2f} ms {n / seconds:8.0f} img/s")
        print(f"{n:5} {flops / 1e9:11.1f} {bytes_ / 1e9:12.2f} " + " ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
