#!/usr/bin/env python3
"""Functional tests of the core shim: what programs did vs. what the
report says."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (test, run, main, expect, spills_by, functions, WRAP,  # noqa: E402
                     own_frames, Skip, TSAN, RUNTIME_THREADS, tsan_options, prog, line_of,
                     collect_reports, Live)


@test
def setns_leak_is_reported_with_its_call_site():
    r = run("leak_setns")
    rep = r.only_report()
    expect(r.rc == 66, "spill turns exit 0 into 66", r)
    expect(rep["trigger"] == "exit" and rep["signal"] is None, "exit trigger", rep)
    expect(rep["threads"] == 4 + RUNTIME_THREADS, "4 threads seen", rep)
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
    cr = s["creation"]
    expect(cr["parent_tid"] == r.tids["main"] and "main" in functions(cr["stack"]),
           "created by main, with the creation stack", cr)


@test
def without_preload_nothing_changes():
    r = run("leak_setns", preload=False)
    expect(r.rc == 0 and not r.reports and "namspill" not in r.err, "native run", r)


def one_spill(rep, tid, type):
    got = spills_by(rep, tid, type)
    expect(len(got) == 1, "one %s spill for %s" % (type, tid), rep)
    return got[0]


def check_cause(s, call, tid, flags, frame0):
    c = s["cause"]
    expect(c is not None, "cause recorded", s)
    expect(c["call"] == call and c["tid"] == tid and c["flags"] == flags,
           "cause %s by %s with %s" % (call, tid, flags), c)
    expect(c["stack"][0]["function"] == frame0, "frame 0 is %s" % frame0, c["stack"])


@test
def unshare_leak_reported_and_tidy_thread_is_not():
    r = run("leak_unshare")
    rep = r.only_report()
    expect([s["tid"] for s in rep["spills"]] == [r.tids["leaker"]], "only leaker", rep)
    s = one_spill(rep, r.tids["leaker"], "uts")
    check_cause(s, "unshare", r.tids["leaker"], ["CLONE_NEWUTS"], "isolate_hostname")


@test
def pidfd_setns_changes_two_types_with_one_call():
    r = run("pidfd")
    rep = r.only_report()
    leaker = r.tids["leaker"]
    expect(sorted(s["type"] for s in rep["spills"]) == ["net", "uts"], "net and uts", rep)
    for t in ("net", "uts"):
        s = one_spill(rep, leaker, t)
        check_cause(s, "setns", leaker, ["CLONE_NEWNET", "CLONE_NEWUTS"],
                    "join_child_namespaces")
    seqs = {s["cause"]["seq"] for s in rep["spills"]}
    expect(len(seqs) == 1, "the same call explains both", rep)


@test
def setns_with_zero_type_takes_the_type_from_the_fd():
    r = run("setns_zero")
    rep = r.only_report()
    s = one_spill(rep, r.tids["leaker"], "net")
    check_cause(s, "setns", r.tids["leaker"], ["CLONE_NEWNET"], "enter_any")


@test
def raw_syscall_setns_and_unshare_are_recorded():
    r = run("raw_syscall")
    rep = r.only_report()
    expect(len(rep["spills"]) == 2, "two spills", rep)
    check_cause(one_spill(rep, r.tids["setter"], "net"), "setns", r.tids["setter"],
                ["CLONE_NEWNET"], "raw_enter")
    check_cause(one_spill(rep, r.tids["unsharer"], "uts"), "unshare", r.tids["unsharer"],
                ["CLONE_NEWUTS"], "raw_unshare")


@test
def inherited_spill_names_the_creators_call_and_each_hop():
    r = run("inherited")
    rep = r.only_report()
    a, b, c = r.tids["A"], r.tids["B"], r.tids["C"]
    expect(sorted(s["tid"] for s in rep["spills"]) == sorted([b, c]), "B and C spilled", rep)
    sb = one_spill(rep, b, "net")
    check_cause(sb, "setns", a, ["CLONE_NEWNET"], "enter_sandbox")
    hops = sb["inherited_via"]
    expect([(h["tid"], h["parent_tid"]) for h in hops] == [(b, a)], "B <- A", hops)
    expect(own_frames(hops[0]["stack"])[0]["function"] == "spawn_child", "B's creation stack",
           hops)
    sc = one_spill(rep, c, "net")
    check_cause(sc, "setns", a, ["CLONE_NEWNET"], "enter_sandbox")
    hops = sc["inherited_via"]
    expect([(h["tid"], h["parent_tid"]) for h in hops] == [(c, b), (b, a)], "C <- B <- A", hops)
    expect(own_frames(hops[0]["stack"])[0]["function"] == "spawn_grandchild",
           "C's creation stack", hops)


@test
def openmp_pool_thread_is_caught():
    r = run("omp_pool")
    rep = r.only_report()
    s = one_spill(rep, r.tids["leaker"], "net")
    check_cause(s, "setns", r.tids["leaker"], ["CLONE_NEWNET"], "task_enters_ns")
    expect(len(rep["spills"]) == 1, "only one", rep)


@test
def threads_the_shim_did_not_create_are_recorded_lazily():
    if TSAN:
        # Instrumented code (the program's, the library's) needs the
        # thread state that TSan's pthread_create sets up.
        raise Skip("a thread started past ThreadSanitizer's pthread_create cannot run "
                   "instrumented code")
    r = run("foreign_pool")
    rep = r.only_report()
    s = one_spill(rep, r.tids["leaker"], "net")
    check_cause(s, "setns", r.tids["leaker"], ["CLONE_NEWNET"], "pool_task")
    expect(len(rep["spills"]) == 1, "only one", rep)


@test
def fork_child_reports_under_its_own_pid():
    # TSan refuses threads in the child of a multi-threaded fork unless
    # told to go on; the child is what this test is about.
    r = run("fork_child", env=tsan_options("die_after_fork=0"))
    expect(r.rc == 0, "parent clean: status 0", r)
    lines = dict(l.split(" ", 1) for l in r.out.splitlines() if l.startswith(("child ", "parent ")))
    child = int(lines["child"])
    parent = int(lines["parent"].split()[0])
    expect(lines["parent"].endswith("child_status 66"), "child exited 66", r.out)
    expect(sorted(r.reports) == sorted([child, parent]), "a report per process", r.reports.keys())
    expect(r.reports[parent]["spills"] == [] and r.reports[parent]["threads"] == 2 + RUNTIME_THREADS,
           "parent clean with its 2 threads", r.reports[parent])
    crep = r.reports[child]
    expect(crep["threads"] == 3, "child has its own 3 threads", crep)
    s = one_spill(crep, r.tids["child_leaker"], "net")
    check_cause(s, "setns", r.tids["child_leaker"], ["CLONE_NEWNET"], "child_leaks")


@test
def exit_from_a_thread_reports_and_keeps_program_output():
    r = run("exit_thread")
    rep = r.only_report()
    expect(r.rc == 66, "exit(0) with a spill becomes 66", r)
    expect(rep["threads"] == 4 + RUNTIME_THREADS, "report taken while all 4 threads live", rep)
    one_spill(rep, r.tids["leaker"], "net")
    for text in ("buffered line without newline", "atexit handler ran", "destructor ran"):
        expect(text in r.out, "stdout still has: " + text, r)


@test
def failing_calls_keep_return_values_and_errno_and_record_nothing():
    native = run("failing", preload=False)
    shim = run("failing")
    expect(native.out == shim.out, "same results and errno", native.out, shim.out)
    expect("= -1 errno" in native.out and "pthread_create(huge stack) = 22" in native.out
           or "pthread_create(huge stack) = 11" in native.out, "calls really failed", native.out)
    expect(shim.only_report()["spills"] == [], "nothing recorded", shim.reports)
    expect(shim.rc == 0 == native.rc, "status", shim)


@test
def sixty_four_threads_with_several_leaks_exactly():
    r = run("many")
    rep = r.only_report()
    expect(rep["threads"] == 65 + RUNTIME_THREADS, "65 threads", rep)
    want = set()
    for name, tid in r.tids.items():
        want.add((tid, "net" if name.startswith("net") else "uts"))
    got = {(s["tid"], s["type"]) for s in rep["spills"]}
    expect(got == want, "exactly the threads that switched", sorted(got ^ want))
    for s in rep["spills"]:
        expect(s["cause"]["tid"] == s["tid"] and s["cause"]["stack"][0]["function"] == "worker",
               "each explained by its own call", s)


@test
def clean_program_writes_a_clean_report_and_keeps_status():
    r = run("clean", "7")
    rep = r.only_report()
    expect(rep["spills"] == [] and rep["error"] is None, "clean", rep)
    expect(r.rc == 7, "status kept", r)
    r = run("clean")
    expect(r.rc == 0 and r.err == "", "quiet when clean", r)


@test
def exit_status_rules():
    expect(run("leak_setns", "3").rc == 3, "own nonzero status kept")
    expect(run("leak_setns", options="format=json:exitcode=0").rc == 0, "exitcode=0 keeps 0")
    expect(run("leak_setns", options="format=json:exitcode=42").rc == 42, "exitcode=42")


@test
def text_report_names_the_culprit():
    r = run("leak_setns", options="", log=False)
    expect(r.rc == 66, "status", r)
    err = r.err
    expect("ERROR: namspill: thread %d" % r.tids["leaker"] in err, "names the thread", err)
    expect("setns(CLONE_NEWNET)" in err and " in leak_here " in err, "names the call", err)
    expect("leak_setns.c:" in err, "file:line", err)
    last = err.strip().splitlines()[-1]
    expect(last.startswith("SUMMARY: namspill: 1 thread of %d left in a foreign namespace (net)"
                           % (4 + RUNTIME_THREADS)),
           "summary line", last)


@test
def bad_options_warn_once_and_the_program_runs_on():
    r = run("leak_setns", options="format=json:bogus=1:exitcode=banana")
    warnings = [l for l in r.err.splitlines() if l.startswith("namspill: warning:")]
    if WRAP:  # valgrind's launcher, a dynamic program, loads the library too
        warnings = list(dict.fromkeys(warnings))
    expect(len(warnings) == 2 and "bogus" in warnings[0] and "exitcode" in warnings[1],
           "one line per bad entry", r.err)
    expect(r.rc == 66 and len(r.reports) == 1, "defaults kept", r)


@test
def help_prints_the_options_table():
    r = run("clean", options="help=1", log=False)
    expect(r.rc == 0 and "log_path=" in r.err and "exitcode=66" in r.err, "table", r.err)


@test
def unwritable_log_path_falls_back_to_stderr():
    r = run("leak_setns", options="log_path=/nonexistent-dir/r", log=False)
    expect("namspill: cannot write report to /nonexistent-dir/r." in r.err, "one line", r.err)
    expect("SUMMARY: namspill:" in r.err and r.rc == 66, "report on stderr", r)


@test
def inlined_caller_of_setns_is_named_with_its_call_site():
    r = run("o2_inline")
    st = one_spill(r.only_report(), r.tids["leaker"], "net")["cause"]["stack"]
    expect(st[0]["function"] == "enter_inlined" and st[0].get("inlined") is True,
           "frame 0 is the inlined function", st[:3])
    expect(st[0]["line"] == line_of("o2_inline.c", "INLINE_SETNS"), "its line", st[0])
    expect(st[1]["function"] == "outer_caller" and st[1]["ip"] == st[0]["ip"],
           "frame 1 is the function it was inlined into", st[:3])
    expect(st[1]["line"] == line_of("o2_inline.c", "CALL_SITE"), "at the call site", st[1])


@test
def clang_dwarf_without_aranges_gets_file_line_and_inlining():
    if not os.path.exists(prog("clang_o2_inline")):
        raise Skip("no clang to build clang_o2_inline")
    # The helper names the frames, then the exit report itself.
    for options in ("format=json", "format=json:symbolizer=/nonexistent/x"):
        r = run("clang_o2_inline", options=options)
        st = one_spill(r.only_report(), r.tids["leaker"], "net")["cause"]["stack"]
        expect(st[0]["function"] == "enter_inlined" and st[0].get("inlined") is True and
               st[0]["line"] == line_of("o2_inline.c", "INLINE_SETNS"),
               "frame 0 is the inlined function at its line", options, st[:3])
        expect(st[1]["function"] == "outer_caller" and
               st[1]["line"] == line_of("o2_inline.c", "CALL_SITE"),
               "frame 1 its caller at the call site", options, st[:3])


@test
def static_function_named_from_symtab_without_debug_info():
    r = run("nodebug_leak")
    st = one_spill(r.only_report(), r.tids["leaker"], "net")["cause"]["stack"]
    expect(st[0]["function"] == "leak_here" and st[0]["file"] is None and st[0]["line"] is None,
           "static function from .symtab, no file:line", st[0])
    expect(st[0]["module"].endswith("/nodebug_leak") and st[0]["offset"] > 0, "module+offset", st[0])


@test
def cxx_functions_are_demangled():
    for options in ("format=json", "format=json:symbolizer=/nonexistent/x"):
        r = run("cxx_leak", options=options)
        s = r.only_report()["spills"][0]
        expect(s["tid"] == r.tids["leaker"], "the leaker", s)
        names = functions(s["cause"]["stack"])
        expect(names[0] == "net::Sandbox::enter(int)", "demangled, by the helper or "
               "in process (%s)" % options, names)


@test
def pid_namespace_unshared_on_a_worker_is_still_judged():
    # pid_for_children has no name until the thread makes a process: the
    # thread must not drop out of the check (it also moved to another net).
    r = run("pidns")
    rep = r.only_report()
    leaker = r.tids["leaker"]
    expect(rep["threads"] == 3 + RUNTIME_THREADS and r.rc == 66, "all 3 threads judged", r)
    types = sorted(s["type"] for s in spills_by(rep, leaker, None))
    expect(types == ["net", "pid_for_children"], "net and the pending pid namespace", rep)
    pid = spills_by(rep, leaker, "pid_for_children")[0]
    expect(pid["inode"] is None, "no inode yet", pid)
    expect(sorted(pid["cause"]["flags"]) == ["CLONE_NEWNET", "CLONE_NEWPID"], "the call", pid)


@test
def pid_namespace_unshared_on_main_alone_is_flagged():
    r = run("pidns", "main")
    rep = r.only_report()
    expect(r.rc == 66 and [s["tid"] for s in rep["spills"]] == [r.tids["main"]],
           "main, in a pid namespace of its own to come", rep)
    expect(rep["spills"][0]["type"] == "pid_for_children", "pid_for_children", rep)


def in_pid_namespace(*cmd, **kw):
    """cmd as pid 1 of a pid namespace of its own that sees its parent's
    /proc (unshare --pid --fork without --mount-proc), where 1 is another
    process: the report must read the program itself."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("unshare --pid needs root and util-linux")
    return run("/usr/bin/unshare", "--pid", "--fork", *cmd, **kw)


