#!/usr/bin/env python3
"""Builds the semantic cache's evaluation set: pairs of .NET questions that must share an answer (paraphrases) and
pairs that must not (look-alikes), written to tools/cache-eval/pairs-tune.jsonl and pairs-test.jsonl.

Each line: {"stored": question already answered, "query": the new question, "same": true for a paraphrase,
"kind": how the pair was made, "split": "tune" or "test"}.

How it is made (python3 stdlib only, deterministic: the same output byte for byte on every run):
- Subjects are hand-listed below: .NET methods grouped with their look-alike siblings (String.Trim / TrimStart /
  TrimEnd), conversions between two types, and LINQ-style questions with a count in them.
- Paraphrases: the same subject asked in two different phrasings (templates written for this set, never taken from
  the project's corpus or workloads).
- Look-alikes, the cache's traps:
  sibling  - the same question about a sibling method (Trim vs TrimEnd; Add vs AddRange),
  type     - the same method on another type (List<T>.Clear vs HashSet<T>.Clear),
  reversed - a conversion the other way ("string to int" vs "int to string"),
  number   - the same question with another count ("first 5" vs "first 50"),
  each both in the same phrasing and in two different phrasings;
  intent   - another question about the same subject ("What does List<T>.Clear do?" vs "Is List<T>.Clear
             thread-safe?"): the same names, so only the embedding can tell them apart.
- The split keeps the two sides apart twice over: a subject group (a sibling family, a conversion's two types, a
  count question) falls wholly on one side by a SHA-256 of its name, and two phrasings of every family are used only
  on the test side, so the test split asks about other things in partly unseen words. The threshold is chosen on
  pairs-tune.jsonl only; pairs-test.jsonl is read once to report.
"""

import hashlib
import itertools
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

# (type, [sibling methods]) - a family of names the embedding finds close.
METHOD_FAMILIES = [
    ("string", ["Trim", "TrimStart", "TrimEnd"]),
    ("string", ["StartsWith", "EndsWith"]),
    ("string", ["IndexOf", "LastIndexOf", "IndexOfAny"]),
    ("string", ["ToUpper", "ToUpperInvariant", "ToLower"]),
    ("string", ["PadLeft", "PadRight"]),
    ("string", ["Split", "Join", "Concat"]),
    ("string", ["Replace", "Remove", "Insert"]),
    ("string", ["Substring", "Contains"]),
    ("List<T>", ["Add", "AddRange", "Insert", "InsertRange"]),
    ("List<T>", ["Remove", "RemoveAt", "RemoveAll", "RemoveRange"]),
    ("List<T>", ["Find", "FindAll", "FindLast", "FindIndex"]),
    ("List<T>", ["Sort", "Reverse"]),
    ("List<T>", ["Clear", "TrimExcess"]),
    ("List<T>", ["BinarySearch", "IndexOf"]),
    ("Dictionary<TKey,TValue>", ["ContainsKey", "ContainsValue", "TryGetValue"]),
    ("Dictionary<TKey,TValue>", ["Add", "TryAdd"]),
    ("Enumerable", ["First", "FirstOrDefault", "Single", "SingleOrDefault"]),
    ("Enumerable", ["Skip", "SkipWhile", "Take", "TakeWhile"]),
    ("Enumerable", ["Any", "All"]),
    ("Enumerable", ["Max", "MaxBy", "Min", "MinBy"]),
    ("Enumerable", ["Select", "SelectMany"]),
    ("Enumerable", ["OrderBy", "OrderByDescending", "ThenBy"]),
    ("Enumerable", ["Distinct", "DistinctBy"]),
    ("Enumerable", ["GroupBy", "ToLookup"]),
    ("Task", ["WhenAll", "WhenAny", "WaitAll"]),
    ("Task", ["Run", "Delay"]),
    ("File", ["ReadAllText", "ReadAllLines", "ReadAllBytes"]),
    ("File", ["WriteAllText", "AppendAllText"]),
    ("File", ["Exists", "Delete", "Copy", "Move"]),
    ("Path", ["GetFileName", "GetFileNameWithoutExtension", "GetExtension"]),
    ("Path", ["Combine", "Join", "GetFullPath"]),
    ("Directory", ["CreateDirectory", "GetFiles", "EnumerateFiles"]),
    ("StringBuilder", ["Append", "AppendLine", "AppendFormat"]),
    ("Math", ["Round", "Floor", "Ceiling", "Truncate"]),
    ("Math", ["Abs", "Sign"]),
    ("Array", ["Resize", "Copy", "Clear"]),
    ("Interlocked", ["Increment", "Decrement", "Add", "Exchange"]),
    ("DateTime", ["AddDays", "AddHours", "AddMonths"]),
    ("Convert", ["ToBase64String", "FromBase64String"]),
    ("HttpClient", ["GetAsync", "PostAsync", "GetStringAsync"]),
    ("CancellationTokenSource", ["Cancel", "CancelAfter"]),
    ("Stream", ["CopyTo", "CopyToAsync", "Flush"]),
]

