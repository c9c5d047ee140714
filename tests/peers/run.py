#!/usr/bin/env python3
"""Other projects' own test suites, natively and under namspill
(`make check-peers`).

    tests/peers/run.py [--build DIR] [--out DIR] [SUITE...]

Each suite (tests/peers/SUITE.sh) runs natively, then with
LD_PRELOAD=BUILD/libnamspill.so, then under `BUILD/namspill --`, and each
run under namspill is held to the native one:

- every test that passed natively passes (FAIL, ERROR, SKIP or missing is
  a difference: a skip can hide one, as os/exec's TestExtraFiles skips on
  a descriptor it did not open), an expected failure stays one, and a test
  skipped natively does not fail;
- the status is 0 where the native one was (under `namspill --`,
  namspill's: 66 would be a spill);
- the program's output holds nothing namspill wrote;
- under `namspill --`, namspill says "no thread left in a foreign
  namespace".

Prints TAP (one line per suite and mode; each difference as comments
under it: the test, the two outcomes, an excerpt of the test's output)
and ends with "N passed, N failed, N skipped".  BUILD/peers/ keeps each
run's log (SUITE.MODE.log; SUITE.namspill.log is namspill's own output)
and SUITE.tsv, the outcome of every test in each run.  A suite whose
Debian package is missing is skipped with its name.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from outcomes import (EXCERPT, go_excerpt, go_outcomes, go_where, py_excerpt, py_outcomes,
                      py_where, tap_excerpt, tap_outcomes, tap_where)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP_RC = 77
# What the shim writes starts "namspill:" (messages, text reports), is a
# JSON report ("tool": "namspill") or the help table; the loader's
# complaint about the preload names the library.
SHIM_TEXT = re.compile(r'namspill(?::|"| options)|cannot be preloaded')
CLEAN = "namspill: no thread left in a foreign namespace"
# A run under namspill that takes SLOW times as long as the native one (or
# SLOW_MIN seconds) is stopped, and its status is a difference: a hang
# costs minutes, not the CI's budget.
SLOW, SLOW_MIN = 4, 120


class Suite:
    """outcomes(text): {test: outcome}; excerpt(text, test): the test's
    output; where(lines, i): the test line i belongs to; timeout: seconds
    for the native run."""

    def __init__(self, name, outcomes, excerpt, where, timeout):
        self.name, self.outcomes, self.excerpt, self.where = name, outcomes, excerpt, where
        self.timeout = timeout
        self.script = os.path.join(HERE, name + ".sh")


SUITES = [
    Suite("cpython", py_outcomes, py_excerpt, py_where, 600),
    Suite("glib", tap_outcomes, tap_excerpt, tap_where, 400),
    Suite("go", go_outcomes, go_excerpt, go_where, 600),  # builds its test programs first
    Suite("dbus", tap_outcomes, tap_excerpt, tap_where, 300),
]


# ---- running

class Run:
    def __init__(self, mode, rc, seconds, text, own=""):
        self.mode, self.rc, self.seconds, self.text, self.own = mode, rc, seconds, text, own


def base_env(out):
    env = dict(os.environ)
    for k in ("LD_PRELOAD", "NAMSPILL_OPTIONS", "GOFLAGS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    env.update(GOCACHE=os.path.join(out, "gocache"), GOPATH=os.path.join(out, "gopath"),
               GOPROXY="off", PYTHONDONTWRITEBYTECODE="1")
    return env


def run(suite, mode, build, out, timeout):
    """One run of a suite from a directory of its own, with descriptors 0-2
    only (subprocess closes the rest) and stdin /dev/null, in a session of
    its own so that a timeout ends the whole tree."""
    log = os.path.join(out, "%s.%s.log" % (suite.name, mode))
    own = os.path.join(out, "%s.namspill.log" % suite.name)
    cmd = [suite.script]
    env = base_env(out)
    if mode == "preload":
        env["LD_PRELOAD"] = os.path.join(build, "libnamspill.so")
    elif mode == "cli":
        cmd = [os.path.join(build, "namspill"), "--"] + cmd
    env["NSP_PEER_LOG"] = log
    # Its TMPDIR and working directory: made like /tmp, where the tests
    # expect it (Go's TestDeathSignal runs a copy of itself as nobody).
    scratch = tempfile.mkdtemp(prefix="peer-%s-%s." % (suite.name, mode))
    os.chmod(scratch, 0o1777)
    env["TMPDIR"] = scratch
    t0 = time.monotonic()
    with open(own if mode == "cli" else os.devnull, "w") as f:
        p = subprocess.Popen(cmd, cwd=scratch, env=env, stdin=subprocess.DEVNULL, stdout=f,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = stop(p)
    seconds = time.monotonic() - t0
    shutil.rmtree(scratch, ignore_errors=True)
    text = read(log)
    if rc == -1:
        text += "\n(run.py: stopped after %d s)\n" % timeout
    return Run(mode, rc, seconds, text, read(own) if mode == "cli" else "")


def stop(p):
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(p.pid, sig)
            p.wait(timeout=wait)
            break
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    return -1


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# ---- comparing

MODES = [("preload", "LD_PRELOAD"), ("cli", "namspill --")]


def differences(suite, ref, got, label):
    """What differs between the native run and one under namspill, as
    (headline, excerpt lines)."""
    bad = []
    want, have = suite.outcomes(ref.text), suite.outcomes(got.text)
    for test, was in sorted(want.items()):
        now = have.get(test, "missing")
        ok = now == was if was in ("PASS", "XFAIL") else \
            now in ("SKIP", "PASS") if was == "SKIP" else True
        if not ok:
            bad.append(("%s: %s natively, %s under %s" % (test, was, now, label),
                        suite.excerpt(got.text, test)))
    if ref.rc == 0 and got.rc != 0:
        why = "stopped after %.0f s" % got.seconds if got.rc == -1 else "status %d" % got.rc
        bad.append(("exit status 0 natively, %s under %s" % (why, label),
                    got.text.splitlines()[-EXCERPT:] if not bad else []))
    lines = got.text.splitlines()
    noise = ["[%s] %s" % (suite.where(lines, i) or "-", line)
             for i, line in enumerate(lines) if SHIM_TEXT.search(line)]
    if noise:
        bad.append(("%d line%s of namspill's in the program's output" %
                    (len(noise), "" if len(noise) == 1 else "s"), noise[:EXCERPT]))
    if got.mode == "cli":
        own = got.own.splitlines()
        if not any(line.startswith(CLEAN) for line in own):
            bad.append(("namspill did not say \"%s\"" % CLEAN[len("namspill: "):],
                        own[:40]))
    return bad


def cli_said(own):
    """namspill's verdict line and its warnings, shortened for the TAP line."""
    said = [line[len("namspill: "):] for line in own.splitlines() if line.startswith(CLEAN)][-1:]
    warn = re.search(r'^namspill: warning: (\d+) process(?:es)? could not be judged', own, re.M)
    if warn:
        said.append("%s not judged" % warn.group(1))
    return "; ".join(said)


