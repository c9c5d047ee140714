#!/usr/bin/env python3
"""Reports of processes with many threads, read by several helper threads
at once: every thread counted, exactly the spilled ones reported."""
import fcntl
import os
import re
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import test, run, main, expect, prog, Skip, PRELOAD_FIRST  # noqa: E402


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


def kernel_opens_namespaces_by_pidfd():
    """Whether this kernel gives a thread's pidfd (6.9), its namespaces by
    ioctl (6.11) and its thread group (PIDFD_GET_INFO, 6.13): what the
    report needs to read namespaces that way (lib/base/pidfd.c)."""
    try:
        fd = os.pidfd_open(threading.get_native_id(), os.O_EXCL)  # PIDFD_THREAD
    except OSError:
        return False
    try:
        info = bytearray(64)
        info[0] = 1  # PIDFD_INFO_PID
        fcntl.ioctl(fd, 0xC040FF0B, info)  # PIDFD_GET_INFO
        os.close(fcntl.ioctl(fd, 0xFF04, 0))  # PIDFD_GET_NET_NAMESPACE
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def read_how(r):
    m = re.search(r"namespaces read (through pidfds|from /proc)", r.err)
    return m.group(1) if m else None


def check_spills(r, threads, label):
    rep = r.only_report()
    want = sorted(int(line.split()[1]) for line in r.out.splitlines()
                  if line.startswith("spilled "))
    expect(rep["threads"] == threads, "%s: every thread counted" % label, rep["threads"])
    expect(want and sorted(s["tid"] for s in rep["spills"]) == want,
           "%s: exactly the spilled threads" % label, rep["spills"][:3], want[:3])


@test
def namespaces_read_through_pidfds_or_proc_give_the_same_report():
    # Where the kernel can, a large report opens each thread's namespaces
    # from its pidfd instead of looking up seven /proc links (half the
    # time); under a seccomp filter not ours it keeps to /proc, which a
    # filter is likelier to allow.  Both must find the same spills.
    fast = "through pidfds" if kernel_opens_namespaces_by_pidfd() else "from /proc"
    r = run("many_spills", "600", "5", options="format=json:verbosity=2")
    expect(read_how(r) == fast, "read %s" % fast, r.err[-400:])
    check_spills(r, 601, fast)
    r = run("many_spills", "600", "5", "seccomp", options="format=json:verbosity=2")
    expect(read_how(r) == "from /proc", "a filter not ours: /proc", r.err[-400:])
    check_spills(r, 601, "/proc")
    # Too few threads to be worth the set-up: /proc.
    r = run("many_spills", "20", "5", options="format=json:verbosity=2")
    expect(read_how(r) == "from /proc", "20 threads: /proc", r.err[-400:])
    check_spills(r, 21, "20 threads")


@test
def threads_come_from_the_records_only_when_they_are_all():
    # A report of its own process takes its threads from the shim's
    # records instead of listing /proc/PID/task (an inode for the kernel
    # to make per thread), but only when the kernel counts as many threads
    # and each is read as one of the process's.  A thread the shim never
    # saw (made by clone(), switched by the syscall instruction) makes the
    # count differ: then the threads are listed, and it is found.
    # Where pid_max leaves a million pids to spare (a freed tid is then
    # not another thread's before the reads are done), or where each
    # thread's pidfd says it was made before the count (pidfs numbers pids
    # in the order it makes them).  Set for the test where it is less, as
    # systemd sets it, and put back.
    with open("/proc/sys/kernel/pid_max") as f:
        old = f.read().strip()
    if int(old) < 4194304:
        if os.geteuid() != 0:
            raise Skip("pid_max %s: reading threads from the records needs 4194304 (root "
                       "sets it for the test)" % old)
        with open("/proc/sys/kernel/pid_max", "w") as f:
            f.write("4194304")
    try:
        r = run("many_spills", "600", "5", options="format=json:verbosity=2")
        expect("threads as recorded" in r.err, "600 threads, all with records", r.err[-400:])
        check_spills(r, 601, "as recorded")
        r = run("many_spills", "600", "5", "rawthread", options="format=json:verbosity=2")
        expect("threads listed" in r.err, "one without a record: listed", r.err[-400:])
        check_spills(r, 602, "with a thread the shim never saw")
        # And one more the records still count, ended unseen: the kernel's
        # count is the records' again, but that tid reads as no thread.
        r = run("many_spills", "600", "5", "ghost", options="format=json:verbosity=2")
        expect("threads listed" in r.err, "a thread ended unseen: listed", r.err[-400:])
        check_spills(r, 602, "with a thread ended unseen")
    finally:
        if int(old) < 4194304:
            with open("/proc/sys/kernel/pid_max", "w") as f:
                f.write(old)
    if int(old) < 4194304:
        # And with the pid space as it was, small: the pidfds vouch for
        # each thread where the kernel has them and a helper may be made
        # for the mark (not in sanitizer builds), else listed.
        how = ("as recorded" if kernel_opens_namespaces_by_pidfd() and not PRELOAD_FIRST
               else "listed")
        r = run("many_spills", "600", "5", options="format=json:verbosity=2")
        expect("threads " + how in r.err, "pid_max %s: %s" % (old, how), r.err[-400:])
        check_spills(r, 601, "small pid space")


