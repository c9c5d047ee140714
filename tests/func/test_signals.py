#!/usr/bin/env python3
"""Signals: reports at fatal signals and on request, with the program's
own handlers, dispositions and exit status as they would be without us."""
import json
import os
import resource
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (racing, test, run, main, expect, spills_by, functions, Live, LIB,  # noqa: E402
                     BUILD, prog, Skip, default_fatal_signals)

# Under ThreadSanitizer only the tests marked @racing run here (harness.racing).
RACING_ONLY = True

# Tests of deaths by SIGSEGV and of signal stacks; see the harness.
OWN_SEGV = default_fatal_signals()

HOOK = os.path.join(BUILD, "tests", "prog", "lib", "rename_hook.so")


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


no_core()


def leaker_spill(r, rep):
    got = spills_by(rep, r.tids["leaker"], "uts")
    expect(len(got) == 1 and len(rep["spills"]) == 1, "only the leaker's uts spill", rep)
    c = got[0]["cause"]
    expect(c and c["call"] == "unshare" and c["stack"][0]["function"] == "uts_leaker",
           "cause named by the helper: unshare in uts_leaker", got[0])
    expect(c["stack"][0]["file"].endswith("common.h") and c["stack"][0]["line"] > 0,
           "file:line from DWARF", c["stack"][0])
    return got[0]


def killed_by_outside(sig, options="format=json"):
    live = Live("sigs", "wait", options=options)
    live.wait_for("ready")
    live.p.send_signal(sig)
    return live.finish()


@test
@racing
def sigterm_from_outside_reports_and_kills_by_sigterm():
    r = killed_by_outside(signal.SIGTERM)
    expect(r.rc == -signal.SIGTERM, "killed by SIGTERM as without the shim", r)
    rep = r.only_report()
    expect(rep["trigger"] == "signal" and rep["signal"] == "SIGTERM", "signal report", rep)
    leaker_spill(r, rep)


@test
def each_default_signal_reports_with_its_name():
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGXCPU):
        r = killed_by_outside(sig)
        expect(r.rc == -sig, "killed by %s" % sig.name, r)
        rep = r.only_report()
        expect(rep["signal"] == sig.name, "named %s" % sig.name, rep)


@test
@racing
def fork_child_reports_its_own_death_under_its_pid():
    live = Live("sigs", "fork-wait")
    live.wait_for("ready")
    child = int([l for l in live.lines if l.startswith("tid main")][0].split()[2])
    os.kill(child, signal.SIGTERM)
    r = live.finish()
    expect(r.rc == 0 and "child killed by %d" % signal.SIGTERM in r.out, "parent saw it", r)
    rep = r.reports[child]
    expect(rep["trigger"] == "signal" and rep["pid"] == child, "child's signal report", rep)
    leaker_spill(r, rep)
    parent = r.reports[live.p.pid]
    expect(parent["trigger"] == "exit" and parent["spills"] == [], "parent's clean report", parent)


@test
def exitcode_does_not_apply_to_a_death_by_signal():
    r = killed_by_outside(signal.SIGTERM, "format=json:exitcode=42")
    expect(r.rc == -signal.SIGTERM, "still killed by SIGTERM", r)


@test
def signals_option_limits_which_signals_report():
    r = killed_by_outside(signal.SIGTERM, "format=json:signals=none")
    expect(r.rc == -signal.SIGTERM and not r.reports, "signals=none: no report", r)
    r = killed_by_outside(signal.SIGTERM, "format=json:signals=SIGINT+HUP")
    expect(r.rc == -signal.SIGTERM and not r.reports, "TERM not listed: no report", r)
    r = killed_by_outside(signal.SIGHUP, "format=json:signals='INT,HUP'")
    expect(r.rc == -signal.SIGHUP and r.only_report()["signal"] == "SIGHUP", "HUP listed", r)


@test
def bad_signals_value_warns_and_keeps_the_default():
    r = killed_by_outside(signal.SIGTERM, "format=json:signals=SIGKILL+TERM")
    expect("bad value for option 'signals=SIGKILL+TERM'" in r.err, "one warning", r)
    expect(r.only_report()["signal"] == "SIGTERM", "default list still on", r)


