#!/usr/bin/env python3
"""Mutation run over the code that handles tenants' energy (issue 21; docs/testing.md).

Applies each named mutation of mutations.py to the source, one at a time; builds only the mutated project
(--no-dependencies, analyzers off) and copies its assembly over the one in each test project's output, so that the test
projects themselves are not rebuilt; runs the mutation's test suites (the xunit.v3 test executables with namespace and
class filters, -stopOnFail: the first failure kills); restores the source and the assemblies. A mutant that does not compile is reported and left out of the score.

    tools/mutate/mutate.py                        # every mutation, against this checkout's tests
    tools/mutate/mutate.py --only lua-limit-joules-gt,retry-after-rounded-down
    tools/mutate/mutate.py --before /tmp/before   # also against the tests of another checkout (its test projects built)
    tools/mutate/mutate.py --list

Build the test projects first (Release): dotnet build tests/GreenGateway.Core.Tests, tests/GreenGateway.Redis.Tests and
tests/GreenGateway.Tests -c Release. redis-server and garnet-server must be installed (./test.sh installs them).
Not part of CI: a full run takes about an hour on two cores.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutations import MUTATIONS  # noqa: E402

CORE_TESTS = "tests/GreenGateway.Core.Tests"
REDIS_TESTS = "tests/GreenGateway.Redis.Tests"
HOST_TESTS = "tests/GreenGateway.Tests"

# Suite name -> (test project, xunit.v3 runner filters). Cluster tests are left out: they repeat the Redis ones on three nodes.
SUITES = {
    "core-budgets": (CORE_TESTS, ["-namespace", "GreenGateway.Core.Budgets.Tests"]),
    "core-energy": (CORE_TESTS, ["-namespace", "GreenGateway.Core.Energy.Tests"]),
    "core-carbon": (CORE_TESTS, ["-namespace", "GreenGateway.Core.Carbon.Tests"]),
    "core-cache": (CORE_TESTS, ["-namespace", "GreenGateway.Core.Cache.Tests"]),
    "core-acceptance": (CORE_TESTS, ["-namespace", "GreenGateway.Core.Cascade.Tests"]),
    "redis-ledger": (REDIS_TESTS, ["-namespace", "GreenGateway.Redis.Tests.Budgets", "-class-", "GreenGateway.Redis.Tests.Budgets.ClusterLedgerTests"]),
    "redis-cache": (REDIS_TESTS, ["-namespace", "GreenGateway.Redis.Tests.Cache"]),
    # The tests issue 21 added for its six classes, tried first on those mutants so that the report names them.
    "new-retry-after": (HOST_TESTS, ["-filter", "/*/*/BudgetEnforcementTests/SpentBudget_OffAWholeSecond_RetryAfterIsRoundedUp"]),
    "new-release": (HOST_TESTS, ["-filter", "/*/*/BudgetEnforcementTests/FailedRequests_ReleaseTheirReservations_SoASmallBudgetStillAdmits"]),
    "new-pue": (HOST_TESTS, ["-filter", "/*/GreenGateway.Accounting.Tests/TierPricingTests/*"]),
    "new-ledger-model": (REDIS_TESTS, ["-class", "GreenGateway.Redis.Tests.Budgets.RedisServerLedgerModelTests",
                                       "-class", "GreenGateway.Redis.Tests.Budgets.GarnetLedgerModelTests"]),
    "new-outage-settle": (REDIS_TESTS, ["-method", "GreenGateway.Redis.Tests.Budgets.LedgerOutageTests.FailOpen_SettleDuringTheOutage_ReleasesTheLocalReservation_SoTheNextReserveIsAdmitted"]),
    # Simple filters of different kinds are AND'ed by the xunit.v3 runner; query filters (-filter) are OR'ed.
    "host-accounting": (HOST_TESTS, ["-filter", "/*/GreenGateway.Budgets.Tests/*/*", "-filter", "/*/GreenGateway.Accounting.Tests/*/*",
                                     "-filter", "/*/GreenGateway.Cascade.Tests/CounterfactualTests/*", "-filter", "/*/GreenGateway.Proxy.Tests/*/*",
                                     "-filter", "/*/GreenGateway.Rules.Tests/*/*"]),
}

ASSEMBLY_DIR = "bin/Release/net10.0"
TEST_TIMEOUT = 600


def project_of(path):
    """The src project a file belongs to (the longest src/<project> prefix)."""
    parts = path.split("/")
    return "/".join(parts[:2])


def run(cmd, cwd, timeout=None):
    started = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        return done.returncode, done.stdout, time.monotonic() - started
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out, time.monotonic() - started


def failed_tests(output):
    names = []
    for line in output.splitlines():
        line = line.strip()
        if line.endswith("[FAIL]"):
            name = line[:-len("[FAIL]")].strip()
            names.append(name[name.index("]") + 1:].strip() if name.startswith("[") else name)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated mutation ids (prefix match)")
    parser.add_argument("--before", help="another checkout whose (built) tests are run too, for a before/after score")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out", default="tools/mutate/results.json", help="where the results are written (JSON)")
    args = parser.parse_args()

    root = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], cwd=os.path.dirname(os.path.abspath(__file__)), text=True).strip()
    mutations = MUTATIONS
    if args.only:
        wanted = args.only.split(",")
        mutations = [m for m in MUTATIONS if any(m[0].startswith(w) for w in wanted)]
    if args.list:
        for mid, path, _, _, suites in mutations:
            print(f"{mid:55} {path:55} {','.join(suites)}")
        return 0

    roots = [("after", root)] + ([("before", os.path.abspath(args.before))] if args.before else [])

    # Every assembly a mutant may replace, in every src and test output, saved once and restored after each mutant.
    backup = tempfile.mkdtemp(prefix="gg-mutate-")
    saved = []
    projects = sorted({project_of(m[1]) for m in mutations})
    for _, r in roots:
        for d in [os.path.join(r, t, ASSEMBLY_DIR) for t in (CORE_TESTS, REDIS_TESTS, HOST_TESTS)] + [os.path.join(root, p, ASSEMBLY_DIR) for p in projects]:
            for p in projects:
                name = os.path.basename(p) + ".dll"
                src = os.path.join(d, name)
                if os.path.exists(src):
                    dst = os.path.join(backup, str(len(saved)))
                    shutil.copy2(src, dst)
                    saved.append((src, dst))

    def restore_assemblies():
        for src, dst in saved:
            shutil.copy2(dst, src)

    results = []
    out_path = os.path.join(root, args.out) if not os.path.isabs(args.out) else args.out

    def write_results(partial):
        with open(out_path, "w", encoding="utf-8") as f:
            json.dump({"partial": partial, "mutants": results}, f, indent=2)

    try:
        for index, (mid, path, find, replace, suites) in enumerate(mutations, 1):
            file = os.path.join(root, path)
            with open(file, encoding="utf-8") as f:
                original = f.read()
            count = original.count(find)
            if count != 1:
                print(f"[{index}/{len(mutations)}] {mid}: the original text occurs {count} times in {path}; skipped", flush=True)
                results.append({"id": mid, "file": path, "status": "not-applicable"})
                continue

            entry = {"id": mid, "file": path, "find": find, "replace": replace}
            try:
                with open(file, "w", encoding="utf-8") as f:
                    f.write(original.replace(find, replace))
                project = project_of(path)
                rc, out, took = run(["dotnet", "build", project, "-c", "Release", "--no-dependencies", "--no-restore", "-nologo", "-clp:ErrorsOnly", "-v", "q",
                                     "-p:RunAnalyzers=false", "-p:EnforceCodeStyleInBuild=false", "-p:TreatWarningsAsErrors=false"], root)
                if rc != 0:
                    entry["status"] = "compile-error"
                    entry["detail"] = out.strip().splitlines()[-3:] if out.strip() else []
                    print(f"[{index}/{len(mutations)}] {mid}: COMPILE ERROR", flush=True)
                    results.append(entry)
                    continue

                built = os.path.join(root, project, ASSEMBLY_DIR, os.path.basename(project) + ".dll")
                for _, r in roots:
                    for t in (CORE_TESTS, REDIS_TESTS, HOST_TESTS):
                        target = os.path.join(r, t, ASSEMBLY_DIR, os.path.basename(built))
                        if os.path.exists(target):
                            shutil.copy2(built, target)

                def verdict_of(r):
                    verdict = {"status": "survived", "seconds": 0.0}
                    for suite in suites:
                        tests, filters = SUITES[suite]
                        runner = os.path.join(r, tests, ASSEMBLY_DIR, os.path.basename(tests))
                        rc, out, took = run([runner, "-noLogo", "-noColor", "-stopOnFail", *filters], os.path.join(r, tests, ASSEMBLY_DIR), TEST_TIMEOUT)
                        verdict["seconds"] += round(took, 1)
                        if rc == 0 and ("Total: 0," in out or "Total:" not in out):
                            if suite.startswith("new-"):
                                continue  # a test this checkout does not have
                            raise SystemExit(f"suite {suite} ran no tests in {r}:\n{out[-2000:]}")
                        if rc != 0:
                            verdict = {"status": "timeout" if rc == 124 else "killed", "suite": suite, "by": failed_tests(out)[:5], "seconds": verdict["seconds"]}
                            if not verdict["by"] and rc != 124:
                                verdict["output"] = out.strip().splitlines()[-8:]
                            break
                    return verdict

                # The tests of --before are a subset of this checkout's: a mutant they kill is killed here too, so this
                # checkout's tests run only on the mutants they leave alive (and on issue 21's six, to name the new test).
                if args.before and "[issue 21" not in mid:
                    entry["before"] = verdict_of(roots[1][1])
                    entry["after"] = dict(entry["before"], inferred="killed by a test that --before has too") if entry["before"]["status"] != "survived" else verdict_of(root)
                else:
                    entry["after"] = verdict_of(root)
                    if args.before:
                        entry["before"] = verdict_of(roots[1][1])
                entry["status"] = entry["after"]["status"]
                shown = "  ".join(f"{label}: {entry[label]['status']}" + (f" by {entry[label]['by'][0]}" if entry[label].get("by") else "") for label, _ in roots)
                print(f"[{index}/{len(mutations)}] {mid}: {shown}", flush=True)
                results.append(entry)
                write_results(partial=True)
            finally:
                with open(file, "w", encoding="utf-8") as f:
                    f.write(original)
                restore_assemblies()
    finally:
        restore_assemblies()
        shutil.rmtree(backup, ignore_errors=True)

    def score(label):
        tested = [r for r in results if label in r]
        killed = [r for r in tested if r[label]["status"] in ("killed", "timeout")]
        return len(killed), len(tested)

    summary = {label: dict(zip(("killed", "tested"), score(label))) for label, _ in roots}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"summary": summary, "mutants": results}, f, indent=2)
    for label, _ in roots:
        k, n = score(label)
        print(f"{label}: {k}/{n} killed ({100.0 * k / n if n else 0:.1f}%)")
        for r in results:
            if label in r and r[label]["status"] == "survived":
                print(f"  survived: {r['id']} ({r['file']})")
    skipped = [r["id"] for r in results if r["status"] in ("compile-error", "not-applicable")]
    if skipped:
        print("not scored (compile error or not applicable): " + ", ".join(skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
