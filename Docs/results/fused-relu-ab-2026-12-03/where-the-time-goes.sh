#!/bin/bash
# M: main's build at 876e7bd (dotnet build -c Release, Training/bin/Release/net10.0 copied to /tmp/epi-base);
# Only M runs here. Zen 4 guest, 2 cores, SHARED with other helpers' work.
# where the time goes at the small batches, per layer
A=/tmp/epi-base/net10.0/alexnet
for m in "keras-blog --classes 17 --batch-size 16 --train" "torchvision --classes 1000 --batch-size 16 --train" "keras-blog --classes 17 --batch-size 1 --inference"; do
  echo "## $m $(date -u +%T) $(cat /proc/loadavg)"
  $A bench --model $m --threads 2 --layers
done
