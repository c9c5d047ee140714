#!/usr/bin/env python3
"""Reports of processes with many threads, read by several helper threads
at once: every thread counted, exactly the spilled ones reported."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import test, run, main, expect  # noqa: E402


@test
def thousand_threads_every_spill_found():
    r = run("many_spills", "1000", "7")
    rep = r.only_report()
    want = sorted(int(line.split()[1]) for line in r.out.splitlines()
                  if line.startswith("spilled "))
    expect(len(want) == 1000 // 7, "every 7th of 1000 threads switched", r.out[-300:])
    expect(rep["threads"] == 1001, "every thread counted", rep["threads"])
    got = sorted(s["tid"] for s in rep["spills"])
    expect(got == want, "exactly the spilled threads", got[:5], want[:5])
    expect(all(s["type"] == "uts" and s["cause"] and s["cause"]["tid"] == s["tid"]
               for s in rep["spills"]), "each with its own setns as the cause")


@test
def spills_at_both_ends_of_the_list():
    r = run("many_spills", "600", "1")  # all switched: main is the odd one out
    rep = r.only_report()
    expect(rep["threads"] == 601, "every thread counted", rep["threads"])
    expect([s["tid"] for s in rep["spills"]] == [rep["pid"]], "only main is foreign",
           rep["spills"][:3])


@test
def no_helper_threads_under_a_seccomp_filter():
    # The filter kills the process on clone(): the report must not use it.
    r = run("many_spills", "600", "5", "seccomp")
    rep = r.only_report()
    expect(r.rc == 66, "exits normally, with the spills' status", r)
    expect(rep["threads"] == 601 and len(rep["spills"]) == 120, "all read", rep["threads"])


@test
def large_report_names_frames_with_the_early_helper():
    # With hundreds of threads the symbolizer starts on the recorded
    # addresses before /proc is read; its answer must name the frames.
    r = run("many_spills", "1000", "7", options="format=json:verbosity=2")
    rep = r.only_report()
    expect("symbolizer started before the threads were read: answer used" in r.err,
           "the early answer was used", r.err[-400:])
    expect(re.search(r"report of 1001 threads: read in \d+ us, frames named in \d+ us more, "
                     r"written in \d+ us", r.err), "verbosity=2 says where the time went",
           r.err[-400:])
    frames = rep["spills"][0]["cause"]["stack"]
    expect(any(f.get("function") == "worker" for f in frames), "the caller is named",
           frames)


@test
def early_helper_stopped_when_nothing_spilled():
    r = run("many_spills", "1000", "7", "home", options="format=json:verbosity=2")
    rep = r.only_report()
    expect(r.rc == 0 and not rep["spills"], "clean", r.rc, rep["spills"][:2])
    expect("symbolizer started before the threads were read: not needed" in r.err,
           "the early helper was stopped", r.err[-400:])
    expect("namspill-symbolize" not in processes_now(), "and is gone")


def processes_now():
    names = []
    for p in os.listdir("/proc"):
        try:
            with open("/proc/%s/comm" % p) as f:
                names.append(f.read().strip())
        except (OSError, ValueError):
            pass
    return " ".join(names)


main()