# Methods shared by several types: the same name on another type is another answer.
SHARED_METHODS = [
    ("Clear", ["List<T>", "HashSet<T>", "Dictionary<TKey,TValue>", "Queue<T>", "StringBuilder"]),
    ("Contains", ["List<T>", "HashSet<T>", "string"]),
    ("Remove", ["List<T>", "HashSet<T>", "Dictionary<TKey,TValue>", "string"]),
    ("Count", ["List<T>", "Enumerable", "Dictionary<TKey,TValue>"]),
    ("ToArray", ["List<T>", "Enumerable", "Queue<T>", "Stack<T>"]),
    ("Add", ["List<T>", "HashSet<T>", "Interlocked", "DateTime"]),
    ("Parse", ["int", "double", "DateTime", "Guid"]),
    ("TryParse", ["int", "decimal", "DateTime", "Enum"]),
    ("Dispose", ["Stream", "HttpClient", "Timer"]),
    ("Peek", ["Queue<T>", "Stack<T>", "PriorityQueue<TElement,TPriority>"]),
]

TYPES = ["string", "int", "double", "decimal", "long", "float", "bool", "char", "byte[]", "DateTime", "TimeSpan",
         "Guid", "List<T>", "array", "Dictionary<TKey,TValue>", "Span<T>", "IEnumerable<T>", "JSON string", "enum",
         "hex string", "base64 string", "Stream"]

# Conversion pairs (a, b): "a to b" and "b to a" are different questions.
CONVERSIONS = [(a, b) for a, b in itertools.combinations(TYPES, 2)
               if not ({a, b} <= {"JSON string", "hex string", "base64 string", "enum"})]

COUNT_QUESTIONS = [
    "take the first {n} items of a List<T>",
    "skip the first {n} elements of an array",
    "get the last {n} characters of a string",
    "round a double to {n} decimal places",
    "retry an HttpClient request {n} times",
    "pad a string to {n} characters",
    "wait {n} seconds in an async method",
    "split a List<T> into chunks of {n}",
    "create a Task that times out after {n} milliseconds",
    "limit a SemaphoreSlim to {n} concurrent callers",
    "read the first {n} lines of a file",
    "generate a random number between 1 and {n}",
]
COUNTS = ["2", "3", "5", "10", "20", "50", "100", "1000"]

METHOD_TEMPLATES = [
    "What does {t}.{m} do?",
    "Explain what {m} does on a {t}.",
    "What is the purpose of the {m} method of {t}?",
    "Can you describe {t}.{m} for me?",
    "How does {t}.{m} behave?",
    "In C#, what happens when I call {m} on a {t}?",
    "Tell me what {t}.{m} is for.",
    "I'd like to know what the {m} method on {t} does.",
    "what does {m} on {t} do",
    "Quick question: what is {t}.{m} used for?",
]
CONVERSION_TEMPLATES = [
    "How do I convert a {a} to a {b} in C#?",
    "What's the best way to turn a {a} into a {b}?",
    "Convert {a} to {b} in C#",
    "How can I change a {a} into a {b}?",
    "In .NET, how do you convert from {a} to {b}?",
    "What is the simplest way to convert a {a} to {b}?",
    "how to get a {b} from a {a} in c#",
    "I have a {a} and need a {b}. How do I convert it?",
    "Is there a built-in way to convert {a} to {b}?",
    "{a} to {b} conversion in C#: how?",
]
COUNT_TEMPLATES = [
    "How do I {q}?",
    "What's the easiest way to {q} in C#?",
    "In .NET, how can I {q}?",
    "Show me how to {q}.",
    "how to {q} in c#",
    "Is there a simple way to {q}?",
    "I need to {q}. How?",
    "What is the idiomatic C# code to {q}?",
]
# Other questions about the same subject: the same salient terms, another answer (kind "intent"). The guard cannot
# tell these apart; only the embedding can.
METHOD_INTENTS = [
    "Is {t}.{m} thread-safe?",
    "What is the time complexity of {t}.{m}?",
    "What exceptions can {t}.{m} throw?",
    "Why is {t}.{m} slow in my loop?",
    "Is {t}.{m} available in .NET Framework 4.8?",
    "How do I mock {t}.{m} in a unit test?",
]
CONVERSION_INTENTS = [
    "Why does converting a {a} to a {b} throw an exception?",
    "Is converting a {a} to a {b} slow?",
    "Can converting a {a} to a {b} lose data?",
    "Why does my {a} to {b} conversion give the wrong result?",
]
COUNT_INTENTS = [
    "Why does my code to {q} throw an exception?",
    "Is it faster to {q} with a for loop or with LINQ?",
    "How do I unit test code that does {q}?",
]
# The last two phrasings of each family are seen only on the test side.
TEST_ONLY = 2


