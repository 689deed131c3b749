#!/usr/bin/env python3
"""Trains the demo pair: one byte-level BPE tokenizer and two Llama models (draft and target) from scratch.

Run on the GPU machine (torch, transformers, tokenizers; no network, no weights needed):
    python3 tools/corpus/build_corpus.py && python3 tools/train/train_pair.py --corpus .corpus --out OUT --minutes 3.4 --eval-max 2500
Reads the corpus of tools/corpus/build_corpus.py. Writes OUT/draft and OUT/target (Hugging Face format:
config.json, model.safetensors in float16, tokenizer.json, tokenizer_config.json with a ChatML template,
generation_config.json), OUT/metrics.json and OUT/train.log.

Training stops by the clock: the time budget (--minutes) is shared between the two models in proportion to
their parameter counts' square roots, and the learning rate follows a cosine over each model's share of time,
so a slower or faster machine trains fewer or more steps but always finishes, exports and evaluates.

Evaluation on the held-out phrasings: per-token loss and perplexity (whole chat text and answer tokens only),
greedy answers scored by exact match and token F1 (SQuAD's normalization: lowercase, no punctuation, no
articles, whitespace tokens; Rajpurkar et al. 2016, https://rajpurkar.github.io/SQuAD-explorer/), and the
greedy acceptance rate of speculative decoding with k draft tokens. Under greedy decoding the verified output
equals the target's own greedy output, and the draft's i-th proposal in a round is its argmax after the target
prefix (the earlier proposals matched it), so acceptance is read off one teacher-forced draft pass over the
target's greedy continuation: a round from position i accepts the run of positions where the draft's argmax
equals the target's token, at most k (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative
Decoding", the greedy case).
"""

import argparse
import gzip
import json
import math
import os
import random
import re
import string
import time

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SHAPES = {
    "draft": dict(hidden_size=192, intermediate_size=512, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4),
    "target": dict(hidden_size=384, intermediate_size=1024, num_hidden_layers=8, num_attention_heads=6, num_key_value_heads=6),
}
PEAK_LR = {"draft": 3e-3, "target": 1.5e-3}

LOG = None


def log(msg):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    LOG.write(line + "\n")
    LOG.flush()


def read_jsonl_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def render(rec, with_answer=True):
    if "text" in rec:
        return rec["text"] + "<|endoftext|>"
    user, assistant = rec["messages"]
    prompt = f"<|im_start|>user\n{user['content']}<|im_end|>\n<|im_start|>assistant\n"
    return prompt + (assistant["content"] + "<|im_end|>\n" if with_answer else "")


def train_tokenizer(texts, vocab):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=SPECIALS, min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return tok


def pack(token_lists, seq_len, seed):
    """Records shuffled once and concatenated into rows of seq_len + 1 tokens; train() shuffles the rows each epoch."""
    order = list(range(len(token_lists)))
    random.Random(seed).shuffle(order)
    flat = [t for i in order for t in token_lists[i]]
    rows = len(flat) // (seq_len + 1)
    return torch.tensor(flat[: rows * (seq_len + 1)], dtype=torch.long).view(rows, seq_len + 1)


def make_model(name, vocab, ids, seq_len):
    cfg = LlamaConfig(vocab_size=vocab, max_position_embeddings=seq_len * 2, rms_norm_eps=1e-5, rope_theta=10000.0,
                      tie_word_embeddings=True, bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
                      pad_token_id=ids["<|endoftext|>"], attention_bias=False, mlp_bias=False, **SHAPES[name])
    torch.manual_seed(1234 if name == "draft" else 5678)
    return LlamaForCausalLM(cfg)


def lr_at(peak, frac, warmup=0.03):
    """Linear warm-up over the first `warmup` of the time, then cosine from `peak` down to a tenth of it."""
    if frac < warmup:
        return peak * frac / warmup
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (frac - warmup) / (1 - warmup))))