def counts(outcomes):
    n = {}
    for v in outcomes.values():
        n[v] = n.get(v, 0) + 1
    return ", ".join("%d %s" % (n[k], k) for k in ("PASS", "SKIP", "XFAIL", "XPASS", "FAIL",
                                                   "ERROR") if k in n)


class Tap:
    def __init__(self):
        self.n = self.passed = self.failed = self.skipped = 0

    def line(self, ok, text, skip=None, notes=()):
        self.n += 1
        if skip:
            self.skipped += 1
            print("ok %d - %s # skip %s" % (self.n, text, skip), flush=True)
            return
        self.passed += ok
        self.failed += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, text))
        for head, lines in notes:
            print("#   " + head)
            for line in lines:
                print("#     | " + line[:300])
        sys.stdout.flush()


def write_tsv(path, runs, suite):
    outs = [suite.outcomes(r.text) for r in runs]
    with open(path, "w") as f:
        f.write("test\t" + "\t".join(r.mode for r in runs) + "\n")
        for test in sorted(set().union(*outs)):
            f.write(test + "\t" + "\t".join(o.get(test, "-") for o in outs) + "\n")


def check(suite, build, out, tap):
    ref = run(suite, "native", build, out, suite.timeout)
    if ref.rc == SKIP_RC:
        lines = ref.text.strip().splitlines()
        why = lines[-1][len("skip: "):] if lines and lines[-1].startswith("skip: ") else \
            "its script exited with 77"
        tap.line(True, suite.name, skip=why)
        return
    want = suite.outcomes(ref.text)
    label = "%s natively" % suite.name
    if not want:
        tap.line(False, "%s: no test outcome in its output (status %d)" % (label, ref.rc),
                 notes=[("last lines:", ref.text.splitlines()[-EXCERPT:])])
        for mode, name in MODES:
            tap.line(True, "%s under %s" % (suite.name, name), skip="no native run to compare")
        return
    failed = sorted(t for t, v in want.items() if v in ("FAIL", "ERROR"))
    notes = [("failed natively too (not held against namspill): " + ", ".join(failed[:10]) +
              (" ..." if len(failed) > 10 else ""), [])] if failed else []
    tap.line(True, "%s: %d tests, %s, status %d (%.0f s)" %
             (label, len(want), counts(want), ref.rc, ref.seconds), notes=notes)
    runs = [ref]
    for mode, name in MODES:
        got = run(suite, mode, build, out, max(SLOW_MIN, SLOW * ref.seconds))
        runs.append(got)
        bad = differences(suite, ref, got, name)
        said = cli_said(got.own) if mode == "cli" else ""
        said = "; " + said if said else ""
        if bad:
            tap.line(False, "%s under %s: %d difference%s (%.0f s)%s" %
                     (suite.name, name, len(bad), "" if len(bad) == 1 else "s", got.seconds,
                      said), notes=bad)
        else:
            tap.line(True, "%s under %s: %d tests as natively (%.0f s)%s" %
                     (suite.name, name, len(want), got.seconds, said))
    write_tsv(os.path.join(out, suite.name + ".tsv"), runs, suite)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, os.environ.get("NSP_BUILD", "build")))
    ap.add_argument("--out", help="logs and outcomes (default BUILD/peers)")
    ap.add_argument("suites", nargs="*", help=", ".join(s.name for s in SUITES))
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    out = os.path.abspath(a.out or os.path.join(build, "peers"))
    os.makedirs(out, exist_ok=True)
    names = a.suites or [s.name for s in SUITES]
    unknown = set(names) - {s.name for s in SUITES}
    if unknown:
        ap.error("no suite " + ", ".join(sorted(unknown)))
    tap = Tap()
    for missing in ("libnamspill.so", "namspill"):
        if not os.path.exists(os.path.join(build, missing)):
            ap.error("no %s in %s: run make first" % (missing, build))
    for s in SUITES:
        if s.name in names:
            check(s, build, out, tap)
    print("1..%d" % tap.n)
    print("%d passed, %d failed, %d skipped" % (tap.passed, tap.failed, tap.skipped))
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
