#!/usr/bin/env python3
"""Reports of processes with many threads, read by several helper threads
at once: every thread counted, exactly the spilled ones reported."""
import os
import re
import shutil
import sys
import tempfile

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
    r = run("many_spills", "600", "0", "main")  # main switched: the odd one out
    rep = r.only_report()
    expect(rep["threads"] == 601, "every thread counted", rep["threads"])
    expect([s["tid"] for s in rep["spills"]] == [rep["pid"]], "only main is foreign",
           rep["spills"][:3])
    expect(rep["spills"][0]["cause"]["call"] == "setns" and rep.get("ties") == {},
           "by its own call, the count deciding", rep["spills"][0].get("cause"))
    # Every worker switched and main did not: the workers are the spills,
    # though they are most of the threads, each with its own call.  The
    # records must say where each call took its thread (history_ns):
    # without that the count decides, as before.
    r = run("many_spills", "600", "1")
    rep = r.only_report()
    expect([s["tid"] for s in rep["spills"]] == [rep["pid"]] and rep.get("ties") == {},
           "without history_ns: the count", rep["spills"][:3])
    r = run("many_spills", "600", "1", options="format=json:history_ns=1")
    rep = r.only_report()
    spilled = sorted(int(l.split()[1]) for l in r.out.splitlines() if l.startswith("spilled "))
    expect(len(spilled) == 600 and sorted(s["tid"] for s in rep["spills"]) == spilled,
           "the 600 workers, not main", [s["tid"] for s in rep["spills"][:3]])
    expect(all(s["cause"]["call"] == "setns" and s["cause"]["tid"] == s["tid"]
               for s in rep["spills"]), "each by its own setns", rep["spills"][0].get("cause"))
    expect(rep.get("ties") == {"uts": "main_unmoved"}, "the rule that settled it",
           rep.get("ties"))
    # The threads went to a namespace and came back by recorded calls, and
    # main entered it unseen: not main's side, whatever the records say of
    # main; the count makes main the spill.
    r = run("many_spills", "20", "1", "rawmain", options="format=json:history_ns=1")
    rep = r.only_report()
    expect([s["tid"] for s in rep["spills"]] == [rep["pid"]] and rep.get("ties") == {},
           "main, moved unseen, is the spill", [s["tid"] for s in rep["spills"]][:3])


@test
def reads_cut_into_forced_parts_give_the_same_report():
    # The test mode cuts every read into parts whatever its size, so the
    # cutting and joining run with a dozen threads too (and, where helpers
    # may not run, in turn on the caller: under the sanitizers).
    for parts in ("2", "3", "4"):
        r = run("many_spills", "13", "3", env={"NSP_TEST_PARTS": parts})
        rep = r.only_report()
        want = sorted(int(line.split()[1]) for line in r.out.splitlines()
                      if line.startswith("spilled "))
        expect(rep["threads"] == 14, "%s parts: every thread counted" % parts, rep["threads"])
        expect(sorted(s["tid"] for s in rep["spills"]) == want,
               "%s parts: exactly the spilled threads" % parts, rep["spills"], want)


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
    # A stand-in helper that would wait 30 s: stopping it must end it.
    d = tempfile.mkdtemp()
    try:
        helper, pidfile = os.path.join(d, "helper"), os.path.join(d, "pid")
        with open(helper, "w") as f:
            f.write("#!/bin/sh\necho $$ > %s\nexec /bin/sleep 30\n" % pidfile)
        os.chmod(helper, 0o755)
        r = run("many_spills", "1000", "7", "home",
                options="format=json:verbosity=2:symbolizer=" + helper)
        rep = r.only_report()
        expect(r.rc == 0 and not rep["spills"], "clean", r.rc, rep["spills"][:2])
        expect("symbolizer started before the threads were read: not needed" in r.err,
               "the early helper was stopped", r.err[-400:])
        pid = None
        if os.path.exists(pidfile):  # else it was stopped before it ran
            with open(pidfile) as f:
                pid = int(f.read())
        expect(pid is None or not running(pid), "and is gone", pid)
    finally:
        shutil.rmtree(d)


def running(pid):
    """pid is there and not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:][:1] != "Z"


main()
