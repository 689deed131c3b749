#!/usr/bin/env python3
"""Random-weight Llama-3.2-1B and Llama-3.1-8B shaped checkpoints (fixed seed, no download) and the transformers
baseline on them and on the demo models, for docs/cuda.md (issue 17).

Shapes are those of the published config.json files (Hugging Face, meta-llama/Llama-3.2-1B and
meta-llama/Llama-3.1-8B): width 2048 / 4096, 16 / 32 layers, 32 heads, 8 KV heads, MLP 8192 / 14336, vocabulary
128256, rope_theta 500000 with llama3 scaling (factor 32 / 8, low 1, high 4, original 8192), tied embeddings for
1B only. Weights: normal(0, 0.02) (transformers' initializer_range) from torch.manual_seed(17), norms 1, in f16.

transformers, every figure greedy on the GPU (f16, sdpa attention, static shapes not forced):
  decode batch B: B sequences of an 8-token prompt generate N tokens together (generate, min_new_tokens = N);
    tokens/s = B * N / wall time; J/token = NVML's total-energy counter over the same time / (B * N);
  verify k: one forward pass over k new tokens after a 64-token context held in the KV cache (DynamicCache cut back
    after each call), against k = 1 (one decode step);
  prefill: a 512-token prompt (demo models: 256), J/token.

    python3 tools/cuda-bench/realistic_shapes.py --phase make --out /tmp/shapes        # the checkpoints
    python3 tools/cuda-bench/realistic_shapes.py --phase bench --out /tmp/shapes --json $OUT/hf.json [--models models]
        [--only llama-3.1-8b-shape,draft]   # these models only, in this order
"""
import argparse
import json
import os
import time

import pynvml
import torch
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

SHAPES = {
    "llama-3.2-1b-shape": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                               num_key_value_heads=8, head_dim=64, tie_word_embeddings=True,
                               rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                                 original_max_position_embeddings=8192)),
    "llama-3.1-8b-shape": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                               num_key_value_heads=8, head_dim=128, tie_word_embeddings=False,
                               rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                                 original_max_position_embeddings=8192)),
}
COMMON = dict(vocab_size=128256, max_position_embeddings=131072, rms_norm_eps=1e-5, rope_theta=500000.0,
              bos_token_id=128000, eos_token_id=128001, hidden_act="silu", attention_bias=False, mlp_bias=False,
              torch_dtype="float16")


class Meter:
    def __init__(self):
        pynvml.nvmlInit()
        self.h = pynvml.nvmlDeviceGetHandleByIndex(torch.cuda.current_device())

    def edge(self):
        """The counter right after it changes (about 10 updates a second), so windows start and end on an update."""
        v0 = pynvml.nvmlDeviceGetTotalEnergyConsumption(self.h)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.5:
            v = pynvml.nvmlDeviceGetTotalEnergyConsumption(self.h)
            if v != v0:
                return v / 1000.0
        return v0 / 1000.0

    def measure(self, fn, seconds, min_calls=2):
        fn()
        torch.cuda.synchronize()
        j0 = self.edge()
        t0 = time.perf_counter()
        calls = 0
        units = 0
        while time.perf_counter() - t0 < seconds or calls < min_calls:
            units += fn()
            calls += 1
        torch.cuda.synchronize()
        elapsed = time.perf_counter() - t0
        joules = self.edge() - j0
        return dict(units=units, calls=calls, seconds=elapsed, joules=joules)


def make(name, seed, out):
    cfg = LlamaConfig(**COMMON, **SHAPES[name])
    torch.manual_seed(seed)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg).to(torch.float16)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith("norm.weight"):
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02)
    model.eval()
    path = os.path.join(out, name)
    t0 = time.perf_counter()
    model.save_pretrained(path, safe_serialization=True, max_shard_size="100GB")
    print(f"{name}: {sum(p.numel() for p in model.parameters()) / 1e9:.3f} B parameters, saved in {time.perf_counter() - t0:.1f} s to {path}",
          flush=True)
    return model