@test
def pid_namespace_seen_through_its_parents_proc_reports_itself():
    r = in_pid_namespace(prog("many_spills"), "30", "10")
    # pid 1 there: the program (under valgrind, valgrind running it).
    reps = [x for x in r.reports.values() if x["pid"] == 1]
    expect(len(reps) == 1, "the program's report", list(r.reports.values()))
    rep = reps[0]
    expect(rep["threads"] == 31 + RUNTIME_THREADS and rep["error"] is None,
           "pid 1, its own 31 threads read", {k: rep[k] for k in ("pid", "threads", "error")})
    # Numbered as the program numbers them: what it printed, and the
    # threads its records name.
    want = sorted(int(l.split()[1]) for l in r.out.splitlines() if l.startswith("spilled "))
    expect(want and sorted(s["tid"] for s in rep["spills"]) == want, "the spilled threads",
           rep["spills"], want)
    expect(all(s["cause"] and s["cause"]["tid"] == s["tid"] and s["comm"] == rep["comm"]
               for s in rep["spills"]), "each by its own setns, its name read", rep["spills"][0])
    expect(r.rc == 66, "the spills' status", r.rc)


@test
def io_uring_kernel_threads_are_not_judged():
    # iou-sqp-* and iou-wrk-* are listed among the threads but never run
    # the program's code: main alone moving away is no spill.
    r = run("io_uring")
    expect(r.out.startswith("threads 3"), "the ring's two kernel threads are there", r)
    rep = r.only_report()
    expect(r.rc == 0 and rep["spills"] == [], "no spill", rep)


