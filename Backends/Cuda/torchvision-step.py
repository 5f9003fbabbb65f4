"""torchvision's AlexNet training step on this GPU, for gpu-check.sh to compare with ours.

The same step as `alexnet bench --train`: forward, softmax cross-entropy, backward, SGD with
momentum 0.9 and weight decay 5e-4, 1000 classes, random 224x224 images, fp32 weights. --precision
fp32 turns TF32 off for matrix products and cuDNN convolutions (like for like with our default);
tf32 turns it on (PyTorch's default for convolutions on Ampere and newer). Prints, per batch size,
"batch N: X images/s (median of M steps, Y ms)".

    python3 Backends/Cuda/torchvision-step.py [--precision fp32|tf32] [--batch-sizes 64 128 256]
"""
import argparse
import statistics
import time

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--precision", choices=["fp32", "tf32"], default="fp32")
parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 128, 256])
parser.add_argument("--steps", type=int, default=10)
args = parser.parse_args()

tf32 = args.precision == "tf32"
torch.backends.cuda.matmul.allow_tf32 = tf32
torch.backends.cudnn.allow_tf32 = tf32
torch.backends.cudnn.benchmark = True
device = torch.device("cuda")
print(f"PyTorch {torch.__version__}, torchvision {torchvision.__version__}, cuDNN {torch.backends.cudnn.version()}, "
      f"{torch.cuda.get_device_name(device)}, precision {args.precision}")

torch.manual_seed(1)
model = torchvision.models.alexnet(num_classes=1000).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
loss_function = torch.nn.CrossEntropyLoss()
for batch in args.batch_sizes:
    images = torch.randn(batch, 3, 224, 224, device=device)
    labels = torch.randint(0, 1000, (batch,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()

    for _ in range(3):  # warm-up: cuDNN picks its algorithms
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(args.steps):
        started = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"batch {batch}: {batch / median:.1f} images/s (median of {args.steps} steps, {median * 1000:.2f} ms)")
