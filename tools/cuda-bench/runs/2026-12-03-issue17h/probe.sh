#!/usr/bin/env bash
# Issue 17h: the 8B shape with the committed kernels and transformers in the same run (the issue's "transformers on
# the same shapes, same run"): NVRTC's gl-bench (decode batch 1/8/32/64, prefill 512, verify k=1/4/8/16), then
# realistic_shapes.py's transformers bench of the same checkpoint. --seconds 1 each. Bounded to ~230 s.
cd "$(dirname "$0")/../../../.."
G=.gpu17
chmod +x $G/cuda-check
start=$(date +%s)
left() { local r=$(( 230 - ($(date +%s) - start) )); [ $r -lt 1 ] && r=1; [ $r -lt $1 ] && echo $r || echo $1; }
stamp() { echo "[$(( $(date +%s) - start )) s] $*"; }
timeout 100 python3 tools/cuda-bench/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1; stamp "shapes made rc=$?"
timeout $(left 100) $G/cuda-check --gl-bench --models models --random /tmp/shapes --out $OUT --seconds 1 --backends cuda-nvrtc \
  --only llama-3.1-8b-shape > $OUT/ours.txt 2>&1
stamp "gl-bench 8B rc=$?"; grep -v "^Loading\|Writing" $OUT/ours.txt | cut -c1-200
timeout $(left 120) python3 tools/cuda-bench/realistic_shapes.py --phase bench --out /tmp/shapes --json $OUT/hf-8b.json --seconds 1 \
  --only llama-3.1-8b-shape > $OUT/hf-8b.log 2>&1
stamp "hf 8b rc=$?"; grep -v "Loading\|it/s" $OUT/hf-8b.log | cut -c1-200 | tail -20