@test
def every_exit_path_gets_the_report_and_the_status_rule():
    for how in ("_exit", "_Exit", "exit_group"):
        r = run("exit_paths", how)
        rep = r.only_report()
        expect(r.rc == 66, "%s: the spill turns 0 into 66" % how, r)
        expect([s["tid"] for s in rep["spills"]] == [r.tids["leaker"]], "%s: the leaker" % how,
               rep)
        expect(rep["spills"][0]["cause"]["call"] == "unshare", "%s: its call" % how, rep)


@test
def exit_on_a_thread_with_a_cancellation_pending_still_ends_the_process():
    # The report opens and reads files, cancellation points: a pending
    # cancellation must not end the thread there instead of the process.
    r = run("exit_paths", "cancel_pending", timeout=90)
    expect("only its thread" not in r.out and r.rc == 66, "exit(0) ended the process", r)
    rep = r.only_report()
    expect([s["tid"] for s in rep["spills"]] == [r.tids["leaker"]], "the leaker", rep)


@test
def exit_of_the_last_thread_gets_the_report():
    # main has ended (pthread_exit); the worker's syscall(SYS_exit) ends the
    # process: alone by then, it is its own majority, but the report comes.
    if RUNTIME_THREADS:
        raise Skip("a sanitizer's own thread outlives the last of the program's: the "
                   "process does not end there, with or without the library")
    r = run("exit_paths", "last_thread")
    rep = r.only_report()
    expect(r.rc == 0 and rep["threads"] == 1 and rep["spills"] == [], "a clean report", r, rep)


