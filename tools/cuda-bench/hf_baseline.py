#!/usr/bin/env python3
"""Hugging Face transformers baseline for docs/cuda.md: PyTorch eager, batch 1, greedy, f16, on the same GPU.

Same workload as tools/cuda-check's benchmark: an 8-token prompt (the first 8 tokens of the same text, with BOS)
and 256 generated tokens a sequence, repeated for at least --seconds; tokens/s = generated tokens / wall time,
J/token = NVML total-energy counter difference (nvmlDeviceGetTotalEnergyConsumption) / generated tokens.

    python3 tools/cuda-bench/hf_baseline.py --models models --out $OUT
"""
import argparse
import json
import os
import time

import pynvml
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

GENERATED = 256


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="models")
    p.add_argument("--out", default=".")
    p.add_argument("--seconds", type=float, default=4.0)
    a = p.parse_args()
    pynvml.nvmlInit()
    handle = pynvml.nvmlDeviceGetHandleByIndex(torch.cuda.current_device())
    results = []
    for name in ("draft", "target"):
        path = os.path.join(a.models, name)
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float16, attn_implementation="eager").cuda().eval()
        ids = tok("Once upon a time, there was a little", return_tensors="pt").input_ids[:, :8].cuda()
        kwargs = dict(max_new_tokens=GENERATED, min_new_tokens=GENERATED, do_sample=False, num_beams=1,
                      pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else 0)
        with torch.inference_mode():
            model.generate(ids, **kwargs)  # warm-up
            torch.cuda.synchronize()
            e0 = pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
            t0 = time.perf_counter()
            tokens = 0
            while time.perf_counter() - t0 < a.seconds:
                out = model.generate(ids, **kwargs)
                tokens += out.shape[1] - ids.shape[1]
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - t0
            joules = (pynvml.nvmlDeviceGetTotalEnergyConsumption(handle) - e0) / 1000.0
        first = out[0, ids.shape[1]:ids.shape[1] + 16].tolist()
        r = dict(model=name, tokens_per_s=tokens / elapsed, joules_per_token=joules / tokens, watts=joules / elapsed,
                 tokens=tokens, seconds=elapsed, params=sum(x.numel() for x in model.parameters()),
                 first_tokens=first, prompt=ids[0].tolist())
        results.append(r)
        print(f"| {name} | transformers {__import__('transformers').__version__} eager f16 | {r['tokens_per_s']:.0f} tok/s "
              f"| {r['joules_per_token']:.5f} J/token | {r['watts']:.0f} W | params {r['params']} | first {first}", flush=True)
        del model
        torch.cuda.empty_cache()
    info = dict(torch=torch.__version__, transformers=__import__('transformers').__version__,
                gpu=torch.cuda.get_device_name(), results=results)
    with open(os.path.join(a.out, "hf_baseline.json"), "w") as f:
        json.dump(info, f, indent=1)


if __name__ == "__main__":
    main()
