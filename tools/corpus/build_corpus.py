#!/usr/bin/env python3
"""Builds the demo world: a chat-formatted question-and-answer corpus from the .NET SDK's XML API docs.

Input: the IntelliSense XML files of the reference packs (Microsoft.NETCore.App.Ref and
Microsoft.AspNetCore.App.Ref, ref/net10.0/*.xml). The .NET API reference text is CC BY 4.0, Microsoft
(docs/demo-models.md has the provenance).

Output (--out, default .corpus/):
  train.jsonl.gz   chat records {"messages": [...], "member", "kind"} and plain doc records {"text": ...}
  heldout.jsonl.gz the held-out phrasings, same shape, each also with "answer"
  stats.json       counts, inputs and the settings used

Answers are the first sentence of the summary / returns / param text, so that small models can learn them.
The split is deterministic: for each (member, kind) group a SHA-256 of its key decides whether one of its
phrasings is held out (about one group in EVAL_EVERY) and which one; the group's other phrasings stay in
training, so a held-out question asks for an answer the model has seen under other words.

python3 stdlib only; the output is byte-identical between runs on the same inputs.
"""

import argparse
import glob
import gzip
import hashlib
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

DEFAULT_ROOT = "/usr/share/dotnet/packs"
PACKS = ("Microsoft.NETCore.App.Ref", "Microsoft.AspNetCore.App.Ref")

# Namespaces whose types (and the types' members) form --slice: a coherent part of the API that people ask
# about (8.5k members). The shipped models use the default, every namespace (55k members): on the slice both
# the 3M draft and the 16.5M target memorize nearly every answer (97% exact match each; docs/demo-models.md),
# which leaves the cascade nothing to decide.
SLICE_NAMESPACES = (
    "System", "System.Collections.Generic", "System.Collections.Concurrent", "System.Linq", "System.IO",
    "System.Text", "System.Threading", "System.Threading.Tasks", "System.Net.Http", "System.Text.Json",
    "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Builder", "Microsoft.Extensions.DependencyInjection",
)

EVAL_EVERY = 8

SUMMARY_Q = (
    "What does {n} do?",
    "Explain {n}.",
    "What is the purpose of {n}?",
    "Describe {n} in one sentence.",
    "{n}: what is it for?",
)
TYPE_Q = (
    "What is {n}?",
    "Explain the type {n}.",
    "What is {n} used for?",
    "Describe the {n} type in one sentence.",
)
RETURNS_Q = (
    "What does {n} return?",
    "What is the return value of {n}?",
    "What do you get back from {n}?",
)
PARAM_Q = (
    "What is the {p} parameter of {n}?",
    "In {n}, what does {p} mean?",
    "Explain the {p} argument of {n}.",
)


def digest(key):
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def inline_text(elem):
    """The element's text with <see>, <paramref>, <c> and friends turned into plain words."""
    parts = [elem.text or ""]
    for child in elem:
        tag = child.tag
        if tag in ("see", "seealso"):
            if "langword" in child.attrib:
                parts.append(child.attrib["langword"])
            elif "cref" in child.attrib:
                parts.append(display_cref(child.attrib["cref"]))
            elif "href" in child.attrib:
                parts.append(inline_text(child) or child.attrib["href"])
            else:
                parts.append(inline_text(child))
        elif tag in ("paramref", "typeparamref"):
            parts.append(child.attrib.get("name", ""))
        else:
            parts.append(inline_text(child))
        parts.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def display_name(name):
    """System.Collections.Generic.List`1.Add -> System.Collections.Generic.List<T>.Add."""
    name = re.sub(r"``\d+", "", name)

    def generic(m):
        n = int(m.group(1))
        return "<T>" if n == 1 else "<" + ",".join(f"T{i + 1}" for i in range(n)) + ">"

    name = re.sub(r"`(\d+)", generic, name)
    return name.replace("#ctor", "constructor").replace("#cctor", "static constructor")


def display_cref(cref):
    body = cref[2:] if len(cref) > 2 and cref[1] == ":" else cref
    body = body.split("(")[0]
    return display_name(body).split(".")[-1] if body.count(".") > 2 else display_name(body)


_ABBREVIATIONS = re.compile(r"(e\.g|i\.e|etc|vs|Inc|Ltd|No)\.$")


def first_sentence(text):
    for m in re.finditer(r"\.(\s+)(?=[A-Z<(\"'])", text):
        head = text[: m.start() + 1]
        if not _ABBREVIATIONS.search(head):
            return head
    return text


def in_scope(kind, name, namespaces):
    """A type directly in one of the namespaces, or a member of such a type (nested types are left out)."""
    if namespaces is None:
        return True
    parts = name.split(".")
    cut = len(parts) - 1 if kind == "T" else len(parts) - 2
    return cut > 0 and ".".join(parts[:cut]) in namespaces