@test
# Not @racing: under ThreadSanitizer alone, without the shim, this program's
# SIGTERM handler never runs in about 1 run of 20 (every thread stays in
# pause(), the signal parked in TSan's deferred queue), so the test would
# measure TSan's delivery, not the shim.
def own_handler_runs_and_the_exit_report_follows():
    live = Live("sigs", "own-handler")
    live.wait_for("ready")
    live.p.send_signal(signal.SIGTERM)
    r = live.finish()
    expect("handled" in r.out and r.rc == 3, "the program's handler ran and chose 3", r)
    rep = r.only_report()
    expect(rep["trigger"] == "exit" and rep["signal"] is None, "exit report, not signal", rep)
    leaker_spill(r, rep)


@test
def dispositions_read_back_as_without_the_shim():
    want = None
    for preload in (False, True):
        r = run("sigs", "query", preload=preload, env=OWN_SEGV)
        lines = [l for l in r.out.splitlines() if not l.startswith(("tid", "ready"))]
        if want is None:
            want = lines
        expect(lines == want, "same answers with and without the shim", want, lines)
    expect(want == ["sigaction SIGTERM SIG_DFL", "signal SIGINT was SIG_DFL",
                    "sigaction SIGINT handled", "signal SIGINT was handled",
                    "signal SIGINT was SIG_DFL", "sigaltstack disabled"], "answers", want)


@test
def ignored_signal_stays_ignored():
    r = run("sigs", "ignore")
    expect("survived" in r.out and r.rc == 66, "SIGHUP ignored; exit report's status", r)


@test
def siginfo_and_own_signal_stack_work():
    r = run("sigs", "siginfo")
    expect("value 42 own_stack 1 altstack_reads_back 1" in r.out, "handler as installed", r)
    # A thread's first switch gives it a signal stack of ours only if it
    # has none: one it set before switching stays, and reads back.
    r = run("sigs", "siginfo-early")
    expect("value 42 own_stack 1 altstack_reads_back 1" in r.out,
           "own stack kept across the thread's first switch", r)


@test
def segv_in_a_worker_thread_reports_and_dumps_as_before():
    native = run("sigs", "segv-thread", preload=False, env=OWN_SEGV)
    r = run("sigs", "segv-thread", env=OWN_SEGV)
    expect(native.rc == -signal.SIGSEGV and r.rc == native.rc, "same death", native, r)
    rep = r.only_report()
    expect(rep["trigger"] == "signal" and rep["signal"] == "SIGSEGV", "SIGSEGV report", rep)
    leaker_spill(r, rep)


@test
def abort_reports_sigabrt():
    r = run("sigs", "abort")
    expect(r.rc == -signal.SIGABRT, "killed by SIGABRT", r)
    expect(r.only_report()["signal"] == "SIGABRT", "SIGABRT report", r)


@test
def abort_reports_when_the_programs_handler_returns_or_it_is_ignored():
    # glibc's abort() then gives SIGABRT back to the default with its own
    # sigaction and raises it again: no handler of ours would see it.
    for mode in ("abort-handler", "abort-ignored"):
        native = run("sigs", mode, preload=False)
        r = run("sigs", mode)
        expect(native.rc == -signal.SIGABRT and r.rc == native.rc, "same death", native, r)
        expect(r.out.count("abrt handler") == native.out.count("abrt handler") ==
               (mode == "abort-handler"), "the program's handler ran once, as without us", r)
        rep = r.only_report()
        expect(rep["trigger"] == "signal" and rep["signal"] == "SIGABRT", "SIGABRT report", rep)
        leaker_spill(r, rep)
    r = run("sigs", "abort-handler", options="format=json:signals=none")
    expect(r.rc == -signal.SIGABRT and r.out.count("abrt handler") == 1 and not r.reports,
           "signals=none: no report, the same death", r)


@test
def exhausted_stack_still_gets_a_report():
    r = run("sigs", "overflow", env=OWN_SEGV)
    expect(r.rc == -signal.SIGSEGV, "killed by SIGSEGV", r)
    rep = r.only_report()
    expect(rep["signal"] == "SIGSEGV", "report written on our signal stack", rep)
    leaker_spill(r, rep)


