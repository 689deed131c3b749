#!/usr/bin/env bash
# Issue 17g: is prefill slower with rope_store a block a head? Run F measured 12,360 tok/s for a 512-token 8B prompt
# against run E's 15,910 in gl-bench's short windows. Here the decode step and a 512-token prefill (median of seven,
# cache allocated beforehand) with the committed kernels, with rope_store as it was (a block a row, the other
# blocks of the launch returning at once: .gpu17/k-rope-row), and the committed kernels again.
cd "$(dirname "$0")/../../../.."
G=.gpu17
chmod +x $G/cuda-check
start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - start )) s] $*"; }
timeout 150 python3 tools/cuda-bench/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1; stamp "shapes made rc=$?"
timeout 300 $G/cuda-check --decode-variants "embedded:48,$G/k-rope-row:48,embedded:48" --random /tmp/shapes --out $OUT > $OUT/decode.log 2>&1
stamp "decode variants rc=$?"; grep -v "^Loading\|Writing" $OUT/decode.log | cut -c1-400
