#!/usr/bin/env python3
"""Functional tests of tracer mode (build/namspill-trace): static
programs that no preload reaches, checked against what they did."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (test, run, main, expect, spills_by, functions, prog,  # noqa: E402
                     Skip, TRACER, SKIP_RC, line_of)


def need_root():
    if os.geteuid() != 0:
        raise Skip("tracing namespace switches of test programs needs root here")


def frame0(spill):
    return spill["cause"]["stack"][0]


@test
def static_leak_names_thread_type_and_call_site():
    need_root()
    r = run("static_leak", trace=True)
    rep = r.only_report()
    expect(r.rc == 66, "spill turns exit 0 into 66", r)
    expect(rep["trigger"] == "exit" and rep["threads"] == 8, "exit report, 8 threads", rep)
    leaker, unsharer, inh = r.tids["leaker"], r.tids["unsharer"], r.tids["inheritor"]
    expect(sorted(s["tid"] for s in rep["spills"]) == sorted([leaker, unsharer, inh]),
           "exactly the three movers spilled", rep)
    s = spills_by(rep, leaker, "net")[0]
    c = s["cause"]
    expect(c["call"] == "setns" and c["tid"] == leaker and c["flags"] == ["CLONE_NEWNET"],
           "setns by the leaker", c)
    expect(frame0(s)["function"] == "leak_here" and frame0(s)["file"].endswith("static_leak.c")
           and frame0(s)["line"] > 0, "frame 0 is the caller of syscall()", c["stack"])
    expect("leaker" in functions(c["stack"]), "then the thread function", c["stack"])
    expect(s["creation"]["parent_tid"] == r.tids["main"] and
           functions(s["creation"]["stack"])[0] == "main", "created by main", s["creation"])
    u = spills_by(rep, unsharer, "uts")[0]
    expect(u["cause"]["call"] == "unshare" and frame0(u)["function"] == "asm_unshare",
           "inline-asm unshare is seen too", u)
    i = spills_by(rep, inh, "net")[0]
    expect(i["cause"]["tid"] == leaker and frame0(i)["function"] == "leak_here",
           "the inheritor's cause is the leaker's setns", i)
    expect([h["tid"] for h in i["inherited_via"]] == [inh] and
           i["inherited_via"][0]["parent_tid"] == leaker and
           functions(i["inherited_via"][0]["stack"])[0] == "leaker",
           "inherited from the leaker, created in leaker()", i["inherited_via"])


@test
def static_leak_is_invisible_to_the_preload():
    need_root()
    r = run("static_leak")
    expect(r.rc == 0 and not r.reports, "a static program ignores LD_PRELOAD", r)


@test
def static_leak_own_status_kept():
    need_root()
    r = run("static_leak", "3", trace=True)
    expect(r.rc == 3 and len(r.only_report()["spills"]) == 3, "status 3 kept, spills reported", r)


@test
def clean_static_program_unchanged():
    need_root()
    r = run("static_clean", trace=True)
    rep = r.only_report()
    expect(r.rc == 0 and r.out == "clean done\n", "exit 0 and output unchanged", r)
    expect(rep["spills"] == [] and rep["threads"] == 1, "clean report", rep)
    r = run("static_clean", "5", trace=True, log=False, options="")
    expect(r.rc == 5 and r.err == "", "status 5, nothing on stderr", r)


@test
def fork_and_exec_of_a_static_child_are_followed():
    need_root()
    r = run("trace_fork_exec", prog("static_leak"), trace=True)
    expect(r.rc == 66, "the child's 66 is passed on by the parent", r)
    parent = r.tids["parent"]
    expect(set(r.reports) == {parent, r.tids["main"]}, "one report per process", r.reports)
    expect(r.reports[parent]["spills"] == [], "parent clean", r.reports[parent])
    child = r.reports[r.tids["main"]]
    expect(child["comm"] == "static_leak" and len(child["spills"]) == 3 and
           frame0(spills_by(child, r.tids["leaker"])[0])["function"] == "leak_here",
           "exec'd static child reported with its stacks", child)


@test
def sigterm_kills_as_before_and_reports():
    need_root()
    logdir = tempfile.mkdtemp(prefix="nsp-test-")
    env = dict(os.environ, NAMSPILL_OPTIONS="log_path=%s/r:format=json" % logdir)
    env.pop("LD_PRELOAD", None)
    p = subprocess.Popen([TRACER, "--", prog("static_leak"), "wait"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in p.stdout:
            lines.append(line)
            if line == "ready\n":
                break
        if p.poll() == SKIP_RC:
            raise Skip(p.stderr.read().strip())
        main_pid = [int(l.split()[2]) for l in lines if l.startswith("tid main")][0]
        os.kill(main_pid, signal.SIGTERM)
        p.wait(timeout=30)
        expect(p.returncode == -signal.SIGTERM, "tracer dies by SIGTERM like the command",
               p.returncode, p.stderr.read())
        files = os.listdir(logdir)
        expect(files == ["r.%d" % main_pid], "one report of the command", files)
        with open(os.path.join(logdir, files[0])) as f:
            rep = json.load(f)
        expect(rep["trigger"] == "signal" and rep["signal"] == "SIGTERM" and
               len(rep["spills"]) == 3, "signal report with the spills", rep)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(logdir, ignore_errors=True)


@test
def go_program_leak_is_named_by_go_function():
    need_root()
    if not os.path.exists(os.path.join(os.path.dirname(TRACER), "tests", "prog", "go_leak")):
        if shutil.which("go") is None:
            raise Skip("no Go toolchain (go) installed; Debian's golang-go provides one")
        raise AssertionError("go is installed but go_leak was not built (make tests)")
    r = run("go_leak", trace=True)
    rep = r.only_report()
    expect(r.rc == 66, "os.Exit(0) with a spill becomes 66", r)
    leaker = r.tids["leaker"]
    expect([(s["tid"], s["type"]) for s in rep["spills"]] == [(leaker, "net")],
           "only the locked thread spilled, in net", rep)
    c = rep["spills"][0]["cause"]
    expect(c["call"] == "setns" and c["tid"] == leaker, "its raw setns", c)
    st = c["stack"]
    # Go's DWARF has no .debug_aranges: the units are walked to find the
    # line and what the compiler inlined (main.setns, into main.leakHere).
    expect(functions(st)[:3] == ["main.setns", "main.leakHere", "main.main.func1"],
           "Go names, syscall package frames trimmed", functions(st))
    expect(st[0].get("inlined") is True and st[0]["file"].endswith("go_leak.go") and
           st[0]["line"] == go_line("syscall.RawSyscall(sysSetns"), "the inlined call's line",
           st[:2])
    expect(st[1]["line"] == go_line("\tsetns(fd)"), "its caller at the call site", st[:2])


def go_line(text):
    return line_of("go_leak.go", text)


@test
def refuses_clearly_when_ptrace_is_denied():
    r = run(prog("deny_ptrace"), TRACER, "--", prog("static_clean"), preload=False, log=False)
    expect(r.rc == 69, "distinct status 69", r)
    expect("cannot trace" in r.err and "ptrace" in r.err, "says why", r)
    expect("clean done" not in r.out, "the command did not run untraced", r)


@test
def command_not_found_is_127():
    r = run(TRACER, "--", "/nonexistent/prog", preload=False, log=False)
    expect(r.rc == 127 and "cannot run /nonexistent/prog" in r.err, "127 and a message", r)


main()
