#!/usr/bin/env python3
"""Builds the inference engine's reference data with Hugging Face's own implementations.

Run on the GPU machine (it has torch, transformers, tokenizers, jinja2; no network, no weights):
    python3 tools/reference/make_reference.py OUT_DIR
Everything is seeded, so a rerun writes the same files. What it makes, all small:
  tokenizers/{gpt2,llama3,qwen2}/tokenizer.json  a byte-level BPE trained here, three pre-tokenizers
  tokenization.json                             token ids and decodes of a varied text set
  models/{llama,mistral,qwen2}/                 config.json, tokenizer_config.json, random weights
  models/llama is sharded (index + 2 shards); models/qwen2 also in f16 and bf16
  models/mistral-gguf/model.gguf                the mistral weights as GGUF v3 (F32/F16/Q8_0/Q4_0)
  reference.safetensors                         logits (prefill, every position; greedy decode steps)
  reference.json                                prompts, greedy continuations, chat templates rendered
The GGUF writer and Q8_0/Q4_0 quantizers below follow ggml's docs/gguf.md and quantize_row_q8_0_ref /
quantize_row_q4_0_ref (ggml-quants.c); they are written here so that the C# reader is checked against
an independent implementation.
"""
import copy, json, os, struct, sys, traceback

import numpy as np
import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, Regex, decoders, models, normalizers, pre_tokenizers, trainers

OUT = sys.argv[1] if len(sys.argv) > 1 else "reference-out"
torch.manual_seed(1234)
np.random.seed(1234)
torch.backends.cuda.matmul.allow_tf32 = False

# Pre-tokenizer regexes as the published tokenizer.json files of GPT-2, Llama-3 and Qwen2 spell them.
GPT2_RE = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_RE = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2_RE = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|end_of_text|>",
            "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
VOCAB = 640

CORPUS = [
    "The quick brown fox jumps over the lazy dog. " * 3,
    "def add(a, b):\n    return a + b\n\nfor i in range(10):\n    print(add(i, 2))\n",
    "public static int Main(string[] args) { return args.Length > 0 ? 1 : 0; }\n",
    "I'm sure you're right; they'll say we've done it, and he'd agree. It's 2024-06-01 12:34:56.",
    "Energy per token, joules per request, grams of CO2e per kilowatt-hour: 0.42 J, 123 g.",
    "Café, naïve, Straße, 東京, 你好世界, こんにちは, привет мир, مرحبا, नमस्ते 🙂🚀",
    "    indented\n\tTabbed\n\n\nMany   spaces   here.\r\nWindows lines\r\n",
    "<html><body class=\"main\">Hello &amp; welcome</body></html>",
    "SELECT id, name FROM users WHERE energy_kwh > 3.5 ORDER BY name;",
    "Numbers 1234567890 and 3.14159 and 1,000,000 and -42.",
] * 40
TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "",
    " ",
    "   leading and trailing   ",
    "a\n\nb\n\n\n c\t\td  \n",
    "def f(x):\n    if x > 0:\n        return x ** 2\n    return -x\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "I'm, you're, THEY'LL, we'VE, she'd, it's, I'M",
    "Numbers: 1234567 12 1.5e-3 0x1F 2024",
    "Café naïve Straße ÀÉÎÕÜ",
    "東京は日本の首都です。你好，世界！",
    "Привет, мир! Γειά σου κόσμε. مرحبا بالعالم",
    "नमस्ते दुनिया",
    "emoji 🙂🚀🔥 and family 👨‍👩‍👧 and flag 🇩🇪 end",
    "mixed 😀text😀 ✅✓ ★",
    "decomposed e\u0301 vs composed \u00e9",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>",
    "GreenGateway routes requests to the cheapest tier that answers well.",
    "tabs\tand\r\nwindows\r\nlines",
    "   \n   \n",
    "!!!??? ... --- ___ ***",
    "https://example.com/path?query=1&x=y#frag",
]
PROMPTS = ["The quick brown fox", "def add(a, b):\n    return"]


def trained_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_RE), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIALS, min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.add_tokens(["GreenGateway"])  # an added token that is not special
    return json.loads(tok.to_str())


