#!/usr/bin/env python3
"""The logic of make check-peers (tests/peers/run.py, outcomes.py) on
output written the way each suite writes it: reading outcomes, and what
counts as a difference.  The suites themselves run in make check-peers."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "func"))
sys.path.insert(0, HERE)
from harness import expect, main, test  # noqa: E402
import outcomes  # noqa: E402
import run  # noqa: E402

PY = """\
test_a (test.test_x.T.test_a) ... ok
test_b (test.test_x.T.test_b)
A docstring's first line. ... ok
test_c (test.test_x.T.test_c) ... child output
more output
ok
test_d (test.test_x.T.test_d) ... skipped 'not here'
test_e (test.test_x.T.test_e) ... expected failure
test_f (test.test_x.T.test_f) ... ok
test_g (test.test_x.T.test_g) ... FAIL

======================================================================
FAIL: test_f (test.test_x.T.test_f) (n=2)
----------------------------------------------------------------------
Traceback (most recent call last):
AssertionError: 1 != 2

======================================================================
FAIL: test_g (test.test_x.T.test_g)
----------------------------------------------------------------------
AssertionError: boom
"""

TAP = """\
Running test: glib/a.test
PASS: glib/a.test
FAIL: glib/b.test
== glib/a.test
1..3
ok 1 /a/one
# a message
ok 2 /a/two # SKIP no network
not ok 3 /a/three # TODO later
== glib/b.test
1..0 # SKIP nothing to do here
"""

GO = """\
{"Action":"run","Package":"os/exec","Test":"TestA"}
{"Action":"output","Package":"os/exec","Test":"TestA","Output":"=== RUN   TestA\\n"}
{"Action":"pass","Package":"os/exec","Test":"TestA"}
{"Action":"output","Package":"os/exec","Test":"TestB/sub","Output":"    x_test.go:9: why\\n"}
{"Action":"skip","Package":"os/exec","Test":"TestB/sub"}
{"Action":"fail","Package":"os/exec","Test":"TestB"}
{"Action":"run","Package":"os/exec","Test":"TestC/n"}
{"Action":"output","Package":"os/exec","Test":"TestC/n","Output":"        --- PASS: TestStop (0.00s)\\n"}
{"Action":"output","Package":"os/exec","Test":"TestC/n","Output":"    --- PASS: TestC/n (0.62s)\\n"}
go: a line that is not an event
{"Action":"fail","Package":"os/exec"}
"""

PYTHON = [s for s in run.SUITES if s.name == "cpython"][0]
GOS = [s for s in run.SUITES if s.name == "go"][0]


def heads(bad):
    return [h for h, _ in bad]


@test
def python_outcomes_across_output_and_docstrings():
    got = outcomes.py_outcomes(PY)
    expect(got == {"test.test_x.T.test_a": "PASS", "test.test_x.T.test_b": "PASS",
                   "test.test_x.T.test_c": "PASS", "test.test_x.T.test_d": "SKIP",
                   "test.test_x.T.test_e": "XFAIL", "test.test_x.T.test_f": "FAIL",
                   "test.test_x.T.test_g": "FAIL"}, "outcomes", got)
    ex = outcomes.py_excerpt(PY, "test.test_x.T.test_g")
    expect(ex[0].startswith("FAIL: test_g") and ex[-1] == "AssertionError: boom", "excerpt", ex)


@test
def tap_outcomes_of_the_runner_and_each_test():
    got = outcomes.tap_outcomes(TAP)
    expect(got == {"glib/a.test": "PASS", "glib/b.test": "FAIL",
                   "glib/a.test /a/one": "PASS", "glib/a.test /a/two": "SKIP",
                   "glib/a.test /a/three": "XFAIL", "glib/b.test (all)": "SKIP"},
           "outcomes", got)
    ex = outcomes.tap_excerpt(TAP, "glib/a.test /a/two")
    expect(ex == ["# a message", "ok 2 /a/two # SKIP no network"], "excerpt", ex)


@test
def go_outcomes_from_events():
    got = outcomes.go_outcomes(GO)
    # TestC/n: no result event, its own result line (not the logged
    # child's TestStop) stands for it.
    expect(got == {"os/exec.TestA": "PASS", "os/exec.TestB/sub": "SKIP",
                   "os/exec.TestB": "FAIL", "os/exec": "FAIL", "os/exec.TestC/n": "PASS"},
           "outcomes", got)
    expect(outcomes.go_excerpt(GO, "os/exec.TestB/sub") == ["    x_test.go:9: why"], "excerpt")


def native(text, rc=0):
    return run.Run("native", rc, 1, text)


@test
def a_skip_or_a_missing_test_is_a_difference():
    under = PY.replace("test_a) ... ok", "test_a) ... skipped 'fds open'") \
              .replace("test_b)\n", "")
    bad = heads(run.differences(PYTHON, native(PY), run.Run("preload", 0, 1, under), "X"))
    expect(bad == ["test.test_x.T.test_a: PASS natively, SKIP under X",
                   "test.test_x.T.test_b: PASS natively, missing under X"], "differences", bad)


@test
def natively_failed_or_skipped_tests_are_not_held():
    under = PY.replace("test_g) ... FAIL", "test_g) ... ok") \
              .replace("skipped 'not here'", "ok")
    bad = run.differences(PYTHON, native(PY, 1), run.Run("preload", 0, 1, under), "X")
    expect(bad == [], "differences", bad)
    worse = PY.replace("skipped 'not here'", "ERROR")
    bad = heads(run.differences(PYTHON, native(PY), run.Run("preload", 0, 1, worse), "X"))
    expect(bad == ["test.test_x.T.test_d: SKIP natively, ERROR under X"], "differences", bad)


@test
def a_failing_status_is_a_difference():
    bad = heads(run.differences(GOS, native(GO), run.Run("preload", 66, 1, GO), "X"))
    expect(bad == ["exit status 0 natively, status 66 under X"], "differences", bad)


@test
def namspill_text_in_the_output_is_found_and_placed():
    text = GO + '{"Action":"output","Package":"os/exec","Test":"TestA",' \
        '"Output":"ok 7 /monitornamspill: cannot write report\\n"}\n'
    bad = run.differences(GOS, native(GO), run.Run("preload", 0, 1, text), "X")
    expect(len(bad) == 1 and bad[0][1][0].startswith("[os/exec.TestA] "), "noise", bad)
    for line in ("LD_PRELOAD=/src/build/libnamspill.so", "/tmp/namspill.Xy12/r.4",
                 "ERROR: ld.so: object 'libnamspill.so' from LD_PRELOAD cannot be preloaded",
                 '{"tool": "namspill", "pid": 4}', "==12== ERROR: namspill: thread 13"):
        found = bool(run.SHIM_TEXT.search(line))
        expect(found == (line[0] in "E{="), "shim text", line)


@test
def namspill_must_say_no_thread_left():
    said = "namspill: warning: 2 processes could not be judged:\n    pid 1: x\n" + run.CLEAN + \
        " (3 processes checked)\n"
    ok = run.differences(GOS, native(GO), run.Run("cli", 0, 1, GO, said), "X")
    expect(ok == [], "clean", ok)
    expect(run.cli_said(said) == "no thread left in a foreign namespace (3 processes "
           "checked); 2 not judged", "said", run.cli_said(said))
    spill = "namspill: 1 thread in 1 process left in net by f (a.c:3)\nSUMMARY: namspill: ...\n"
    bad = heads(run.differences(GOS, native(GO), run.Run("cli", 66, 1, GO, spill), "X"))
    expect(bad == ["exit status 0 natively, status 66 under X",
                   'namspill did not say "no thread left in a foreign namespace"'],
           "differences", bad)


main()