@test
def a_tid_handed_to_the_reports_own_helper_is_not_taken_for_a_known_thread():
    # The pid space full (pid_max 1100 in a pid namespace of its own): a
    # thread the records still count ended unseen, and its tid is the next
    # the kernel hands out but one.  The report takes one pid for its mark
    # and gives it back; its reading helper then gets the ghost's tid, and
    # reads as the thread the records know, while the thread made by
    # clone() that switched unseen is counted in the ghost's place.  The
    # helper was made after the count: its pidfd says so, and the threads
    # are listed (without that check, this spill went unseen every time).
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("a pid namespace with its own pid_max needs root and util-linux")
    if not kernel_opens_namespaces_by_pidfd():
        raise Skip("this kernel has no pidfds to read threads by: they are listed")
    r = run("/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
            "echo 1100 > /proc/sys/kernel/pid_max && exec \"$0\" 300 0 ghost fill",
            prog("many_spills"), options="format=json:verbosity=2")
    if "pid_max" in r.err and "sh:" in r.err:
        raise Skip("this kernel keeps one pid_max for every pid namespace (before 6.14)")
    reps = [x for x in r.reports.values() if x["comm"] == "many_spills" and x["threads"]]
    want = sorted(int(line.split()[1]) for line in r.out.splitlines()
                  if line.startswith("spilled "))
    expect(re.search(r"ghost \d+, \d+ fillers", r.out), "the pid space was filled", r.out[-300:])
    expect(len(reps) == 1 and len(want) == 1, "one report, one spill made", r.reports.keys(), want)
    expect(sorted(s["tid"] for s in reps[0]["spills"]) == want, "the unseen spill is found",
           reps[0]["spills"], want)
    expect("threads listed" in r.err, "the threads were listed", r.err[-600:])


@test
def pid_namespace_with_its_own_proc_reads_through_pidfds():
    # In a pid namespace with its /proc mounted there, /proc's thread ids
    # are the process's own and the pidfds open the right threads.
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("unshare --pid --mount-proc needs root and util-linux")
    fast = "through pidfds" if kernel_opens_namespaces_by_pidfd() else "from /proc"
    r = run("/usr/bin/unshare", "--pid", "--fork", "--mount-proc",
            prog("many_spills"), "300", "5", options="format=json:verbosity=2")
    reps = [x for x in r.reports.values() if x["comm"] == "many_spills"]
    expect(len(reps) == 1 and reps[0]["pid"] == 1, "the program is pid 1 there", r.reports)
    expect(fast in r.err, "read %s" % fast, r.err[-600:])
    want = sorted(int(line.split()[1]) for line in r.out.splitlines()
                  if line.startswith("spilled "))
    expect(reps[0]["threads"] == 301 and sorted(s["tid"] for s in reps[0]["spills"]) == want,
           "exactly the spilled threads", reps[0]["spills"][:3], want[:3])


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
