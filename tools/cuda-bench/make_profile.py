#!/usr/bin/env python3
"""models/profiles/h200.json from one GPU run's outputs (cuda-check --gl-bench's gl-bench.json and
realistic_shapes.py's hf*.json / hf.log), for the cascade benchmark's trace-driven view.

Shape (every figure NVML-measured, idle power included, greedy):
  {"device", "measured", "source", "default_backend", "notes",
   "models": {<model>: {"parameters"?, "weight_bytes_per_token_f16"?,
     "backends": {<backend>: {
        "decode":  {"<batch>": {"joules_per_token", "tokens_per_s"}},   # batch "1" = one sequence alone
        "prefill": {"joules_per_token", "tokens_per_s"},                  # per prompt position (512-token prompt; demo 256)
        "verify":  {"<k>": {"joules", "ms"}}}}}}}                        # one pass over k drafted tokens after 64 held
Models: draft, target (the demo models), llama-3.2-1b-shape, llama-3.1-8b-shape (random weights, real shapes).
Backends: cuda-nvrtc (the default), transformers (5.x, f16, sdpa), ilgpu-cuda where it ran.

    python3 tools/cuda-bench/make_profile.py tools/cuda-bench/runs/2026-12-03-issue17b models/profiles/h200.json
"""
import glob
import json
import os
import re
import sys

run, out = sys.argv[1], sys.argv[2]
ours = json.load(open(os.path.join(run, "gl-bench.json")))
hf = {"models": {}}
for path in sorted(glob.glob(os.path.join(run, "hf*.json"))):  # hf.json, and hf-8b.json where the 8B ran on its own
    part = json.load(open(path))
    models_part = part.pop("models")
    hf.update(part)
    hf["models"].update(models_part)
# The first run's time limit cut transformers during the 8B shape: what it printed before is in hf.log.
log = open(os.path.join(run, "hf.log")).read() if os.path.exists(os.path.join(run, "hf.log")) else ""
m = re.search(r"llama-3\.1-8b-shape \(transformers\)\n  decode batch 1: (\d+) tok/s, ([\d.]+) J/token", log)
if m and "llama-3.1-8b-shape" not in hf["models"]:
    hf["models"]["llama-3.1-8b-shape"] = {"decode": {"1": {"tokens_per_s": float(m.group(1)), "joules_per_token": float(m.group(2))}},
                                          "partial": "decode batch 1 only: the run's time limit ended the rest"}


def slim(b):
    r = {}
    if "decode" in b:
        r["decode"] = {k: {"joules_per_token": v["joules_per_token"], "tokens_per_s": v["tokens_per_s"]} for k, v in b["decode"].items()}
    if "prefill" in b:
        r["prefill"] = {"joules_per_token": b["prefill"]["joules_per_token"], "tokens_per_s": b["prefill"]["tokens_per_s"]}
    if "verify" in b:
        r["verify"] = {k: {"joules": v["joules"], "ms": v["ms"]} for k, v in b["verify"].items()}
    for key in ("partial", "error"):
        if key in b:
            r[key] = b[key]
    return r


models = {}
for name, entry in ours["models"].items():
    backends = {k: slim(v) for k, v in entry["backends"].items() if "error" not in v}
    failed = {k: v["error"] for k, v in entry["backends"].items() if "error" in v}
    if name in hf["models"]:
        backends["transformers"] = slim(hf["models"][name])
    models[name] = {"weight_bytes_per_token_f16": entry.get("weight_bytes_per_token_f16"), "backends": backends}
    if failed:
        models[name]["not_measured"] = failed

profile = {
    "device": ours["device"] + ", driver 580.159.04, CUDA 13.0",
    "measured": "2026-12-03, one run (" + os.path.relpath(run).replace(os.sep, "/") + ")",
    "source": "cuda-check --gl-bench (cuda-nvrtc, ilgpu-cuda) and tools/cuda-bench/realistic_shapes.py (transformers " + hf["transformers"] + ", torch " + hf["torch"] + ")",
    "default_backend": "cuda-nvrtc",
    "notes": [
        "NVML total-energy counter over each measurement window, idle power included (about 79 W here); greedy, argmax on the GPU.",
        "verify k and decode batch > 1: the NVRTC backend runs passes of 2 rows or more through cuBLAS for models of 1 GB or more a token (the 1B and 8B shapes), and from 16 rows on for smaller ones (the demo models), whose own kernels reread the weights every 4 rows.",
        "llama-*-shape: random weights with the published shapes of meta-llama/Llama-3.2-1B and Llama-3.1-8B (tools/cuda-bench/realistic_shapes.py, seed 17/18).",
    ],
    "models": models,
}
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump(profile, f, indent=1)
    f.write("\n")
print(out)