def train(name, model, token_lists, seq_len, batch, seconds, device):
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=PEAK_LR[name], betas=(0.9, 0.95), weight_decay=0.1, fused=device == "cuda")
    start, step, epoch, seen = time.time(), 0, 0, 0
    rows = pack(token_lists, seq_len, seed=1 if name == "draft" else 2)
    gen = torch.Generator().manual_seed(7)
    while True:
        data = rows[torch.randperm(len(rows), generator=gen)]
        for b in range(0, len(data) - batch + 1, batch):
            frac = (time.time() - start) / seconds
            if frac >= 1.0:
                log(f"{name}: stopped by the clock after {step} steps, {epoch} full epochs, {seen} tokens, {time.time() - start:.0f} s")
                return {"steps": step, "epochs_completed": epoch, "tokens_seen": seen, "seconds": round(time.time() - start, 1)}
            lr = lr_at(PEAK_LR[name], frac)
            for g in opt.param_groups:
                g["lr"] = lr
            x = data[b: b + batch].to(device, non_blocking=True)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                logits = model(input_ids=x[:, :-1]).logits
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), x[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            seen += x.numel()
            if step % 200 == 0:
                log(f"{name}: step {step} epoch {epoch} loss {loss.item():.4f} lr {lr:.2e} {seen / (time.time() - start):.0f} tok/s")
        epoch += 1


@torch.no_grad()
def heldout_loss(model, tok, heldout, device):
    """Mean loss per token over the held-out chat texts, and over their answer tokens alone."""
    model.eval()
    tot, n, atot, an = 0.0, 0, 0.0, 0
    for b in range(0, len(heldout), 256):
        chunk = heldout[b: b + 256]
        full = [tok.encode(render(r)).ids for r in chunk]
        plen = [len(tok.encode(render(r, with_answer=False)).ids) for r in chunk]
        width = max(len(f) for f in full)
        x = torch.zeros(len(full), width, dtype=torch.long)
        mask = torch.zeros(len(full), width, dtype=torch.bool)
        amask = torch.zeros(len(full), width, dtype=torch.bool)
        for i, f in enumerate(full):
            x[i, : len(f)] = torch.tensor(f)
            mask[i, 1: len(f)] = True
            amask[i, plen[i]: len(f)] = True
        x, mask, amask = x.to(device), mask.to(device), amask.to(device)
        logits = model(input_ids=x, attention_mask=(torch.arange(width, device=device)[None, :] < torch.tensor([len(f) for f in full], device=device)[:, None]).long()).logits.float()
        nll = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1), reduction="none").view(len(full), -1)
        tot += nll[mask[:, 1:]].sum().item()
        n += mask[:, 1:].sum().item()
        atot += nll[amask[:, 1:]].sum().item()
        an += amask[:, 1:].sum().item()
    return {"loss": tot / n, "perplexity": math.exp(tot / n), "answer_loss": atot / an, "answer_perplexity": math.exp(atot / an), "tokens": n, "answer_tokens": an}


@torch.no_grad()
def greedy(model, prompts, eos, pad, device, max_new=64):
    """Greedy continuations (token lists, up to and including EOS) of left-padded prompt batches."""
    model.eval()
    outs = []
    for b in range(0, len(prompts), 256):
        chunk = prompts[b: b + 256]
        width = max(len(p) for p in chunk)
        x = torch.full((len(chunk), width), pad, dtype=torch.long)
        att = torch.zeros(len(chunk), width, dtype=torch.long)
        for i, p in enumerate(chunk):
            x[i, width - len(p):] = torch.tensor(p)
            att[i, width - len(p):] = 1
        gen = model.generate(input_ids=x.to(device), attention_mask=att.to(device), max_new_tokens=max_new, do_sample=False,
                             eos_token_id=eos, pad_token_id=pad)
        for row in gen[:, width:].tolist():
            out = []
            for t in row:
                out.append(t)
                if t == eos:
                    break
            outs.append(out)
    return outs