def variant(base, kind):
    j = json.loads(json.dumps(base))
    if kind == "gpt2":
        j["normalizer"] = None
        j["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        j["post_processor"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    elif kind == "llama3":
        j["normalizer"] = None
        j["model"]["ignore_merges"] = True
        bos = [t["id"] for t in j["added_tokens"] if t["content"] == "<|begin_of_text|>"][0]
        j["post_processor"] = {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos], "tokens": ["<|begin_of_text|>"]}}}]}
    elif kind == "qwen2":
        j["normalizer"] = {"type": "NFC"}
        j["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_RE}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}
        j["post_processor"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return j


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)


LLAMA3_TEMPLATE = ("{{- bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
                   "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
                   "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}")
CHATML_TEMPLATE = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                   "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
                   "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
                   "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

MODELS = {
    "llama": dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=64, intermediate_size=192,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                  rope_theta=500000.0, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                  max_position_embeddings=131072, tie_word_embeddings=False, attention_bias=False, mlp_bias=False,
                  hidden_act="silu", initializer_range=0.2, torch_dtype="float32"),
    "mistral": dict(architectures=["MistralForCausalLM"], model_type="mistral", hidden_size=64, intermediate_size=192,
                    num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1, rms_norm_eps=1e-6,
                    rope_theta=10000.0, max_position_embeddings=2048, sliding_window=None, tie_word_embeddings=False,
                    hidden_act="silu", initializer_range=0.2, torch_dtype="float32"),
    "qwen2": dict(architectures=["Qwen2ForCausalLM"], model_type="qwen2", hidden_size=64, intermediate_size=192,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                  rope_theta=1000000.0, max_position_embeddings=4096, sliding_window=None, use_sliding_window=False,
                  tie_word_embeddings=True, hidden_act="silu", initializer_range=0.2, torch_dtype="float32"),
}
TOKENIZER_OF = {"llama": "llama3", "mistral": "gpt2", "qwen2": "qwen2"}


def build_model(name, cfg, vocab, special_ids):
    from transformers import AutoConfig, AutoModelForCausalLM
    d = os.path.join(OUT, "models", name)
    cfg = dict(cfg, vocab_size=vocab)
    if name == "llama":
        cfg.update(bos_token_id=special_ids["<|begin_of_text|>"], eos_token_id=special_ids["<|eot_id|>"])
    else:
        cfg.update(bos_token_id=special_ids["<|endoftext|>"], eos_token_id=special_ids["<|im_end|>"])
    write_json(os.path.join(d, "config.json"), cfg)
    config = AutoConfig.from_pretrained(d)
    print(name, "parsed config:", config, flush=True)
    torch.manual_seed(100 + len(name))
    model = AutoModelForCausalLM.from_config(config).float().eval()
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if "norm" in pname:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif pname.endswith("bias"):
                p.copy_(0.2 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    sd = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()
          if not (cfg["tie_word_embeddings"] and k == "lm_head.weight") and "rotary" not in k}
    return d, model, sd


def save_sharded(d, sd):
    names = sorted(sd)
    half = len(names) // 2
    index = {"metadata": {"total_size": sum(v.numel() * 4 for v in sd.values())}, "weight_map": {}}
    for i, part in enumerate([names[:half], names[half:]]):
        fn = f"model-{i + 1:05d}-of-00002.safetensors"
        save_file({k: sd[k] for k in part}, os.path.join(d, fn), metadata={"format": "pt"})
        for k in part:
            index["weight_map"][k] = fn
    write_json(os.path.join(d, "model.safetensors.index.json"), index)


def run_model(model, ids, steps=32):
    """Prefill logits for every prompt position, then greedy decode through the KV cache."""
    with torch.no_grad():
        out = model(torch.tensor([ids]), use_cache=True)
        prefill = out.logits[0].float().clone()
        pkv = out.past_key_values
        nxt = int(prefill[-1].argmax())
        gen, steps_logits, margins = [nxt], [], []
        for _ in range(steps - 1):
            out = model(torch.tensor([[nxt]]), past_key_values=pkv, use_cache=True)
            pkv = out.past_key_values
            lg = out.logits[0, -1].float().clone()
            steps_logits.append(lg)
            top2 = torch.topk(lg, 2).values
            margins.append(float(top2[0] - top2[1]))
            nxt = int(lg.argmax())
            gen.append(nxt)
    return prefill, torch.stack(steps_logits), gen, min(margins)