@test
def a_thread_begun_before_any_switch_gets_a_signal_stack_at_its_own():
    # Threads get a signal stack of ours only once the process has made a
    # switch (lib/rt/altstack.c); this one began before any, so it gets
    # one when it switches itself, and its overflow is still reported.
    # A vfork child's switch, on the thread's memory, is not the thread's.
    for mode in ("overflow-early", "overflow-vfork"):
        r = run("sigs", mode, env=OWN_SEGV)
        expect(r.rc == -signal.SIGSEGV, mode, "killed by SIGSEGV", r)
        # The vfork child, which switched, reports its own exit.
        rep = [v for v in r.reports.values() if v["trigger"] == "signal"]
        expect(len(rep) == 1 and len(r.reports) == 1 + (mode == "overflow-vfork"), mode,
               "one report at the signal", r.reports)
        rep = rep[0]
        expect(rep["signal"] == "SIGSEGV", mode, "report written on our signal stack", rep)
        got = spills_by(rep, r.tids["early"], "uts")
        expect(len(got) == 1 and got[0]["cause"] and got[0]["cause"]["call"] == "unshare",
               mode, "the overflowing thread's own uts spill, with its unshare", rep)
        expect(len(spills_by(rep, r.tids["leaker"], "uts")) == 1, mode, "and the leaker's", rep)


@test
def a_signal_stack_too_small_for_a_report_is_left_alone():
    r = run("sigs", "tiny-stack", env=OWN_SEGV)
    expect(r.rc == -signal.SIGSEGV, "killed by SIGSEGV", r)
    expect(not r.reports and "signal stack of this thread is too small" in r.err,
           "no report, one line saying why", r)


@test
@racing
def report_on_request_then_the_exit_report():
    live = Live("sigs", "stdin-exit", options="format=json:report_signal=SIGUSR2", stdin=True)
    live.wait_for("ready")
    for n in (1, 2):
        live.p.send_signal(signal.SIGUSR2)
        deadline = time.time() + 20
        want = os.path.join(live.logdir, "r.%d.request%d" % (live.p.pid, n))
        while not os.path.exists(want) and time.time() < deadline:
            time.sleep(0.02)
        expect(os.path.exists(want), "request report %d written" % n, os.listdir(live.logdir))
    live.p.stdin.write("exit\n")
    live.p.stdin.flush()
    r = live.finish()
    expect(r.rc == 66, "the program ran on to its exit", r)
    final = r.reports[live.p.pid]
    expect(final["trigger"] == "exit", "final report at exit", final)
    for n in (1, 2):
        req = r.reports["r.%d.request%d" % (live.p.pid, n)]
        expect(req["trigger"] == "request" and req["signal"] == "SIGUSR2", "request", req)
        leaker_spill(r, req)


@test
@racing
def signal_while_the_exit_report_is_written_gives_one_whole_report():
    live = Live("sigs", "stdin-exit", preload=[HOOK], stdin=True)
    live.wait_for("ready")
    live.p.stdin.write("exit\n")
    live.p.stdin.flush()
    r = live.finish()
    expect(r.rc == -signal.SIGTERM, "the SIGTERM that came meanwhile ends it", r)
    rep = r.only_report()
    expect(rep["trigger"] == "exit", "the exit report, whole", rep)
    leaker_spill(r, rep)


@test
@racing
def second_fatal_signal_while_reporting_gives_one_whole_report():
    live = Live("sigs", "wait", preload=[HOOK])
    live.wait_for("ready")
    live.p.send_signal(signal.SIGINT)
    r = live.finish()
    expect(r.rc in (-signal.SIGINT, -signal.SIGTERM), "died of one of them", r)
    rep = r.only_report()
    expect(rep["trigger"] == "signal" and rep["signal"] == "SIGINT", "one report", rep)


@test
def without_the_symbolizer_frames_keep_module_and_offset():
    r = killed_by_outside(signal.SIGTERM, "format=json:symbolizer=/nonexistent/x")
    expect(r.rc == -signal.SIGTERM, "killed by SIGTERM", r)
    expect("frames left unnamed" in r.err, "one line says so", r)
    c = r.only_report()["spills"][0]["cause"]
    f = c["stack"][0]
    expect(f["function"] is None and f["module"].endswith("/sigs") and f["offset"] > 0,
           "module+offset kept", f)


def main_spill(r, rep):
    """The uts spill of thread "leaker" (tests/prog/arming.c)."""
    got = spills_by(rep, r.tids["leaker"], "uts")
    expect(len(got) == 1 and len(rep["spills"]) == 1, "only the leaker's uts spill", rep)
    return got[0]