@test
def functions_looked_up_in_libcs_own_handle_are_recorded():
    r = run("dl_libc")
    rep = r.only_report()
    for name, call, frame0 in (("dlsym", "unshare", "by_dlsym"), ("dlvsym", "setns", "by_dlvsym"),
                               ("syscall", "unshare", "by_syscall")):
        got = spills_by(rep, r.tids[name])
        expect(len(got) == 1 and got[0]["cause"], "%s: the spill has its cause" % name, rep)
        c = got[0]["cause"]
        expect(c["call"] == call and c["stack"][0]["function"] == frame0,
               "%s: %s called from %s" % (name, call, frame0), c)


@test
def python_ctypes_callers_are_recorded():
    # ctypes.CDLL(find_library("c")) is a handle of the C library itself.
    script = ("import ctypes, ctypes.util, threading, time, os\n"
              "libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)\n"
              "def w():\n"
              "    assert libc.unshare(0x04000000) == 0\n"
              "    print('tid leaker', threading.get_native_id(), flush=True)\n"
              "    time.sleep(30)\n"
              "threading.Thread(target=w, daemon=True).start()\n"
              "time.sleep(0.5)\n")
    if os.geteuid() != 0:
        raise Skip("unshare(CLONE_NEWUTS) needs root here")
    r = run(sys.executable, "-c", script)
    rep = r.only_report()
    got = spills_by(rep, r.tids["leaker"], "uts")
    expect(len(got) == 1 and got[0]["cause"] and got[0]["cause"]["call"] == "unshare",
           "the ctypes call is the cause", rep)
    expect("ffi_call" in functions(got[0]["cause"]["stack"]), "its stack reaches ffi_call",
           got[0]["cause"]["stack"])