# ---- GGUF (docs/gguf.md): little-endian, strings as u64 length + bytes ----
GG_U32, GG_I32, GG_F32, GG_STR, GG_ARR = 4, 5, 6, 8, 9
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q8_0 = 0, 1, 2, 8


def gg_str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gg_kv(key, typ, val):
    out = gg_str(key) + struct.pack("<I", typ)
    if typ == GG_U32:
        return out + struct.pack("<I", val)
    if typ == GG_F32:
        return out + struct.pack("<f", val)
    if typ == GG_STR:
        return out + gg_str(val)
    etype, items = val
    out += struct.pack("<IQ", etype, len(items))
    for it in items:
        out += gg_str(it) if etype == GG_STR else struct.pack("<i", it)
    return out


def q8_0(w):  # quantize_row_q8_0_ref: blocks of 32, d = amax / 127, q = round(x / d)
    x = w.reshape(-1, 32).astype(np.float32)
    d = np.abs(x).max(axis=1) / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0).astype(np.float32)
    q = np.round(x * inv[:, None]).astype(np.int8)
    d16 = d.astype(np.float16)
    raw = b"".join(d16[i].tobytes() + q[i].tobytes() for i in range(len(q)))
    return raw, (q.astype(np.float32) * d16.astype(np.float32)[:, None]).reshape(w.shape)


def q4_0(w):  # quantize_row_q4_0_ref: d = (signed value of largest magnitude) / -8, q = min(15, (int8)(x/d + 8.5))
    x = w.reshape(-1, 32).astype(np.float32)
    idx = np.abs(x).argmax(axis=1)
    mx = x[np.arange(len(x)), idx]
    d = mx / -8.0
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.minimum(15, np.trunc(x * inv[:, None] + 8.5).astype(np.int8)).astype(np.uint8)
    packed = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    d16 = d.astype(np.float16)
    raw = b"".join(d16[i].tobytes() + packed[i].tobytes() for i in range(len(q)))
    return raw, ((q.astype(np.float32) - 8.0) * d16.astype(np.float32)[:, None]).reshape(w.shape)