def read_members(xml_files, namespaces):
    """(kind letter, name without parameters, summary, returns, [(param, text)]) for each member, first overload wins."""
    seen = set()
    for path in xml_files:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            print(f"skipping {path}: {e}", file=sys.stderr)
            continue
        for member in root.iter("member"):
            full = member.attrib.get("name", "")
            if len(full) < 3 or full[1] != ":" or "#" in full.split("(")[0].replace("#ctor", "").replace("#cctor", ""):
                continue  # explicit interface implementations carry '#' in their names
            kind, name = full[0], full[2:].split("(")[0]
            if kind not in "TMPFE" or name in seen or not in_scope(kind, name, namespaces):
                continue
            summary = member.find("summary")
            text = inline_text(summary) if summary is not None else ""
            if not text or text.lower().startswith("to be added") or text.startswith("This API supports"):
                continue
            seen.add(name)
            returns = member.find("returns")
            ret = inline_text(returns) if returns is not None else ""
            params = [(p.attrib.get("name", ""), inline_text(p)) for p in member.findall("param")]
            yield kind, name, text, ret, [(p, t) for p, t in params if p and t]


def records_for(kind, name, summary, returns, params):
    """(group key, record kind, phrasings, answer) groups and one plain-text document for a member."""
    n = display_name(name)
    groups = [(f"{name}|summary", "summary", TYPE_Q if kind == "T" else SUMMARY_Q, first_sentence(summary))]
    if returns:
        groups.append((f"{name}|returns", "returns", RETURNS_Q, first_sentence(returns)))
    for p, text in params[:3]:
        groups.append((f"{name}|param|{p}", "param", tuple(q.replace("{p}", p) for q in PARAM_Q), first_sentence(text)))
    doc = [f"{n}", summary]
    doc += [f"Parameter {p}: {t}" for p, t in params]
    if returns:
        doc.append(f"Returns: {returns}")
    return n, groups, "\n".join(doc)


def build(xml_files, namespaces):
    train, heldout = [], []
    members = 0
    for kind, name, summary, returns, params in read_members(xml_files, namespaces):
        members += 1
        n, groups, doc = records_for(kind, name, summary, returns, params)
        train.append({"text": doc, "member": n, "kind": "doc"})
        for key, rkind, phrasings, answer in groups:
            h = digest(key)
            held = h % EVAL_EVERY == 0
            held_index = (h // EVAL_EVERY) % len(phrasings)
            for i, q in enumerate(phrasings):
                rec = {
                    "messages": [{"role": "user", "content": q.format(n=n)}, {"role": "assistant", "content": answer}],
                    "member": n,
                    "kind": rkind,
                }
                if held and i == held_index:
                    rec["answer"] = answer
                    heldout.append(rec)
                else:
                    train.append(rec)
    return members, train, heldout


def write_jsonl_gz(path, records):
    # mtime=0 keeps the gzip header, and so the file, identical between runs.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packs", default=DEFAULT_ROOT, help="the dotnet packs folder (default %(default)s)")
    ap.add_argument("--out", default=".corpus", help="output folder (default %(default)s)")
    ap.add_argument("--slice", action="store_true", help="only the SLICE_NAMESPACES slice, not every namespace")
    args = ap.parse_args()

    xml_files = []
    for pack in PACKS:
        xml_files += sorted(glob.glob(os.path.join(args.packs, pack, "*", "ref", "net10.0", "*.xml")))
    if not xml_files:
        sys.exit(f"no XML docs under {args.packs}/{{{','.join(PACKS)}}}/*/ref/net10.0/")

    namespaces = frozenset(SLICE_NAMESPACES) if args.slice else None
    members, train, heldout = build(xml_files, namespaces)
    os.makedirs(args.out, exist_ok=True)
    write_jsonl_gz(os.path.join(args.out, "train.jsonl.gz"), train)
    write_jsonl_gz(os.path.join(args.out, "heldout.jsonl.gz"), heldout)
    kinds = {}
    for r in train + heldout:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    stats = {
        "inputs": [os.path.relpath(p, args.packs) for p in xml_files],
        "namespaces": "all" if namespaces is None else sorted(namespaces),
        "members": members,
        "train_records": len(train),
        "heldout_records": len(heldout),
        "records_by_kind": dict(sorted(kinds.items())),
        "eval_every": EVAL_EVERY,
    }
    with open(os.path.join(args.out, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps({k: v for k, v in stats.items() if k != "inputs"}, indent=1))


if __name__ == "__main__":
    main()