@test
def whichever_thread_exits_the_spill_sets_the_status():
    # The second exit(0) comes while the first one's atexit handler runs.
    for i in range(3):
        r = run("exit_race")
        expect(r.rc == 66, "round %d: 66 though a second thread called exit(0)" % i, r)
    # Four threads at once: the one that ends the process may not be the
    # one that wrote the report.
    for i in range(20):
        r = run("exit_race", "4")
        expect(r.rc == 66, "round %d of 4 concurrent exits: 66" % i, r)


ODD_NAME = "\nSUMMARY:ok\x1b[8m"


@test
def names_from_the_process_cannot_forge_text_report_lines():
    r = run("odd_names", options="format=text")
    text = r.only_report()
    expect(r.rc == 66 and isinstance(text, str), "a text report", r)
    expect("\x1b" not in text, "no escape byte reaches the terminal", repr(text))
    expect([l for l in text.splitlines() if l.startswith("SUMMARY")] ==
           [text.splitlines()[-1]], "one SUMMARY line, the last", repr(text))
    expect("thread %d (\\x0aSUMMARY:ok\\x1b[8m)" % r.tids["leaker"] in text,
           "the thread name shown escaped", repr(text))
    expect("odd\\x1b[8m\\x0aSUMMARY: forged.c:3" in text, "a file name from DWARF too",
           repr(text))
    rep = run("odd_names").only_report()
    expect(rep["spills"][0]["comm"] == ODD_NAME, "JSON keeps the name as it is", rep)


