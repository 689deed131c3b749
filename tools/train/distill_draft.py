#!/usr/bin/env python3
"""Distils the demo draft from the demo target (same tokenizer, same draft shape), for speculative decoding.

Run on the GPU machine, after tools/corpus/build_corpus.py here:
    python3 tools/train/distill_draft.py --corpus .corpus --target models/target --init models/draft --out OUT --minutes 5

The draft is trained to match the target's next-token distribution (forward KL, token level) on the same
training text, mixed with the usual cross-entropy on the data:
    loss = ce_weight * CE(data, draft) + (1 - ce_weight) * KL(target || draft)
This is DistillSpec's recipe (Zhou et al., "DistillSpec: Improving Speculative Decoding via Knowledge
Distillation", ICLR 2024, arXiv:2310.08461): a draft aligned with its target's distribution, not only with the
data, raises the acceptance rate of speculative decoding. Training stops by the clock, like train_pair.py.

Writes OUT/draft (Hugging Face format, float16, the target's tokenizer files), OUT/metrics.json and
OUT/distill.log: the held-out figures of train_pair.py for the new draft, its greedy answers' agreement with
the target's, and greedy acceptance at k = 4 and 8, next to the same figures for the --init draft when given.
"""

import argparse
import json
import math
import os
import shutil
import sys
import time

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer
from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_pair as tp  # noqa: E402  (shared rendering, packing, evaluation and export)


def distill(draft, target, rows, batch, seconds, peak_lr, ce_weight, device):
    draft.to(device).train()
    target.to(device).eval()
    opt = torch.optim.AdamW(draft.parameters(), lr=peak_lr, betas=(0.9, 0.95), weight_decay=0.1, fused=device == "cuda")
    start, step, epoch, seen = time.time(), 0, 0, 0
    gen = torch.Generator().manual_seed(11)
    while True:
        data = rows[torch.randperm(len(rows), generator=gen)]
        for b in range(0, len(data) - batch + 1, batch):
            frac = (time.time() - start) / seconds
            if frac >= 1.0:
                tp.log(f"distil: stopped by the clock after {step} steps, {epoch} full epochs, {seen} tokens, {time.time() - start:.0f} s")
                return {"steps": step, "epochs_completed": epoch, "tokens_seen": seen, "seconds": round(time.time() - start, 1)}
            lr = tp.lr_at(peak_lr, frac)
            for g in opt.param_groups:
                g["lr"] = lr
            x = data[b: b + batch].to(device, non_blocking=True)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                with torch.no_grad():
                    teacher = target(input_ids=x[:, :-1]).logits
                logits = draft(input_ids=x[:, :-1]).logits
            vocab = logits.size(-1)
            student = F.log_softmax(logits.float().view(-1, vocab), dim=-1)
            teacher = F.log_softmax(teacher.float().view(-1, vocab), dim=-1)
            kl = F.kl_div(student, teacher, log_target=True, reduction="batchmean")
            ce = F.nll_loss(student, x[:, 1:].reshape(-1))
            loss = ce_weight * ce + (1 - ce_weight) * kl
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(draft.parameters(), 1.0)
            opt.step()
            step += 1
            seen += x.numel()
            if step % 200 == 0:
                tp.log(f"distil: step {step} epoch {epoch} kl {kl.item():.4f} ce {ce.item():.4f} lr {lr:.2e} {seen / (time.time() - start):.0f} tok/s")
        epoch += 1


def agreement(draft_gens, target_gens):
    """Share of questions whose greedy draft answer is token for token the target's."""
    return sum(1 for d, t in zip(draft_gens, target_gens) if d == t) / len(target_gens)


def evaluate(name, model, tok, heldout, eos, pad, prompts, target_gens, device):
    loss = tp.heldout_loss(model.to(device).float(), tok, heldout, device)
    quality, _, gens, _ = tp.answer_quality(model, tok, heldout, eos, pad, device)
    spec = {f"k{k}": tp.acceptance(model, prompts, target_gens, k, device) for k in (4, 8)}
    figures = {"heldout": loss, "answers": quality, "agreement_with_target": agreement(gens, target_gens), "speculative": spec}
    tp.log(f"{name}: {json.dumps(figures)}")
    return figures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=".corpus")
    ap.add_argument("--target", default="models/target")
    ap.add_argument("--init", default="", help="start from this draft (same shape) instead of a random one")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--peak-lr", type=float, default=2e-3)
    ap.add_argument("--ce-weight", type=float, default=0.2)
    ap.add_argument("--eval-max", type=int, default=2500)
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "draft"), exist_ok=True)
    tp.LOG = open(os.path.join(args.out, "distill.log"), "w", encoding="utf-8")
    torch.manual_seed(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = True
    tp.log(f"torch {torch.__version__} device {torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu'}; {json.dumps(vars(args))}")

    tok = Tokenizer.from_file(os.path.join(args.target, "tokenizer.json"))
    ids = {s: tok.token_to_id(s) for s in tp.SPECIALS}
    eos, pad = ids["<|im_end|>"], ids["<|endoftext|>"]
    train_recs = tp.read_jsonl_gz(os.path.join(args.corpus, "train.jsonl.gz"))
    heldout = tp.read_jsonl_gz(os.path.join(args.corpus, "heldout.jsonl.gz"))
    if args.eval_max and len(heldout) > args.eval_max:
        heldout = heldout[:: math.ceil(len(heldout) / args.eval_max)]
    t0 = time.time()
    token_lists = [e.ids for e in tok.encode_batch([tp.render(r) for r in train_recs])]
    rows = tp.pack(token_lists, args.seq_len, seed=3)
    tp.log(f"{len(train_recs)} train records, {sum(len(t) for t in token_lists)} tokens, {len(rows)} rows; {len(heldout)} held-out; {time.time() - t0:.0f} s")

    target = LlamaForCausalLM.from_pretrained(args.target, dtype=torch.bfloat16).to(device)
    _, prompts, target_gens, _ = tp.answer_quality(target, tok, heldout, eos, pad, device)
    metrics = {"args": vars(args), "recipe": "DistillSpec forward KL + CE, arXiv:2310.08461"}
    if args.init:
        before = LlamaForCausalLM.from_pretrained(args.init, dtype=torch.float32)
        metrics["before"] = evaluate("before", before, tok, heldout, eos, pad, prompts, target_gens, device)
        draft = LlamaForCausalLM.from_pretrained(args.init, dtype=torch.float32)
    else:
        draft = tp.make_model("draft", tok.get_vocab_size(), ids, args.seq_len)
    metrics["train"] = distill(draft, target, rows, args.batch, args.minutes * 60, args.peak_lr, args.ce_weight, device)
    metrics["after"] = evaluate("after", draft, tok, heldout, eos, pad, prompts, target_gens, device)

    out = os.path.join(args.out, "draft")
    tok_fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                       bos_token=None, unk_token=None, model_max_length=args.seq_len * 2)
    tok_fast.chat_template = tp.CHATML
    tp.export(draft, tok_fast, out, [eos, pad])
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        shutil.copy(os.path.join(args.target, name), os.path.join(out, name))  # byte-identical tokenizer files
    with open(os.path.join(args.out, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=1)
    tp.log("done")


if __name__ == "__main__":
    main()
