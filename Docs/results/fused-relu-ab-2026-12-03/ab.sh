#!/bin/bash
# M: main's build at 876e7bd (dotnet build -c Release, Training/bin/Release/net10.0 copied to /tmp/epi-base);
# F: branch epilogue's (copied to /tmp/epi-new). Zen 4 guest, 2 cores, SHARED with other helpers' work.
# A/B of the fused bias+ReLU forward: M = main's build (876e7bd), F = branch epilogue, alternating.
M=/tmp/epi-base/net10.0/alexnet; F=/tmp/epi-new/net10.0/alexnet
rows=("keras-blog --classes 17 --batch-size 16 --train" "torchvision --classes 1000 --batch-size 16 --train" "keras-blog --classes 17 --batch-size 1 --inference" "alexnet --classes 1000 --batch-size 64 --inference" "torchvision --classes 1000 --batch-size 64 --inference")
for round in 1 2 3; do
  for row in "${rows[@]}"; do
    for side in M F; do
      bin=$M; [ $side = F ] && bin=$F
      echo "## round $round $side $row $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
      $bin bench --model $row --threads 2 2>&1 | grep -E 'img/s'
    done
  done
done
