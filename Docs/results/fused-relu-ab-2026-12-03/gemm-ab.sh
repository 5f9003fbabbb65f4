#!/bin/bash
# M: main's build at 876e7bd (dotnet build -c Release, Training/bin/Release/net10.0 copied to /tmp/epi-base);
# F: branch epilogue's (copied to /tmp/epi-new). Zen 4 guest, 2 cores, SHARED with other helpers' work.
for r in 1 2 3 4; do for side in M F; do
  bin=/tmp/epi-base/net10.0/alexnet; [ $side = F ] && bin=/tmp/epi-new/net10.0/alexnet
  echo "$r $side $($bin bench --gemm 4096 --threads 2 2>&1 | grep GFLOP | sed 's/.*runs -> //')"
done; done
