#!/usr/bin/env python3
"""A held-out cascade workload in phrasings the project has never used.

The shipped workload (loadtests/workloads/cascade.jsonl) asks about .NET API members in the corpus' own phrasings
(tools/corpus/build_corpus.py: SUMMARY_Q, TYPE_Q, RETURNS_Q, PARAM_Q). This asks about the same members, with the
same ground truths, in templates that appear nowhere in the corpus, the training data or the router's labels; adds
arithmetic the rules tier answers exactly; and repeats and paraphrases some items, as the issue's experiment did.
Fixed seed: the same input gives the same file.

    python3 tools/corpus/heldout_workload.py > loadtests/workloads/heldout.jsonl
"""
import json
import random
import re
import sys

NEW = {
    "summary": ("Tell me what {n} does.", "Give a one-line summary of {n}.", "I came across {n} in some code. What does it do?",
                "Briefly, what is {n} for?", "Summarize {n}."),
    "type": ("What kind of thing is {n}?", "Summarize the {n} type.", "Give a one-line description of the {n} type."),
    "returns": ("What is returned by {n}?", "Tell me what {n} gives back.", "What comes out of {n}?"),
    "param": ("What should I pass as {p} to {n}?", "Tell me about the {p} argument of {n}.", "What is {p} for in {n}?"),
}

# The corpus' templates, to recognise each item's question kind (and parameter) in the shipped workload.
OLD = [
    ("returns", r"^What does (?P<n>\S+) return\?$"), ("returns", r"^What is the return value of (?P<n>\S+)\?$"),
    ("returns", r"^What do you get back from (?P<n>\S+)\?$"),
    ("param", r"^What is the (?P<p>\S+) parameter of (?P<n>\S+)\?$"), ("param", r"^In (?P<n>\S+), what does (?P<p>\S+) mean\?$"),
    ("param", r"^Explain the (?P<p>\S+) argument of (?P<n>\S+)\.$"),
    ("type", r"^Explain the type (?P<n>\S+)\.$"), ("type", r"^What is (?P<n>\S+) used for\?$"),
    ("type", r"^Describe the (?P<n>\S+) type in one sentence\.$"),
    ("summary", r"^What does (?P<n>\S+) do\?$"), ("summary", r"^Explain (?P<n>\S+)\.$"), ("summary", r"^What is the purpose of (?P<n>\S+)\?$"),
    ("summary", r"^Describe (?P<n>\S+) in one sentence\.$"), ("summary", r"^(?P<n>\S+): what is it for\?$"),
    ("type", r"^What is (?P<n>\S+)\?$"),
]


def kind_of(question):
    for kind, pattern in OLD:
        m = re.match(pattern, question)
        if m:
            return kind, m.group("n"), m.groupdict().get("p")
    return None


def main(path="loadtests/workloads/cascade.jsonl", count=150, seed=14):
    rng = random.Random(seed)
    seen, api = set(), []
    for line in open(path, encoding="utf-8"):
        item = json.loads(line)
        if item["kind"] not in ("api-heldout", "api-train"):
            continue
        parsed = kind_of(item["messages"][0]["content"])
        if not parsed or (item["member"], parsed[0], parsed[2]) in seen:
            continue
        seen.add((item["member"], parsed[0], parsed[2]))
        api.append((parsed, item["ground_truth"], item["member"]))
    rng.shuffle(api)

    def ask(parsed, template):
        kind, name, param = parsed
        return template.replace("{n}", name).replace("{p}", param or "")

    items = []
    for parsed, truth, member in api[:100]:
        items.append({"messages": [{"role": "user", "content": ask(parsed, rng.choice(NEW[parsed[0]]))}], "kind": "api-unseen",
                      "ground_truth": truth, "check": "exact", "member": member, "_parsed": parsed})
    for _ in range(14):
        a, b = rng.randint(11, 99), rng.randint(2, 19)
        op = rng.choice(["+", "-", "*"])
        value = {"+": a + b, "-": a - b, "*": a * b}[op]
        items.append({"messages": [{"role": "user", "content": f"What is {a} {op} {b}?"}], "kind": "rule-arithmetic",
                      "ground_truth": str(value), "check": "contains"})
    rng.shuffle(items)

    # Repeats and paraphrases of earlier API items, never in the first tenth.
    out = list(items)
    for i in range(36):
        at = rng.randint(len(out) // 10 + 1, len(out))
        earlier = [x for x in out[:at] if x["kind"] == "api-unseen"]
        original = rng.choice(earlier)
        if i % 9 < 4:
            copy = dict(original, kind="repeat")
        else:
            others = [t for t in NEW[original["_parsed"][0]] if ask(original["_parsed"], t) != original["messages"][0]["content"]]
            copy = dict(original, kind="paraphrase", messages=[{"role": "user", "content": ask(original["_parsed"], rng.choice(others))}])
        copy["repeat_of_text"] = original["messages"][0]["content"]
        out.insert(at, copy)

    for i, item in enumerate(out[:count]):
        item.pop("_parsed", None)
        item.pop("repeat_of_text", None)
        item["id"] = f"h{i + 1:03d}"
        sys.stdout.write(json.dumps({k: item[k] for k in ("id", "messages", "kind", "ground_truth", "check", "member") if k in item}) + "\n")


if __name__ == "__main__":
    main()
