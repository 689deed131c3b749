#!/usr/bin/env python3
"""Renders mutate.py's results (JSON, one or more files; a later file's verdicts for a mutant replace an earlier one's,
so that a rerun of the survivors against new tests updates "after" and keeps "before") as the table of docs/testing.md.

    tools/mutate/report.py tools/mutate/results.json [rerun.json ...]
"""

import json
import sys


def cell(verdict):
    if not verdict:
        return "-"
    status = verdict["status"]
    if status == "survived":
        return "**survived**"
    by = verdict.get("by") or []
    name = by[0].split("(")[0].rsplit(".", 2) if by else None
    test = f"{name[-2]}.{name[-1]}" if name and len(name) >= 2 else "(no test name: " + status + ")"
    return f"{status}: `{test}`"


def main():
    merged = {}
    order = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            for m in json.load(f)["mutants"]:
                if m["id"] not in merged:
                    order.append(m["id"])
                merged[m["id"]] = {**merged.get(m["id"], {}), **m}

    labels = [label for label in ("before", "after") if any(label in m for m in merged.values())]
    print("| mutant | file | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    for mid in order:
        m = merged[mid]
        if m["status"] in ("compile-error", "not-applicable"):
            print(f"| {mid} | {m['file'].split('/', 1)[1]} | " + " | ".join(m["status"] for _ in labels) + " |")
            continue
        print(f"| {mid} | {m['file'].split('/', 1)[1]} | " + " | ".join(cell(m.get(label)) for label in labels) + " |")

    print()
    for label in labels:
        tested = [m for m in merged.values() if label in m]
        killed = [m for m in tested if m[label]["status"] in ("killed", "timeout")]
        print(f"- {label}: {len(killed)} of {len(tested)} killed ({100.0 * len(killed) / len(tested):.1f} %)")


if __name__ == "__main__":
    main()