@test
def long_command_lines_are_cut_with_a_marker():
    a, b = "a" * 40000, "b" * 40000
    rep = run("clean", a, b).only_report()
    expect(rep.get("argv_truncated") is True, "the report says argv was cut", rep.keys())
    expect(len("\0".join(rep["argv"])) == 64 << 10 and rep["argv"][1] == a and
           b.startswith(rep["argv"][2]), "the first 64 KiB kept", [len(x) for x in rep["argv"]])
    rep = run("clean", a).only_report()
    expect(rep["argv_truncated"] is False and rep["argv"][1:] == [a], "whole argv", rep.keys())
    # A process killed by SIGKILL leaves only its start marker, whose
    # command line is cut at 4 KiB.
    for arg, cut in (("c" * 10000, True), ("c" * 100, False)):
        live = Live("cli_leak", "wait", arg, options="format=json:start_marker=1")
        live.wait_for("ready")
        live.p.kill()
        r = live.finish()
        mark = [v for k, v in r.reports.items() if str(k).endswith(".threads")]
        expect(len(mark) == 1 and len(r.reports) == 1, "the marker alone", r.reports.keys())
        expect(mark[0].get("argv_truncated") is cut, "the marker says whether argv was cut", mark)
        expect(len("\0".join(mark[0]["argv"])) == 4 << 10 if cut else
               mark[0]["argv"][1:] == ["wait", arg], "4 KiB of it, or all", mark)


@test
def a_tie_is_settled_by_the_records_and_says_so():
    if RUNTIME_THREADS:
        raise Skip("the sanitizer's own thread breaks the 1:1 tie")
    for mode, mover, fn in (("main-moves", "main", "main_moves"),
                            ("worker-moves", "worker", "worker_moves")):
        r = run("tie", mode)
        rep = r.only_report()
        expect(r.rc == 66 and rep["threads"] == 2, "two threads, a spill", r)
        s = one_spill(rep, r.tids[mover], "uts")
        expect(len(rep["spills"]) == 1, "only the thread that moved (%s)" % mode, rep)
        check_cause(s, "unshare", r.tids[mover], ["CLONE_NEWUTS"], fn)
        expect(rep.get("ties") == {"uts": "unmoved"}, "the rule that settled it", rep)
    r = run("tie", "main-moves", options="format=text")
    text = r.only_report()
    expect("in 1 of 2 threads (a tie: taken as home where no thread has a recorded switch)"
           in text and " in main_moves " in text, "the text says so too", text)


