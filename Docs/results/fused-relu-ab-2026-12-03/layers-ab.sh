#!/bin/bash
# M: main's build at 876e7bd (dotnet build -c Release, Training/bin/Release/net10.0 copied to /tmp/epi-base);
# F: branch epilogue's (copied to /tmp/epi-new). Zen 4 guest, 2 cores, SHARED with other helpers' work.
# bench --layers, M = main's build, F = branch epilogue, alternating two rounds.
M=/tmp/epi-base/net10.0/alexnet; F=/tmp/epi-new/net10.0/alexnet
for round in 1 2; do
  for row in "torchvision --classes 1000 --batch-size 16 --train" "alexnet --classes 1000 --batch-size 64 --inference" "keras-blog --classes 17 --batch-size 1 --inference"; do
    for side in M F; do
      bin=$M; [ $side = F ] && bin=$F
      echo "## round $round $side $row $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
      $bin bench --model $row --threads 2 --layers 2>&1 | grep -E 'img/s|^    (conv|fc|dense|relu)[0-9]|step '
    done
  done
done
