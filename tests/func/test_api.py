#!/usr/bin/env python3
"""Functional tests of the in-process API (include/namspill.h): programs
in tests/api/ use it as a test suite would, linked with -lnamspill; the
docs/api.md's examples are built and run the same way."""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (racing, test, run, main, expect, functions, Skip, BUILD, LIB, ROOT,  # noqa: E402
                     PRELOAD_FIRST)

# Under ThreadSanitizer only the tests marked @racing run here (harness.racing).
RACING_ONLY = True

API = os.path.join(BUILD, "tests", "api")
# Under a sanitizer runtime (make check-asan) every thread starts in the
# runtime's own start function, which calls the program's: the shim is
# handed the runtime's, so a thread's start routine cannot be named.
NO_START_ROUTINE = "a sanitizer runtime starts every thread in a function of its own"
SAN_RUNTIME = bool(PRELOAD_FIRST)
EXAMPLES = os.path.join(BUILD, "examples")


def api(name, *args, **kw):
    """Runs build/tests/api/NAME, linked with the library, not preloaded."""
    kw.setdefault("preload", False)
    kw.setdefault("log", False)
    return run(os.path.join(API, name), *args, **kw)


def json_lines(out):
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def check_lines(out):
    return [int(m.group(1)) for m in re.finditer(r"^check (-?\d+) errno 4242$", out, re.M)]


@test
def check_fails_while_spilled_and_passes_after_going_home():
    r = api("check")
    expect(r.rc == 0, "exit 0: nothing left spilled at exit", r)
    expect(check_lines(r.out) == [1, 0], "check 1 while spilled, 0 at home, errno kept", r)
    spilled, home = r.out.split("phase home")
    spiller = r.tids["spiller"]
    expect("thread %d (check) left in a foreign namespace" % spiller in spilled,
           "text report names the spilled thread", r)
    expect(re.search(r"#0 0x[0-9a-f]+ in enter_sandbox tests/api/check.c:\d+", spilled),
           "text report has the setns call site", r)
    expect("ERROR" not in home and "SUMMARY" not in home, "a passing check writes nothing", r)
    reps = json_lines(r.out)
    expect(len(reps) == 2, "one JSON report per phase", r)
    expect(all(x["trigger"] == "request" and x["signal"] is None for x in reps),
           "trigger request", reps)
    s = reps[0]["spills"]
    expect(len(s) == 1 and s[0]["tid"] == spiller and s[0]["type"] == "uts",
           "the JSON report has the spill", reps[0])
    expect(functions(s[0]["cause"]["stack"])[:2] == ["enter_sandbox", "spiller"],
           "with its cause", s[0])
    expect(reps[1]["spills"] == [] and reps[1]["threads"] == 4, "clean after", reps[1])


@test
def check_holds_suppressed_spills_as_the_exit_verdict_does():
    d = tempfile.mkdtemp()
    try:
        supp = os.path.join(d, "supp")
        with open(supp, "w") as f:
            f.write("# the sandbox is entered on purpose\nspill:enter_sand*\n")
        r = api("check", env={"NAMSPILL_OPTIONS": "suppressions=" + supp})
    finally:
        shutil.rmtree(d)
    expect(check_lines(r.out) == [0, 0], "a suppressed spill does not fail the check", r)
    expect("ERROR" not in r.out, "and a passing check writes no text report", r)
    rep = json_lines(r.out)[0]
    expect(rep["suppressed"] == 1 and rep["spills"][0]["suppressed"] is True,
           "the full report still shows it, marked", rep)


def leak(mode, **kw):
    r = api("leak", mode, **kw)
    m = re.search(r"^leaked (-?\d+) errno (\d+)$", r.out, re.M)
    expect(m and m.group(2) == "4242", "leaked line with errno kept", r)
    return r, int(m.group(1))