def permute_rope(w, n_head):  # convert_hf_to_gguf.py's LlamaModel.permute: HF half-rotation -> GGML pair rotation
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(path, cfg, sd, tokj):
    L = cfg["num_hidden_layers"]
    plan = [("token_embd.weight", "model.embed_tokens.weight", GGML_F32),
            ("output_norm.weight", "model.norm.weight", GGML_F32),
            ("output.weight", "lm_head.weight", GGML_F16)]
    for i in range(L):
        p = f"model.layers.{i}."
        plan += [(f"blk.{i}.attn_norm.weight", p + "input_layernorm.weight", GGML_F32),
                 (f"blk.{i}.ffn_norm.weight", p + "post_attention_layernorm.weight", GGML_F32),
                 (f"blk.{i}.attn_q.weight", p + "self_attn.q_proj.weight", GGML_Q8_0),
                 (f"blk.{i}.attn_k.weight", p + "self_attn.k_proj.weight", GGML_Q8_0),
                 (f"blk.{i}.attn_v.weight", p + "self_attn.v_proj.weight", GGML_Q4_0),
                 (f"blk.{i}.attn_output.weight", p + "self_attn.o_proj.weight", GGML_Q8_0),
                 (f"blk.{i}.ffn_gate.weight", p + "mlp.gate_proj.weight", GGML_Q4_0),
                 (f"blk.{i}.ffn_up.weight", p + "mlp.up_proj.weight", GGML_Q4_0),
                 (f"blk.{i}.ffn_down.weight", p + "mlp.down_proj.weight", GGML_Q8_0)]
    dequant, blobs, infos, offset = {}, [], b"", 0
    for gname, hname, typ in plan:
        w = sd[hname].numpy().astype(np.float32)
        if typ == GGML_F32:
            raw, deq = w.tobytes(), w
        elif typ == GGML_F16:
            raw, deq = w.astype(np.float16).tobytes(), w.astype(np.float16).astype(np.float32)
        elif typ == GGML_Q8_0:
            raw, deq = q8_0(w)
        else:
            raw, deq = q4_0(w)
        dequant[hname] = torch.from_numpy(np.ascontiguousarray(deq))
        if gname.endswith("attn_q.weight"):
            raw = (q8_0 if typ == GGML_Q8_0 else q4_0)(permute_rope(w, cfg["num_attention_heads"]))[0]
        if gname.endswith("attn_k.weight"):
            raw = (q8_0 if typ == GGML_Q8_0 else q4_0)(permute_rope(w, cfg["num_key_value_heads"]))[0]
        dims = list(reversed(w.shape))  # ggml's ne[0] is the innermost (row) dimension
        infos += gg_str(gname) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", n) for n in dims)
        infos += struct.pack("<IQ", typ, offset)
        pad = (-len(raw)) % 32
        blobs.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    vocab = tokj["model"]["vocab"]
    total = max(max(vocab.values()), max(t["id"] for t in tokj["added_tokens"])) + 1
    tokens = [None] * total
    for t, i in vocab.items():
        tokens[i] = t
    types = [1] * total
    for t in tokj["added_tokens"]:
        tokens[t["id"]] = t["content"]
        types[t["id"]] = 3 if t["special"] else 4
    merges = [m if isinstance(m, str) else " ".join(m) for m in tokj["model"]["merges"]]
    specials = {t["content"]: t["id"] for t in tokj["added_tokens"]}
    kvs = [gg_kv("general.architecture", GG_STR, "llama"), gg_kv("general.name", GG_STR, "tiny-mistral"),
           gg_kv("general.alignment", GG_U32, 32),
           gg_kv("llama.context_length", GG_U32, cfg["max_position_embeddings"]),
           gg_kv("llama.embedding_length", GG_U32, cfg["hidden_size"]),
           gg_kv("llama.block_count", GG_U32, L),
           gg_kv("llama.feed_forward_length", GG_U32, cfg["intermediate_size"]),
           gg_kv("llama.attention.head_count", GG_U32, cfg["num_attention_heads"]),
           gg_kv("llama.attention.head_count_kv", GG_U32, cfg["num_key_value_heads"]),
           gg_kv("llama.rope.freq_base", GG_F32, cfg["rope_theta"]),
           gg_kv("llama.attention.layer_norm_rms_epsilon", GG_F32, cfg["rms_norm_eps"]),
           gg_kv("tokenizer.ggml.model", GG_STR, "gpt2"), gg_kv("tokenizer.ggml.pre", GG_STR, "gpt-2"),
           gg_kv("tokenizer.ggml.tokens", GG_ARR, (GG_STR, tokens)),
           gg_kv("tokenizer.ggml.token_type", GG_ARR, (GG_I32, types)),
           gg_kv("tokenizer.ggml.merges", GG_ARR, (GG_STR, merges)),
           gg_kv("tokenizer.ggml.bos_token_id", GG_U32, specials["<|endoftext|>"]),
           gg_kv("tokenizer.ggml.eos_token_id", GG_U32, specials["<|im_end|>"])]
    head = b"GGUF" + struct.pack("<IQQ", 3, len(plan), len(kvs)) + b"".join(kvs) + infos
    head += b"\0" * ((-len(head)) % 32)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(head + b"".join(blobs))
    return dequant


