#!/usr/bin/env python3
"""Functional tests of the core shim: what programs did vs. what the
report says."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import test, run, main, expect, spills_by, functions  # noqa: E402


@test
def setns_leak_is_reported_with_its_call_site():
    r = run("leak_setns")
    rep = r.only_report()
    expect(r.rc == 66, "spill turns exit 0 into 66", r)
    expect(rep["trigger"] == "exit" and rep["signal"] is None, "exit trigger", rep)
    expect(rep["threads"] == 4, "4 threads seen", rep)
    leaker = r.tids["leaker"]
    expect([s["tid"] for s in rep["spills"]] == [leaker], "only the leaker spilled", rep)
    s = rep["spills"][0]
    expect(s["type"] == "net" and s["inode"] != s["majority_inode"], "net spill", s)
    c = s["cause"]
    expect(c["call"] == "setns" and c["tid"] == leaker, "cause is the leaker's setns", c)
    expect(c["flags"] == ["CLONE_NEWNET"], "flags", c)
    expect(c["stack"][0]["function"] == "leak_here", "frame 0 is the caller of setns", c["stack"])
    expect(c["stack"][0]["file"].endswith("leak_setns.c") and c["stack"][0]["line"] > 0,
           "file:line of frame 0", c["stack"][0])
    expect("leaker" in functions(c["stack"]), "stack goes on to the thread function", c)
    expect(s["inherited_via"] == [], "not inherited", s)


@test
def without_preload_nothing_changes():
    r = run("leak_setns", preload=False)
    expect(r.rc == 0 and not r.reports and "namspill" not in r.err, "native run", r)


if __name__ == "__main__":
    main()
