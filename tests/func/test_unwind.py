#!/usr/bin/env python3
"""The shim's stacks are libunwind's stacks: each case of unwind_cases
prints libunwind's backtrace taken just before its setns; the report's
stack of that setns must be the same, frame for frame (frame 0 differs:
it is the setns call itself, one call later)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import test, run, main, expect, spills_by  # noqa: E402

CASES = ["plain", "deep", "vla", "signal", "odd", "jit", "deep_state"]


def refs(out):
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] == ["ref"]:
            frames = [p.rsplit(":", 1) for p in parts[3:]]
            # The shim's own frames (its thread trampoline) are left out of reports.
            got[parts[1]] = (int(parts[2]), [int(ip, 16) for ip, mod in frames
                                             if mod != "libnamspill.so"])
    return got


@test
def every_case_has_libunwinds_stack():
    r = run("unwind_cases", options="format=json:stack_depth=64")
    rep = r.only_report()
    ref = refs(r.out)
    expect(sorted(ref) == sorted(CASES), "every case ran", r.out)
    by_tid = {s["tid"]: s for s in rep["spills"]}
    for name in CASES:
        tid, want = ref[name]
        s = by_tid.get(tid)
        expect(s is not None and s["cause"], "%s: spill with a cause" % name, rep)
        got = [f["ip"] for f in s["cause"]["stack"] if not f.get("inlined")]
        n = min(len(want), 63)
        expect(got[1:1 + n] == want[:n] and len(got) == n + 1,
               "%s: same frames as libunwind" % name,
               [hex(x) for x in got], [hex(x) for x in want])


@test
def threads_needing_libunwind_together_all_get_their_stacks():
    # libunwind is loaded at the first stack the shim's own walker cannot
    # follow.  Six threads reach such a frame at once: those that come
    # while another loads it must wait for it, not record an empty stack.
    for round_ in range(3):
        r = run("unwind_first", options="format=json")
        rep = r.only_report()
        want = sorted(int(line.split()[1]) for line in r.out.splitlines()
                      if line.startswith("spilled "))
        expect(len(want) == 6 and sorted(s["tid"] for s in rep["spills"]) == want,
               "round %d: the six spills" % round_, rep["spills"], want)
        for s in rep["spills"]:
            fns = [f.get("function") for f in s["cause"]["stack"]] if s["cause"] else []
            expect("racer" in fns, "round %d: thread %d's stack reaches its caller"
                   % (round_, s["tid"]), s["cause"])


@test
def a_filter_against_reading_our_own_memory_does_not_kill_the_program():
    # Frame pointer chains are read with process_vm_readv: a filter the
    # calling thread has (its own, or installed after a first walk) must
    # stop the walk there, never let the call kill the program.
    for mode in ("thread", "later"):
        r = run("jit_filtered", mode)
        expect(r.rc == 66 and "switched" in r.out, "%s: the program lived on" % mode, r)
        got = spills_by(r.only_report(), r.tids["leaker"], "uts")
        expect(len(got) == 1 and got[0]["cause"], "%s: the spill and its cause" % mode, r)


main()