def bench(model, meter, batches, generated, prefill, seconds):
    r = dict(decode={}, verify={})
    dev = "cuda"
    gen = dict(do_sample=False, num_beams=1, max_new_tokens=generated, min_new_tokens=generated, pad_token_id=0)
    for b in batches:
        ids = torch.tensor([[1, 100 + i, 200 + i, 300, 400, 500 + i, 600, 700] for i in range(b)], device=dev)

        def run():
            model.generate(ids, attention_mask=torch.ones_like(ids), **gen)
            return b * generated

        m = meter.measure(run, seconds if b == 1 else seconds / 2)
        r["decode"][str(b)] = dict(tokens_per_s=m["units"] / m["seconds"], joules_per_token=m["joules"] / m["units"],
                                   watts=m["joules"] / m["seconds"], tokens=m["units"], seconds=m["seconds"])
        print(f"  decode batch {b}: {m['units'] / m['seconds']:.0f} tok/s, {m['joules'] / m['units']:.5f} J/token", flush=True)
    ids = torch.tensor([[3 + (i * 7 % 5000) for i in range(prefill)]], device=dev)

    def pre():
        model(ids, use_cache=True)
        return prefill

    m = meter.measure(pre, seconds / 3, min_calls=4)
    r["prefill"] = dict(tokens_per_s=m["units"] / m["seconds"], joules_per_token=m["joules"] / m["units"])
    print(f"  prefill {prefill}: {m['units'] / m['seconds']:.0f} tok/s, {m['joules'] / m['units']:.6f} J/token", flush=True)
    ctx = torch.tensor([[5 + (i * 13 % 4000) for i in range(64)]], device=dev)
    out = model(ctx, use_cache=True)
    cache = out.past_key_values
    for k in (1, 4, 8, 16):
        drafted = torch.tensor([[11 + i for i in range(k)]], device=dev)

        def ver():
            o = model(drafted, past_key_values=cache, use_cache=True)
            o.logits[0].argmax(-1).tolist()
            cache.crop(64)
            return 1

        m = meter.measure(ver, seconds / 4, min_calls=20)
        r["verify"][str(k)] = dict(ms=m["seconds"] * 1000 / m["calls"], joules=m["joules"] / m["calls"], calls=m["calls"])
        print(f"  verify k={k}: {m['seconds'] * 1000 / m['calls']:.3f} ms, {m['joules'] / m['calls']:.4f} J", flush=True)
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True, help="folder for the generated checkpoints")
    p.add_argument("--json")
    p.add_argument("--phase", choices=("make", "bench"), required=True)
    p.add_argument("--models", default="models")
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--skip-demo", action="store_true")
    p.add_argument("--only", help="comma-separated model names to bench (draft, target, llama-3.2-1b-shape, llama-3.1-8b-shape)")
    a = p.parse_args()
    if a.phase == "make":
        for i, name in enumerate(SHAPES):
            model = make(name, a.seed + i, a.out)
            del model
            torch.cuda.empty_cache()
        return
    meter = Meter()
    import transformers
    result = dict(torch=torch.__version__, transformers=transformers.__version__, gpu=torch.cuda.get_device_name(),
                  attention="sdpa (transformers' default)", dtype="float16", models={})

    def save():
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)

    jobs = [] if a.skip_demo else [(n, os.path.join(a.models, n), (1, 8, 32), 256, 256) for n in ("draft", "target")]
    jobs += [(n, os.path.join(a.out, n), (1, 8, 32, 64), 128, 512) for n in SHAPES]
    if a.only:
        names = a.only.split(",")
        jobs = sorted((j for j in jobs if j[0] in names), key=lambda j: names.index(j[0]))
    for name, path, batches, generated, prefill in jobs:
        try:
            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float16).cuda().eval()
            print(f"{name} (transformers)", flush=True)
            with torch.inference_mode():
                result["models"][name] = bench(model, meter, batches, generated, prefill, a.seconds)
            result["models"][name]["parameters"] = sum(p.numel() for p in model.parameters())
        except Exception as e:  # noqa: BLE001 - recorded, the next model still runs
            print(f"FAIL {name}: {e}", flush=True)
            result["models"][name] = dict(error=str(e))
        save()
        model = None
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