@test
def leak_is_found_with_the_creators_stack():
    r, n = leak("none")
    expect(r.rc == 0 and n == 1, "one leaked thread", r)
    poller = r.tids["poller"]
    expect("thread %d (leak) leaked" % poller in r.out, "names the thread", r)
    expect(SAN_RUNTIME or re.search(r"start routine in poller_loop tests/api/leak.c:\d+", r.out),
           "its start routine", r)
    frames = re.findall(r"^    #(\d+) 0x[0-9a-f]+ in (\w+)", r.out, re.M)
    expect([f for _, f in frames[:3]] == ["start_poller", "start_service", "main"],
           "creation stack: creator first", r)
    expect(re.search(r"created by thread \d+ at:", r.out), "the creator thread", r)
    expect("namespaces: those of the majority of threads" in r.out, "namespace state", r)
    expect("SUMMARY: namspill: 1 thread leaked, of 3 running" in r.out, "summary", r)


@test
def leak_is_found_in_a_pid_namespace_seen_through_its_parents_proc():
    # pid 1 of its own pid namespace, /proc its parent's (where 1 is
    # another process): the snapshot and the check must read the program
    # itself, its threads numbered as it numbers them.
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("unshare --pid needs root and util-linux")
    r = run("/usr/bin/unshare", "--pid", "--fork", os.path.join(API, "leak"), "none",
            preload=False, log=False)
    m = re.search(r"^leaked (-?\d+) errno (\d+)$", r.out, re.M)
    expect(m and m.group(1) == "1", "one leaked thread", r)
    expect("thread %d (leak) leaked" % r.tids["poller"] in r.out, "named by its own number", r)


def leak_ignored(mode, what):
    r, n = leak(mode)
    expect(n == 0 and "ERROR" not in r.out, what + " ignored", r)


@test
def leak_ignored_by_top_function():
    if SAN_RUNTIME:
        raise Skip(NO_START_ROUTINE)
    leak_ignored("top", "poller_* start routine")


@test
@racing
def leak_ignored_by_creator():
    leak_ignored("creator", "start_poller (frame 0)")


@test
@racing
def leak_ignored_by_a_function_anywhere_in_the_creation_stack():
    leak_ignored("stack", "start_service (frame 1)")


@test
@racing
def leak_ignored_by_tid():
    leak_ignored("tid", "the poller's tid")


@test
@racing
def ignores_that_do_not_match_leave_the_leak():
    # "poller" is not "poller_loop"; start_service and main are creators
    # only further out than frame 0.
    r, n = leak("nomatch")
    expect(n == 1 and "SUMMARY: namspill: 1 thread leaked" in r.out, "still reported", r)


@test
def leaked_thread_in_a_foreign_namespace_says_so():
    r, n = leak("spilled")
    expect(n == 1, "one leaked thread", r)
    expect(re.search(r"in a foreign namespace:\n    uts:\[\d+\] here; uts:\[\d+\] in 2 of 3",
                     r.out), "its namespace state", r)
    expect(re.search(r"moved there by setns\(CLONE_NEWUTS\) on thread %d, call #\d+:\n"
                     r"    #0 0x[0-9a-f]+ in poller_loop" % r.tids["poller"], r.out),
           "and the call that moved it", r)
    expect(r.rc == 66, "and the exit report still runs (status 66)", r)


@test
def thread_ending_when_the_check_starts_is_not_reported():
    r = api("ending")
    expect(r.rc == 0 and r.out.strip() == "ok", "polled until it was gone", r)


@test
@racing
def bad_arguments_and_errno():
    r = api("errors")
    expect(r.rc == 0 and r.out.strip() == "ok", "negative errno, errno untouched", r)


@test
@racing
def safe_while_other_threads_come_switch_and_go():
    r = api("stress", timeout=120)
    expect(r.rc == 0 and r.out.strip() == "ok", "no failure, no deadlock", r)


@test
def used_from_cxx():
    r = api("cxx")
    expect(r.rc == 0 and r.out.strip() == "ok", "C++ program passes", r)


@test
def preloaded_without_linking():
    r = api("weak")
    expect(r.rc == 0 and r.out.strip() == "not loaded", "weak symbols unbound without it", r)
    r = api("weak", preload=True, options="")
    expect(r.rc == 0 and "loaded check 0 leaked 1" in r.out, "bound by the preload", r)
    expect((SAN_RUNTIME or re.search(r"start routine in idle tests/api/weak.c:\d+", r.out)) and
           "in main tests/api/weak.c" in r.out, "with the records of the preload", r)


