#!/usr/bin/env python3
"""Load: many threads racing namespace switches and thread exits against
exit(), checked against what each thread says it did; and threads by the
million with bounded shim memory.  NSP_LOAD_ROUNDS and NSP_LOAD_THREADS
scale the runs down (sanitizer builds)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import test, run, main, expect, PRELOAD_FIRST  # noqa: E402

ROUNDS = int(os.environ.get("NSP_LOAD_ROUNDS", "50"))
MILLION = int(os.environ.get("NSP_LOAD_THREADS", "1000000"))
QUARANTINE = 4 * (1024 + 16)  # NSP_RINGS * (NSP_QUARANTINE + NSP_QUIET) in lib/rt/registry.c
HISTORY = 8  # NSP_HISTORY in lib/rt/registry.h: path entries a record holds
SURE = ("stay", "child", "main", "exiter")  # alive when the report is taken


def parse_truth(out):
    home = None
    threads = {}
    for line in out.splitlines():
        f = line.split()
        if f[0] == "home":
            home = {"net": int(f[1]), "uts": int(f[2]), "A": int(f[4])}
        elif f[0] == "T":
            t = {"kind": f[1], "tid": int(f[2]), "net": int(f[3]), "uts": int(f[4]),
                 "calls": {"net": (f[5], int(f[6])), "uts": (f[7], int(f[8]))},
                 "parent": int(f[9])}
            threads[t["tid"]] = t
    return home, threads


def check_cause(s, t):
    call, by = t["calls"][s["type"]]
    c = s["cause"]
    ctx = (s, t)
    expect(c is not None and c["call"] == call and c["tid"] == by,
           "cause is %s by %d" % (call, by), *ctx)
    expect(c["flags"] == ["CLONE_NEW" + s["type"].upper()], "flags", *ctx)
    expect(c["stack"] and c["stack"][0]["function"] == "act", "frame 0 is the caller", *ctx)
    hops = [(h["tid"], h["parent_tid"]) for h in s["inherited_via"]]
    want = [(t["tid"], t["parent"])] if t["kind"] == "child" else []
    expect(hops == want, "inherited_via %s" % want, *ctx)


def check_round(seed):
    r = run("h_race", str(seed), timeout=120)
    home, threads = parse_truth(r.out)
    expect(home is not None and len(threads) > 1000, "ground truth printed", r)
    rep = r.only_report()
    expect(isinstance(rep, dict), "the report parses as JSON", rep)
    expect(rep["error"] is None, "a verdict was taken", rep)
    expect(rep["majority"]["net"] == home["net"] and rep["majority"]["uts"] == home["uts"],
           "majority is home", rep["majority"], home)
    sure = [t for t in threads.values() if t["kind"] in SURE]
    expect(rep["threads"] >= len(sure), "every settled thread seen", rep["threads"])
    want = {(t["tid"], ty) for t in sure for ty in ("net", "uts") if t[ty] != home[ty]}
    got = set()
    for s in rep["spills"]:
        t = threads.get(s["tid"])
        key = (s["tid"], s["type"])
        expect(s["type"] in ("net", "uts"), "only net and uts were switched", s)
        if t and t["kind"] in SURE + ("end",):
            expect(t[s["type"]] != home[s["type"]] and s["inode"] == t[s["type"]],
                   "spill matches the thread's own namespace", s, t)
            check_cause(s, t)
            got.add(key)
        else:
            # Churn threads switch while the report is taken: their
            # namespace is read at one moment and their record at
            # another, so a cause may be missing, but they are only ever
            # in A or a uts namespace of their own.
            expect(s["type"] == "uts" or s["inode"] == home["A"], "churn spill is in A", s)
            c = s["cause"]
            expect(c is None or c["call"] in ("setns", "unshare"), "churn cause", s)
    missing = want - got
    expect(not missing, "settled spills all reported", sorted(missing))
    expect(r.rc == (66 if rep["spills"] else 0), "status follows the verdict", r.rc)
    return len(rep["spills"]), rep["threads"]


@test
def thousand_threads_race_exit_and_the_report_matches():
    spills = threads = 0
    for seed in range(1, ROUNDS + 1):
        try:
            n, t = check_round(seed)
        except AssertionError as e:
            raise AssertionError("round %d (h_race %d): %s" % (seed, seed, e))
        spills += n
        threads += t
    print("# %d rounds, %d threads and %d spills in the reports" % (ROUNDS, threads, spills))


@test
def a_million_threads_keep_the_pools_bounded():
    r = run("h_churn", str(MILLION), options="verbosity=2", log=False, timeout=900)
    expect(r.rc == 0, "clean exit", r)
    alive = int(re.search(r"^alive (\d+)$", r.out, re.M).group(1))
    early, late = map(int, re.search(r"^rss (\d+) (\d+)$", r.out, re.M).groups())
    m = re.search(r"pools: thread records (\d+) \(\d+ bytes\), events (\d+) \(\d+ bytes\), "
                  r"path entries (\d+) \(\d+ bytes\) in paths (\d+)", r.err)
    expect(m, "pool sizes printed", r)
    records, events, paths, owners = map(int, m.groups())
    # Each live thread holds one record and at most one event; a creator
    # is held by its inheriting child; the last QUARANTINE ended threads
    # keep theirs (lib/rt/registry.c); the main thread, which creates all
    # but the grandchildren, holds one more for its next creation.  A leak
    # grows with the count.
    bound = alive + QUARANTINE + 3
    expect(records <= bound, "thread records bounded", records, bound)
    expect(events <= bound, "events bounded", events, bound)
    # Each record holds the last HISTORY switches of its thread, no more.
    expect(paths <= HISTORY * bound, "path entries bounded", paths, HISTORY * bound)
    expect(owners <= bound, "paths bounded: one per record at most", owners, bound)
    # A sanitizer runtime keeps memory per ended thread of its own.
    expect(PRELOAD_FIRST or late - early < 16 * 1024,
           "RSS grew less than 16 MB after the first tenth", early, late)
    print("# %d threads: records %d, events %d, path entries %d in %d paths, RSS %d -> %d kB" % (
        MILLION, records, events, paths, owners, early, late))


if __name__ == "__main__":
    main()