def lost_names(mode, options, copy=False):
    """lost_names MODE with a suppression of its spill, the reports in a
    directory anyone may write (the setuid mode writes as nobody); the
    program itself is run from a copy there when copy is set."""
    d = tempfile.mkdtemp(prefix="nsp-lost-")
    try:
        os.chmod(d, 0o777)
        with open(os.path.join(d, "supp"), "w") as f:
            f.write("spill:leaky_*\n")
        name = prog("lost_names")
        if copy:
            shutil.copy(name, d)
            name = os.path.join(d, "lost_names")
        r = run(name, mode, log=False, options="log_path=%s/r:suppressions=%s/supp:%s"
                % (d, d, options))
        os.unlink(os.path.join(d, "supp"))
        reports = collect_reports(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    expect(len(reports) == 1, "one report", r, reports)
    return r, next(iter(reports.values()))


def names_found(r, rep, options, argv):
    s = one_spill(rep, r.tids["leaker"], "uts")
    f = s["cause"]["stack"][0]
    expect(f["function"] == "leaky_unshare" and f["file"].endswith("lost_names.c") and
           os.path.basename(f["module"]) == "lost_names", "frame 0 named (%s)" % options, f)
    expect(r.rc == 0 and rep["suppressed"] == 1, "so the suppression matched", r, rep)
    # Under valgrind /proc shows valgrind's command line, the program's at
    # its end: it only makes /proc/self/cmdline the program's.
    expect(rep["argv"][-1:] == [argv] if WRAP else rep["argv"][1:] == [argv],
           "argv known", rep["argv"])


@test
def deleted_executable_still_gets_names():
    for options in ("format=json", "format=json:symbolizer=/nonexistent/x"):
        r, rep = lost_names("unlink", options, copy=True)
        names_found(r, rep, options, "unlink")


@test
def names_and_argv_with_the_main_thread_a_zombie():
    for options in ("format=json", "format=json:symbolizer=/nonexistent/x"):
        r, rep = lost_names("zombie-main", options)
        names_found(r, rep, options, "zombie-main")


@test
def names_after_the_process_dropped_root():
    if os.geteuid() != 0:
        raise Skip("needs root to setuid")
    for options in ("format=json", "format=json:symbolizer=/nonexistent/x"):
        r, rep = lost_names("setuid", options)
        names_found(r, rep, options, "setuid")


@test
def a_thread_kept_alive_by_its_destructors_keeps_its_cause():
    # The library lets go of a thread's record in its cleanup; the
    # program's thread-specific data destructors run later, and one that
    # blocks keeps the thread in /proc.  Its record must outlive the next
    # thousand thread ends on the same CPU (one quarantine ring).
    r = run("linger", "1000")
    rep = r.only_report()
    s = one_spill(rep, r.tids["lingerer"], "uts")
    check_cause(s, "unshare", r.tids["lingerer"], ["CLONE_NEWUTS"], "isolate_hostname")


@test
def a_thread_that_creates_a_thread_in_its_destructors_keeps_its_cause():
    # The creation gives the ended thread a record again; the report must
    # still take the cause from the one it ended with.
    r = run("linger", "10", "late")
    rep = r.only_report()
    s = one_spill(rep, r.tids["lingerer"], "uts")
    check_cause(s, "unshare", r.tids["lingerer"], ["CLONE_NEWUTS"], "isolate_hostname")
    expect(s["inherited_via"] == [] and s["history"], "its own call, and its path", s)


@test
def a_thread_left_behind_in_its_destructors_keeps_its_creation_stack():
    # It never switched: main did, after it, and two threads with main.
    # Its record (nothing but who created it, and where) must outlive the
    # short threads ending meanwhile (10: fewer than the 16 such records
    # kept per CPU), so that a suppression can name it.
    r = run("linger", "10", "left")
    rep = r.only_report()
    s = one_spill(rep, r.tids["lingerer"], "uts")
    cr = s["creation"]
    expect(s["cause"] is None and cr is not None and "start_lingerer" in functions(cr["stack"]),
           "no cause, the creation stack", s)
    with tempfile.NamedTemporaryFile("w", suffix=".supp") as f:
        f.write("spill:start_lingerer\n")
        f.flush()
        r = run("linger", "10", "left", options="format=json:suppressions=" + f.name)
        rep = r.only_report()
        # (ThreadSanitizer starts its own thread at the first creation,
        # through the same wrapper: created there too, and left behind.)
        expect(r.rc == 0 and r.tids["lingerer"] in [x["tid"] for x in rep["spills"]] and
               all(x["suppressed"] for x in rep["spills"]) and
               rep["suppressed"] == len(rep["spills"]) == 1 + RUNTIME_THREADS,
               "suppressed by its creation stack", r, rep)


@test
def the_path_starts_where_main_was_after_main_ended():
    r = run("exit_paths", "main_gone")
    rep = r.only_report()
    s = one_spill(rep, r.tids["leaker"], "uts")
    h = s["history"]
    expect(h and h[0]["from"] == rep["majority"]["uts"], "it started at home", h,
           rep["majority"])


if __name__ == "__main__":
    main()
