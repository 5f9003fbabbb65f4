#!/bin/bash
# One quiet sitting: ours, libtorch, ours again. Every row prints the share other processes took.
# Run from the repository root: L=/path/to/LibtorchBench Docs/results/bench-2026-12-04-zen3/sitting.sh
A=${A:-Training/bin/Release/net10.0/alexnet}   # this project, built with dotnet build -c Release
L=${L:?set L to a LibtorchBench built as ../shared/tools/libtorch-bench/README.md says}
ours() {
  echo "### ours $1 $(date -u +%T) $(cat /proc/loadavg)"
  $A bench --roofline --gemm 4096 --threads 2 2>&1 | grep -v "^$"
  for m in alexnet torchvision keras-blog; do
    c=1000; [ $m = keras-blog ] && c=17
    $A bench --model $m --classes $c --batch-size 1 16 64 128 --threads 2 --train 2>&1 | grep -E "train:|memory"
    $A bench --model $m --classes $c --batch-size 1 16 64 --threads 2 --inference 2>&1 | grep -E "inference:|memory"
  done
  $A bench --model alexnet --classes 1000 --batch-size 64 --threads 1 --train 2>&1 | grep -E "train:|memory"
}
theirs() {
  echo "### libtorch $(date -u +%T) $(cat /proc/loadavg)"
  $L bench --models alexnet,torchvision,keras --threads 2 --batches 1,16,64,128 --modes inference,train --malloc-tuned 2>&1 | grep -v NNPACK
  $L bench --models alexnet --threads 1 --batches 64 --modes train --malloc-tuned 2>&1 | grep -E "train"
  $L gemm --threads 2 --malloc-tuned 2>&1 | grep -E "GEMM|conv1x1"
}
ours 1; theirs; ours 2
echo "### done $(date -u +%T)"