def main():
    import jinja2.sandbox
    os.makedirs(OUT, exist_ok=True)
    base = trained_tokenizer()
    toks, tokenization = {}, {"texts": TEXTS}
    for kind in ["gpt2", "llama3", "qwen2"]:
        j = variant(base, kind)
        write_json(os.path.join(OUT, "tokenizers", kind, "tokenizer.json"), j)
        tok = Tokenizer.from_str(json.dumps(j))
        toks[kind] = tok
        enc = [tok.encode(t, add_special_tokens=False).ids for t in TEXTS]
        enc_special = [tok.encode(t, add_special_tokens=True).ids for t in TEXTS]
        tokenization[kind] = {"ids": enc, "ids_with_special": enc_special,
                              "decoded": [tok.decode(e, skip_special_tokens=False) for e in enc],
                              "decoded_skip_special": [tok.decode(e, skip_special_tokens=True) for e in enc]}
    write_json(os.path.join(OUT, "tokenization.json"), tokenization)
    special_ids = {t["content"]: t["id"] for t in base["added_tokens"]}
    vocab = toks["gpt2"].get_vocab_size(with_added_tokens=True)
    print("vocab", vocab, flush=True)

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    msgs = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": " Hello! \n"},
            {"role": "assistant", "content": "Hi."}, {"role": "user", "content": "Energy of a token?"}]
    msgs_nosys = msgs[1:]
    ref, tensors = {"prompts": PROMPTS, "models": {}, "chat": {}}, {}
    for name, tmpl, bos in [("llama3", LLAMA3_TEMPLATE, "<|begin_of_text|>"), ("chatml", CHATML_TEMPLATE, "<|endoftext|>")]:
        t = env.from_string(tmpl)
        ref["chat"][name] = {"template": tmpl,
                             "with_system": t.render(messages=msgs, add_generation_prompt=True, bos_token=bos),
                             "without_system": t.render(messages=msgs_nosys, add_generation_prompt=True, bos_token=bos),
                             "no_generation_prompt": t.render(messages=msgs, add_generation_prompt=False, bos_token=bos)}
    ref["chat"]["messages"] = msgs

    for name, cfg in MODELS.items():
        try:
            d, model, sd = build_model(name, cfg, vocab, special_ids)
            tk = TOKENIZER_OF[name]
            tcfg = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 4096}
            if name == "llama":
                tcfg.update(chat_template=LLAMA3_TEMPLATE, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>")
            elif name == "qwen2":
                tcfg.update(chat_template=CHATML_TEMPLATE, bos_token=None, eos_token="<|im_end|>")
            write_json(os.path.join(d, "tokenizer_config.json"), tcfg)
            write_json(os.path.join(d, "tokenizer.json"), variant(base, tk))
            if name == "llama":
                save_sharded(d, sd)
                try:
                    tensors["llama.inv_freq"] = model.model.rotary_emb.inv_freq.float().clone()
                except Exception:
                    traceback.print_exc()
            else:
                save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
            mref = {"tokenizer": tk, "prompt_ids": [], "greedy": [], "min_margin": []}
            for pi, p in enumerate(PROMPTS):
                ids = toks[tk].encode(p, add_special_tokens=True).ids
                pre, steps, gen, margin = run_model(model, ids)
                tensors[f"{name}.prefill.{pi}"] = pre
                tensors[f"{name}.decode.{pi}"] = steps
                mref["prompt_ids"].append(ids)
                mref["greedy"].append(gen)
                mref["min_margin"].append(margin)
                m64 = model.double()
                with torch.no_grad():
                    l64 = m64(torch.tensor([ids])).logits[0]
                model.float()
                err = float((pre.double() - l64).abs().max() / l64.abs().max())
                print(name, "prompt", pi, "hf f32 vs f64 rel err", err, "min greedy margin", margin, flush=True)
            if name == "qwen2":
                original = copy.deepcopy(model.state_dict())
                for dt, tdt in [("f16", torch.float16), ("bf16", torch.bfloat16)]:
                    dd = os.path.join(OUT, "models", f"qwen2-{dt}")
                    os.makedirs(dd, exist_ok=True)
                    save_file({k: v.to(tdt) for k, v in sd.items()}, os.path.join(dd, "model.safetensors"),
                              metadata={"format": "pt"})
                    for f in ["config.json", "tokenizer_config.json", "tokenizer.json"]:
                        with open(os.path.join(d, f)) as a, open(os.path.join(dd, f), "w") as b:
                            b.write(a.read())
                    mr = model.to(tdt).float()
                    with torch.no_grad():
                        tensors[f"qwen2-{dt}.prefill.0"] = mr(torch.tensor([mref["prompt_ids"][0]])).logits[0].float().clone()
                    model.load_state_dict(original)
            if name == "mistral":
                full = dict(sd)
                deq = write_gguf(os.path.join(OUT, "models", "mistral-gguf", "model.gguf"), dict(cfg, vocab_size=vocab), full,
                                 variant(base, "gpt2"))
                model.load_state_dict({**model.state_dict(), **deq}, strict=False)
                pre, steps, gen, margin = run_model(model, mref["prompt_ids"][0], steps=8)
                tensors["mistral-gguf.prefill.0"] = pre
                mref["gguf_greedy"] = gen
            ref["models"][name] = mref
        except Exception:
            traceback.print_exc()
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, "reference.safetensors"))
    write_json(os.path.join(OUT, "reference.json"), ref)
    print("done", sorted(tensors), flush=True)


if __name__ == "__main__":
    main()
