#!/usr/bin/env python3
"""How a spilled thread got there: its failed calls (errno, stack, the
namespace of the fd) and its path in the spilled type, from the preloaded
shim and from the tracer, checked against what tests/prog/restore_fails.c
did."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (test, run, main, expect, spills_by, functions, Skip,  # noqa: E402
                     line_of)

SRC = "restore_fails.c"


def worker_spill(r):
    rep = r.only_report()
    got = spills_by(rep, r.tids["worker"], "net")
    expect(len(got) == 1 and [s["tid"] for s in rep["spills"]] == [r.tids["worker"]],
           "the worker alone is spilled, in net", rep)
    return rep, got[0]


def check_failed(rep, s, flags, errno, error, description, probably=False, count=2):
    fa = s["failed_attempts"]
    expect(len(fa) == count and s["failed_dropped"] == 0, "%d failed calls kept" % count, s)
    for a in fa:
        expect(a["call"] == "setns" and a["flags"] == flags and a["tid"] == s["tid"],
               "setns %s by the worker" % flags, a)
        expect(a["errno"] == errno and a["error"] == error and a["description"] == description
               and a["probably"] is probably, "errno %s" % error, a)
        expect(a["seq"] > s["cause"]["seq"], "after the call that moved it", a, s["cause"])
        expect(a["target"] == {"type": "net", "inode": rep["majority"]["net"],
                               "name": a["target"]["name"]},
               "its fd is the home namespace", a, rep["majority"])
        expect(a["stack"][0]["function"] == "restore_home" and
               a["stack"][0]["line"] == line_of(SRC, "marker: restore") and
               "worker" in functions(a["stack"]), "the stack of the failed call", a["stack"])


@test
def restore_failing_with_eperm_is_shown_with_errno_stack_and_target():
    r = run("restore_fails", "eperm")
    rep, s = worker_spill(r)
    check_failed(rep, s, ["CLONE_NEWNET"], 1, "EPERM", "Operation not permitted")
    expect(s["cause"]["stack"][0]["function"] == "enter", "the cause is the way in", s["cause"])


@test
def restore_with_the_wrong_flag_fails_with_einval_and_names_the_fds_type():
    r = run("restore_fails", "einval")
    rep, s = worker_spill(r)
    check_failed(rep, s, ["CLONE_NEWNS"], 22, "EINVAL", "Invalid argument")


@test
def text_report_says_it_tried_to_go_back():
    r = run("restore_fails", "eperm", options="format=text")
    text = r.only_report()
    line = line_of(SRC, "marker: restore")
    want = ("  tried to go back by setns(CLONE_NEWNET) at restore_home tests/prog/%s:%d "
            "\u2014 EPERM (Operation not permitted); its fd is net:[" % (SRC, line))
    expect(text.count(want) == 2, "one line per failed call", text)
    expect("  its path in net:\n    net:[" in text and
           "\u2192 net:[" in text and " by setns at enter tests/prog/%s:%d\n" % (
               SRC, line_of(SRC, "marker: enter")) in text, "the path", text)


@test
def nested_switches_give_the_path_in_order():
    r = run("restore_fails", "nested")
    rep, s = worker_spill(r)
    h = s["history"]
    expect([x["stack"][0]["function"] for x in h] == ["enter", "enter", "restore_home"],
           "three switches, oldest first", h)
    expect(all(x["call"] == "setns" and x["flags"] == ["CLONE_NEWNET"] for x in h) and
           s["history_dropped"] == 0, "all kept", s)
    expect([x["seq"] for x in h] == sorted(x["seq"] for x in h) and
           h[-1]["seq"] == s["cause"]["seq"], "the last is the cause", h, s["cause"])
    # Without history_ns the shim reads no namespace on a successful call:
    # known are the end (where the thread is) and the start (it was born
    # where the process started, and main never switched).
    expect(h[0]["from"] == rep["majority"]["net"], "it started at home", h[0], rep["majority"])
    expect(h[-1]["inode"] == s["inode"], "it ended where it is", h[-1], s)
    expect(h[0]["inode"] is None and h[1]["inode"] is None, "the middle is not read", h)
    expect(s["failed_attempts"] == [], "nothing failed", s)


@test
def history_ns_reads_every_namespace_of_the_path():
    r = run("restore_fails", "nested", options="format=json:history_ns=1")
    rep, s = worker_spill(r)
    h = s["history"]
    a, b, home = s["inode"], h[1]["inode"], rep["majority"]["net"]
    expect([x["inode"] for x in h] == [a, b, a] and b not in (a, home, None),
           "into A, into B, 'back' to A", h, s)
    expect([x["from"] for x in h] == [home, a, b], "each from where the last led", h)


@test
def a_long_path_keeps_the_last_eight_and_counts_the_rest():
    r = run("restore_fails", "many")
    rep, s = worker_spill(r)
    h = s["history"]
    expect(len(h) == 8 and s["history_dropped"] == 25 - 8, "8 of 25 kept", len(h), s)
    expect([x["stack"][0]["function"] for x in h] == ["restore_home", "enter"] * 4,
           "alternating, the way in last", h)
    expect(h[-1]["inode"] == s["inode"] and h[0]["from"] is None,
           "the start of a cut path is not known", h)


@test
def failed_calls_of_a_thread_that_is_not_spilled_are_not_reported():
    r = run("failing")
    expect(r.only_report()["spills"] == [], "no spill, no failed calls", r.reports)


def need_root():
    if os.geteuid() != 0:
        raise Skip("tracing namespace switches of test programs needs root here")


@test
def tracer_reads_the_errno_from_the_call_result():
    need_root()
    r = run("static_restore", "eperm", trace=True)
    rep, s = worker_spill(r)
    check_failed(rep, s, ["CLONE_NEWNET"], 1, "EPERM", "Operation not permitted")
    h = s["history"]
    expect(len(h) == 1 and h[0]["from"] == rep["majority"]["net"] and h[0]["inode"] == s["inode"],
           "the tracer reads both ends of each switch", h)


@test
def tracer_gives_every_namespace_of_a_nested_path():
    need_root()
    r = run("static_restore", "nested", trace=True)
    rep, s = worker_spill(r)
    h = s["history"]
    a, b = s["inode"], h[1]["inode"]
    expect([x["inode"] for x in h] == [a, b, a] and b not in (a, None),
           "into A, into B, back to A", h)
    expect([x["stack"][0]["function"] for x in h] == ["enter", "enter", "restore_home"],
           "sites, wrappers trimmed", h)


if __name__ == "__main__":
    main()