def normalize(s):
    s = s.lower()
    s = "".join(c for c in s if c not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return s.split()


def f1(pred, ref):
    p, r = normalize(pred), normalize(ref)
    overlap = 0
    budget = {}
    for t in r:
        budget[t] = budget.get(t, 0) + 1
    for t in p:
        if budget.get(t, 0) > 0:
            overlap += 1
            budget[t] -= 1
    if overlap == 0:
        return 0.0
    prec, rec = overlap / len(p), overlap / len(r)
    return 2 * prec * rec / (prec + rec)


def answer_quality(model, tok, heldout, eos, pad, device):
    prompts = [tok.encode(render(r, with_answer=False)).ids for r in heldout]
    gens = greedy(model, prompts, eos, pad, device)
    texts = [tok.decode([t for t in g if t != eos]).strip() for g in gens]
    em = sum(1 for t, r in zip(texts, heldout) if " ".join(t.split()) == " ".join(r["answer"].split())) / len(heldout)
    tf1 = sum(f1(t, r["answer"]) for t, r in zip(texts, heldout)) / len(heldout)
    by_kind = {}
    for t, r in zip(texts, heldout):
        k = by_kind.setdefault(r["kind"], [0, 0.0, 0])
        k[0] += int(" ".join(t.split()) == " ".join(r["answer"].split()))
        k[1] += f1(t, r["answer"])
        k[2] += 1
    kinds = {k: {"exact_match": v[0] / v[2], "token_f1": v[1] / v[2], "n": v[2]} for k, v in sorted(by_kind.items())}
    return {"exact_match": em, "token_f1": tf1, "by_kind": kinds}, prompts, gens, texts


@torch.no_grad()
def acceptance(draft, prompts, target_gens, k, device):
    """Greedy speculative decoding's acceptance, read from one teacher-forced draft pass per sequence."""
    draft.eval()
    accepted = proposed = rounds = produced = 0
    for b in range(0, len(prompts), 256):
        seqs = [p + g for p, g in zip(prompts[b: b + 256], target_gens[b: b + 256])]
        width = max(len(s) for s in seqs)
        x = torch.zeros(len(seqs), width, dtype=torch.long)
        for i, s in enumerate(seqs):
            x[i, : len(s)] = torch.tensor(s)
        pred = draft(input_ids=x.to(device)).logits.argmax(-1).cpu()
        for i, (p, g) in enumerate(zip(prompts[b: b + 256], target_gens[b: b + 256])):
            # match[j]: the draft's argmax after prompt + g[:j] is g[j]
            match = [int(pred[i, len(p) - 1 + j]) == g[j] for j in range(len(g))]
            j = 0
            while j < len(g):
                run = 0
                while run < k and j + run < len(g) and match[j + run]:
                    run += 1
                accepted += run
                proposed += k
                rounds += 1
                produced += min(run + 1, len(g) - j)
                j += run + 1
    return {"k": k, "acceptance_rate": accepted / proposed, "tokens_per_target_pass": produced / rounds, "rounds": rounds}


def export(model, tok_fast, out, eos_ids):
    model = model.to("cpu").to(torch.float16)
    model.generation_config = GenerationConfig(bos_token_id=eos_ids[1], eos_token_id=eos_ids, pad_token_id=eos_ids[1], do_sample=False)
    model.save_pretrained(out, safe_serialization=True, max_shard_size="64MB")
    tok_fast.save_pretrained(out)
    embed_chat_template(out)


def embed_chat_template(out):
    """transformers 5 writes the template to chat_template.jinja; the engine (and older transformers) read it from
    tokenizer_config.json, so it goes there too."""
    path = os.path.join(out, "tokenizer_config.json")
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["chat_template"] = CHATML
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=".corpus")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=8.0, help="training time for both models together")
    ap.add_argument("--vocab", type=int, default=6144)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--eval-max", type=int, default=0, help="evaluate on at most N held-out records, every k-th (0: all)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    LOG = open(os.path.join(args.out, "train.log"), "w", encoding="utf-8")
    random.seed(1)
    torch.manual_seed(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = True
    log(f"torch {torch.__version__} device {torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu'}")

    train_recs = read_jsonl_gz(os.path.join(args.corpus, "train.jsonl.gz"))
    heldout = read_jsonl_gz(os.path.join(args.corpus, "heldout.jsonl.gz"))
    if args.eval_max and len(heldout) > args.eval_max:
        heldout = heldout[:: math.ceil(len(heldout) / args.eval_max)]
    texts = [render(r) for r in train_recs]
    t0 = time.time()
    tok = train_tokenizer(texts, args.vocab)
    ids = {s: tok.token_to_id(s) for s in SPECIALS}
    vocab = tok.get_vocab_size()
    token_lists = [e.ids for e in tok.encode_batch(texts)]
    ntok = sum(len(t) for t in token_lists)
    log(f"tokenizer: vocab {vocab}, specials {ids}; {len(texts)} train records, {ntok} tokens ({ntok / sum(len(t) for t in texts):.3f} tokens/char); {len(heldout)} held-out; {time.time() - t0:.0f} s")
    tok_fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                       bos_token=None, unk_token=None, model_max_length=args.seq_len * 2)
    tok_fast.chat_template = CHATML
    check = tok_fast.apply_chat_template([{"role": "user", "content": "What does System.String.Trim do?"}], tokenize=False, add_generation_prompt=True)
    assert check == render({"messages": [{"role": "user", "content": "What does System.String.Trim do?"}, {"role": "assistant", "content": ""}]}, with_answer=False), check

    drafts = {n: make_model(n, vocab, ids, args.seq_len) for n in ("draft", "target")}
    params = {n: sum(p.numel() for p in m.parameters()) for n, m in drafts.items()}
    log(f"parameters: {params}")
    weight = {n: math.sqrt(p) for n, p in params.items()}
    budget = {n: args.minutes * 60 * w / sum(weight.values()) for n, w in weight.items()}
    metrics = {"vocab": vocab, "train_tokens": ntok, "train_records": len(texts), "heldout_records": len(heldout),
               "seq_len": args.seq_len, "batch": args.batch, "shapes": SHAPES, "peak_lr": PEAK_LR, "models": {}}
    eos, pad = ids["<|im_end|>"], ids["<|endoftext|>"]
    gens = {}
    for name, model in drafts.items():
        run = train(name, model, token_lists, args.seq_len, args.batch, budget[name], device)
        t1 = time.time()
        loss = heldout_loss(model, tok, heldout, device)
        quality, prompts, gens[name], answers = answer_quality(model, tok, heldout, eos, pad, device)
        log(f"{name}: held-out {json.dumps(loss)}; answers {json.dumps(quality)}; eval {time.time() - t1:.0f} s")
        for r, a in list(zip(heldout, answers))[:12]:
            log(f"  Q: {r['messages'][0]['content']}\n     ref: {r['answer']}\n     {name}: {a}")
        metrics["models"][name] = {"parameters": params[name], "train": run, "heldout": loss, "answers": quality}
        export(model, tok_fast, os.path.join(args.out, name), [eos, pad])
        if device == "cuda":
            model.to(device)
    metrics["speculative"] = acceptance(drafts["draft"].to(device).float(), prompts, gens["target"], 4, device)
    metrics["chance_loss"] = math.log(vocab)
    log(f"speculative: {json.dumps(metrics['speculative'])}")
    with open(os.path.join(args.out, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=1)
    log("done")


if __name__ == "__main__":
    main()