@test
@racing
def linked_and_preloaded_from_another_path_answer_as_one():
    # Two copies: the preloaded one records and reports; the linked one
    # only passes calls on.  The API must answer from the recording one.
    d = tempfile.mkdtemp(prefix="nsp-api-")
    try:
        other = os.path.join(d, "libnamspill.so")
        shutil.copy(LIB, other)
        r = api("leak", "none", preload=True, options="", env={"LD_PRELOAD": other})
    finally:
        shutil.rmtree(d, ignore_errors=True)
    expect("leaked 1 errno 4242" in r.out, "leak found", r)
    expect(re.search(r"#0 0x[0-9a-f]+ in start_poller", r.out), "with the creation stack", r)


# ---- docs/api.md's examples: built by make, run here, compared with the page.

def example(name, *args, **kw):
    p = os.path.join(EXAMPLES, name)
    if not os.path.exists(p):
        raise Skip("%s not built (its framework is not installed)" % name)
    kw.setdefault("preload", False)
    kw.setdefault("log", False)
    kw["env"] = dict(kw.get("env") or {}, CMOCKA_MESSAGE_OUTPUT="STDOUT")
    return run(p, *args, **kw)


@test
def example_plain_assert_passes_and_aborts_with_the_report():
    r = example("api_assert")
    expect(r.rc == 0 and "every thread is in the namespaces it started in" in r.out,
           "clean run passes", r)
    r = example("api_assert", "forget")
    expect(r.rc == -6, "a spill aborts", r)
    expect(re.search(r"api_assert.c:\d+: namspill assertion failed\n==\d+== ERROR: namspill: "
                     r"thread \d+ \(api_assert\) left in a foreign namespace", r.err),
           "file:line, then the report on stderr", r)
    expect(re.search(r"#0 0x[0-9a-f]+ in worker .*examples/api_assert.c:\d+", r.err),
           "with the call that moved it", r)
    expect(r.err.count("ERROR: namspill") == 1,
           "one failure, one report (the abort that follows adds none)", r)


@test
def example_cmocka_fails_the_test_with_the_report():
    r = example("api_cmocka")
    expect(r.rc == 0 and "[  PASSED  ] 2 test(s)." in r.out + r.err, "clean run passes", r)
    r = example("api_cmocka", "bug")
    expect(r.rc == 1 and "[  FAILED  ] pool_stop_ends_its_threads" in r.out + r.err,
           "the leak test fails", r)
    expect("SUMMARY: namspill: 2 threads leaked" in r.err and
           (SAN_RUNTIME or re.search(r"start routine in pool_worker", r.err)) and
           re.search(r"#0 0x[0-9a-f]+ in pool_start", r.err), "report as the message", r)
    expect("[       OK ] threads_stay_in_their_namespaces" in r.out, "the other test passes", r)


@test
def example_criterion_fails_the_test_with_the_report():
    if SAN_RUNTIME:
        raise Skip("the example ignores a thread by its start routine: " + NO_START_ROUTINE)
    r = example("api_criterion", "--jobs=1")
    expect(r.rc == 0 and "Passing: 2 | Failing: 0" in r.out + r.err, "clean run passes", r)
    r = example("api_criterion", "--jobs=1", env={"EXAMPLE_BUG": "1"})
    both = r.out + r.err
    expect(r.rc != 0 and "Passing: 1 | Failing: 1" in both, "the leak test fails", r)
    expect(re.search(r"start routine in watchdog", both) and
           "start routine in log_flusher" not in both and "(1 more ignored)" in both,
           "the watchdog reported, the flusher ignored", r)


def readme_blocks():
    """(file, code) for each ```c block that follows a mention of
    `examples/api_NAME.c` in docs/api.md."""
    with open(os.path.join(ROOT, "docs", "api.md")) as f:
        text = f.read()
    return re.findall(r"`(examples/api_\w+\.c)`(?:(?!```).)*?\n```c\n(.*?)```", text, re.S)


@test
def api_page_examples_are_the_files_make_check_runs():
    blocks = readme_blocks()
    names = sorted({f for f, _ in blocks})
    expect(names == ["examples/api_assert.c", "examples/api_cmocka.c",
                     "examples/api_criterion.c"], "docs/api.md shows each example", names)
    for f, code in blocks:
        with open(os.path.join(ROOT, f)) as fh:
            src = fh.read()
        expect(code in src, "docs/api.md's %s is a verbatim part of the file" % f, code)


main()
