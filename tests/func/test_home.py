#!/usr/bin/env python3
"""Reports asked on a thread that moved to a mount namespace of its own are
taken from home (lib/rt/home.c): /proc and the log directory as the
process's threads at home see them, whichever thread moved and however
many ask at once.  tests/prog/home_away hides /proc and the log directory
in the namespaces it moves to; a report written there would be lost."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (test, main, expect, Live, Skip, BUILD,  # noqa: E402
                     PRELOAD_FIRST, RUNTIME_THREADS, SKIP_RC, TSAN, prog)

NAMSPILL = os.path.join(BUILD, "namspill")


def home_away(*args, options="format=json", wrap=None):
    live = Live("home_away", args[0], "{logdir}", *args[1:], options=options, wrap=wrap)
    return live.finish()


def judged_from_home(r, threads, spilled):
    """The one final report: trigger exit, `threads` threads (and a
    sanitizer's own), and a mnt spill for exactly the tids in `spilled`."""
    threads += RUNTIME_THREADS
    finals = [v for k, v in r.reports.items() if isinstance(k, int) and
              v.get("comm") == "home_away"]
    expect(len(finals) == 1, "one final report, in the real log directory", r.reports, r)
    rep = finals[0]
    expect(rep["trigger"] == "exit" and rep["error"] is None and rep["threads"] == threads,
           "an exit report read from the real /proc", rep)
    got = sorted(s["tid"] for s in rep["spills"] if s["type"] == "mnt")
    expect(got == sorted(spilled) and len(rep["spills"]) == len(spilled),
           "the threads away, and only they, spilled in mnt", rep)
    return rep


@test
def main_thread_away_exit_reports_from_home():
    r = home_away("main")
    expect(r.rc == 66, "the spill decides the status", r)
    judged_from_home(r, 3, [r.tids["main"]])


@test
def main_thread_away_with_proc_hidden_exit_reports_from_home():
    # Main's namespace shows no /proc: home is found through a thread
    # that never moved.
    r = home_away("main", "proc")
    expect(r.rc == 66, "the spill decides the status", r)
    judged_from_home(r, 3, [r.tids["main"]])


@test
def main_thread_away_in_a_pid_namespace_seen_through_its_parents_proc_reports_from_home():
    # pid 1 of a pid namespace of its own whose /proc is its parent's:
    # home is found, and this thread and the helper told from the others,
    # by /proc's numbers for them, not the process's own.
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("unshare --pid needs root and util-linux")
    for hide in ([], ["proc"]):
        r = home_away("main", *hide, wrap=["unshare", "--pid", "--fork"])
        expect(r.rc == 66, "the spill decides the status (%s)" % hide, r)
        rep = judged_from_home(r, 3, [r.tids["main"]])
        expect(rep["pid"] == 1 and rep["spills"][0]["cause"]["call"] == "unshare",
               "pid 1 there, by its own call", rep)


@test
def requests_on_threads_away_at_once_list_no_helper():
    # Each report's helper is left out of every list of threads, also of
    # the lists another report takes while it runs.
    n = 4
    r = home_away("requests", str(n), options="format=json:report_signal=SIGUSR1")
    expect(r.rc == 66 and "requests %d" % n in r.out, "every request written", r)
    reqs = [v for k, v in r.reports.items() if not isinstance(k, int)]
    finals = [v for k, v in r.reports.items() if isinstance(k, int)]
    expect(len(reqs) == n and len(finals) == 1, "a report per request, one final", r.reports)
    for rep in reqs + finals:
        expect(rep["error"] is None and rep["threads"] == n + 3 + RUNTIME_THREADS,
               "main, 2 home, %d away" % n, rep)
        expect(len(rep["spills"]) == n and all(s["type"] == "mnt" and s["cause"]
                                                for s in rep["spills"]),
               "the threads away, each with its cause, and no task of ours", rep)


@test
def after_a_clone_sharing_its_thread_pointer_a_thread_away_reports_from_home():
    # Once such a clone was seen, `self` is no longer trusted as it is.
    if TSAN:
        raise Skip("the clone runs instrumented code on its creator's thread pointer, "
                   "which ThreadSanitizer's runtime cannot take")
    r = home_away("shared-tls")
    expect(r.rc == 66, "the spill decides the status", r)
    judged_from_home(r, 5, [r.tids["away"]])


# No thread is left at home when the whole process moved (as a
# container's first process does): the helper goes to the parent's mount
# namespace, the one the process started in (read before its first move).
@test
def whole_process_away_still_reports_into_the_log_directory():
    r = home_away("whole")
    expect(r.rc == 66, "the spill decides the status", r)
    finals = [v for k, v in r.reports.items() if isinstance(k, int)]
    expect(len(finals) == 1 and len(finals[0]["spills"]) == 1 and
           finals[0]["spills"][0]["type"] == "uts", "the uts spill, in the log directory",
           r.reports, r)


@test
def whole_process_away_under_namspill_no_watch_still_fails_the_run():
    # namspill's private log directory (in TMPDIR) is hidden in the
    # process's namespace: neither its threads marker nor its report
    # arrives, and the run must not pass for that.
    if PRELOAD_FIRST:
        raise Skip("namspill runs the plain library; this build's is instrumented")
    tmp = tempfile.mkdtemp(prefix="nsp-home-")
    try:
        e = dict(os.environ, TMPDIR=tmp)
        e.pop("LD_PRELOAD", None)
        e.pop("NAMSPILL_OPTIONS", None)
        p = subprocess.run([NAMSPILL, "--no-watch", "--", prog("home_away"), "whole", tmp],
                           env=e, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if p.returncode == SKIP_RC:
        raise Skip(p.stderr.strip().splitlines()[-1])
    expect(p.returncode == 66 and "uts" in p.stderr, "the spill fails the run", p.returncode,
           p.stderr)


main()
