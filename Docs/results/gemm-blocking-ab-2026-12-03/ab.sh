#!/bin/bash
# A/B: main's fixed 256/240/4096 blocking against speed's per-processor blocking, alternating builds.
M=/work/main/Training/bin/Release/net10.0/alexnet
S=/work/wt/speed/Training/bin/Release/net10.0/alexnet
row() { # build label, args
  echo "## $1 $(date -u +%T) $(cat /proc/loadavg)"; shift
  "$@" 2>&1 | grep -E "train:|inference:|GFLOP|blocking"
}
for round in 1 2; do
  for b in M S; do
    A=${!b}
    row "$b gemm" $A bench --gemm 4096 --threads 2
    row "$b alexnet" $A bench --model alexnet --classes 1000 --batch-size 1 64 --threads 2 --train
    row "$b alexnet" $A bench --model alexnet --classes 1000 --batch-size 64 --threads 2 --inference
    row "$b torchvision" $A bench --model torchvision --classes 1000 --batch-size 16 --threads 2 --train
    row "$b keras-blog" $A bench --model keras-blog --classes 17 --batch-size 16 --threads 2 --train
    row "$b keras-blog" $A bench --model keras-blog --classes 17 --batch-size 1 --threads 2 --inference
  done
done
echo "## done $(date -u +%T)"