@test
def a_single_thread_that_switched_reports_its_death():
    # Armed at its one switch: no thread ever came.
    for how, sig in (("segv", signal.SIGSEGV), ("abrt", signal.SIGABRT),
                     ("term", signal.SIGTERM)):
        r = run("arming", "single", how, env=OWN_SEGV)
        expect(r.rc == -sig, "%s: dies of it, as without the shim" % how, r)
        rep = r.only_report()
        expect(rep["trigger"] == "signal" and rep["signal"] == signal.Signals(sig).name and
               rep["threads"] == 1, "%s: the report of that death" % how, rep)


@test
def the_programs_sigterm_handler_set_before_or_after_arming_runs():
    for when in ("before", "after"):
        r = run("arming", when)
        expect("handled" in r.out and r.rc == 3, "%s: its handler ran and chose 3" % when, r)
        rep = r.only_report()
        expect(rep["trigger"] == "exit", "%s: exit report" % when, rep)
        main_spill(r, rep)


@test
def sigaction_answers_as_without_the_shim_before_and_after_arming():
    native = run("arming", "query", preload=False, log=False)
    r = run("arming", "query")
    lines = [l for l in r.out.splitlines() if not l.startswith("tid")]
    want = [l for l in native.out.splitlines() if not l.startswith("tid")]
    expect(len(want) == 4 and lines == want, "the same answers at each point", want, lines)


@test
def a_vfork_childs_switch_leaves_the_parent_armed():
    # The child shares the parent's memory, not its signal handlers.
    r = run("arming", "vfork")
    expect(r.rc == -signal.SIGTERM, "killed by SIGTERM", r)
    got = [v for v in r.reports.values() if isinstance(v, dict) and v["trigger"] == "signal"]
    expect(len(got) == 1 and got[0]["signal"] == "SIGTERM", "the parent's report of its death",
           r.reports, r)
    main_spill(r, got[0])


def away_from_home(*how):
    live = Live("away", "{logdir}", *how)
    if how:
        live.wait_for("ready")
        live.p.send_signal(signal.SIGTERM)
    r = live.finish()
    rep = r.only_report()
    got = spills_by(rep, r.tids["away"], "mnt")
    expect(rep["threads"] == 4 and len(rep["spills"]) == 1 and got, "the real /proc read", rep)
    f = got[0]["cause"]["stack"][0]
    expect(f["function"] == "away" and f["file"].endswith("away.c"), "frames named", f)
    return r, rep


@test
def exit_from_a_thread_in_another_mount_namespace_reports_home():
    r, rep = away_from_home()
    expect(r.rc == 66 and rep["trigger"] == "exit", "exit report", r)


@test
def signal_on_a_thread_in_another_mount_namespace_reports_home():
    r, rep = away_from_home("signal")
    expect(r.rc == -signal.SIGTERM and rep["trigger"] == "signal", "signal report", r)


def storm(args, check):
    """Rounds of sig_storm ARGS, each killed with SIGTERM a moment after it
    is ready; check(round, result, report) judges each."""
    rounds = int(os.environ.get("NSP_STORM_ROUNDS", "25"))
    for i in range(rounds):
        live = Live("sig_storm", *args)
        live.wait_for("ready")
        time.sleep(0.01 + (i % 5) * 0.02)
        live.p.send_signal(signal.SIGTERM)
        r = live.finish(timeout=60)
        rep = r.only_report()
        got = spills_by(rep, r.tids["leaker"], "uts")
        expect(len(got) == 1 and got[0]["cause"]["stack"][0]["function"] == "uts_leaker",
               "round %d: the leaker and its call, named" % i, rep)
        check(i, r, rep)


@test
@racing
def storm_of_malloc_and_setns_never_hangs_or_loses_the_report():
    def check(i, r, rep):
        expect(r.rc == -signal.SIGTERM and rep["trigger"] == "signal",
               "round %d: killed by SIGTERM, signal report" % i, r)
    storm([], check)


@test
def exit_from_the_programs_own_handler_amid_malloc_never_hangs():
    def check(i, r, rep):
        expect(r.rc == 66 and rep["trigger"] == "exit",
               "round %d: exit(0) from the handler, with a spill; exit report" % i, r)
    storm(["exit-handler"], check)


main()