def side(name):
    return "test" if hashlib.sha256(name.encode()).digest()[0] % 2 else "tune"


def templates(family, split):
    return family if split == "test" else family[:-TEST_ONLY]


def pairs_of(rng, family, split, fill_a, fill_b, same, kind, n):
    """n pairs: half in one phrasing (only where the subjects differ), half in two phrasings."""
    ts = templates(family, split)
    out = []
    for i in range(n):
        if same or i % 2:
            t1, t2 = rng.sample(ts, 2)
        else:
            t1 = t2 = rng.choice(ts)
        out.append({"stored": fill_a(t1), "query": fill_b(t2), "same": same, "kind": kind, "split": split})
    return out


def intents(rng, questions, intent_family, split, fill, n):
    """n pairs: a question from the family and another question about the same subject."""
    qs = templates(questions, split)
    its = templates(intent_family, split)
    return [{"stored": fill(rng.choice(qs)), "query": fill(rng.choice(its)), "same": False, "kind": "intent", "split": split}
            for _ in range(n)]


def build():
    rng = random.Random(16)
    rows = []
    for t, methods in METHOD_FAMILIES:
        split = side(t + ":" + ",".join(methods))
        for m in methods:
            rows += pairs_of(rng, METHOD_TEMPLATES, split, lambda s, m=m: s.format(t=t, m=m), lambda s, m=m: s.format(t=t, m=m), True, "paraphrase-method", 2)
            rows += intents(rng, METHOD_TEMPLATES, METHOD_INTENTS, split, lambda s, m=m: s.format(t=t, m=m), 1)
        for m1, m2 in itertools.combinations(methods, 2):
            rows += pairs_of(rng, METHOD_TEMPLATES, split, lambda s, m=m1: s.format(t=t, m=m), lambda s, m=m2: s.format(t=t, m=m), False, "sibling", 2)
    for m, types in SHARED_METHODS:
        split = side("shared:" + m)
        for t in types:
            rows += pairs_of(rng, METHOD_TEMPLATES, split, lambda s, t=t: s.format(t=t, m=m), lambda s, t=t: s.format(t=t, m=m), True, "paraphrase-method", 1)
        for t1, t2 in itertools.combinations(types, 2):
            rows += pairs_of(rng, METHOD_TEMPLATES, split, lambda s, t=t1: s.format(t=t, m=m), lambda s, t=t2: s.format(t=t, m=m), False, "type", 1)
    for a, b in CONVERSIONS:
        split = side("convert:" + a + ":" + b)
        rows += pairs_of(rng, CONVERSION_TEMPLATES, split, lambda s: s.format(a=a, b=b), lambda s: s.format(a=a, b=b), True, "paraphrase-conversion", 1)
        rows += pairs_of(rng, CONVERSION_TEMPLATES, split, lambda s: s.format(a=a, b=b), lambda s: s.format(a=b, b=a), False, "reversed", 1)
        if rng.random() < 0.5:
            rows += intents(rng, CONVERSION_TEMPLATES, CONVERSION_INTENTS, split, lambda s: s.format(a=a, b=b), 1)
    for q in COUNT_QUESTIONS:
        split = side("count:" + q)
        for n in COUNTS:
            rows += pairs_of(rng, COUNT_TEMPLATES, split, lambda s, n=n: s.format(q=q.format(n=n)), lambda s, n=n: s.format(q=q.format(n=n)), True, "paraphrase-count", 1)
            rows += intents(rng, COUNT_TEMPLATES, COUNT_INTENTS, split, lambda s, n=n: s.format(q=q.format(n=n)), 1)
        for n1, n2 in itertools.combinations(COUNTS, 2):
            if rng.random() < 0.35:
                rows += pairs_of(rng, COUNT_TEMPLATES, split, lambda s, n=n1: s.format(q=q.format(n=n)), lambda s, n=n2: s.format(q=q.format(n=n)), False, "number", 1)
    # A stored question and a query that are the same text are an exact hit, not a test of the embedding.
    rows = [r for r in rows if r["stored"].lower() != r["query"].lower()]
    return rows


def main():
    rows = build()
    for split in ("tune", "test"):
        path = os.path.join(HERE, f"pairs-{split}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                if r["split"] == split:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        same = sum(1 for r in rows if r["split"] == split and r["same"])
        other = sum(1 for r in rows if r["split"] == split and not r["same"])
        print(f"{path}: {same} paraphrases, {other} look-alikes")


if __name__ == "__main__":
    main()
