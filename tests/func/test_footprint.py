#!/usr/bin/env python3
"""What the program can see of namspill: nothing.  tests/prog/footprint
prints its descriptors, threads, signal dispositions, mask and signal
stack, umask and big mappings at points of its life (start-up, after
threads switched and one stayed away, after a thread moved its mounts, in
a fork child before and after exec); run natively, preloaded, and under
namspill in both modes, the lines must be the same."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import test, run, main, expect, Skip, BUILD, PRELOAD_FIRST, prog  # noqa: E402

NAMSPILL = os.path.join(BUILD, "namspill")


def native():
    r = run("footprint", preload=False, log=False)
    expect(r.rc == 0 and "child after exec" in r.out, "native run", r)
    return r.out


def namspill_run(*flags):
    if PRELOAD_FIRST:
        raise Skip("namspill runs the plain library; this build's is instrumented")
    e = dict(os.environ)
    e.pop("LD_PRELOAD", None)
    e.pop("NAMSPILL_OPTIONS", None)
    p = subprocess.run([NAMSPILL] + list(flags) + ["--", prog("footprint")], env=e,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    if p.returncode == 77:
        raise Skip(p.stderr.strip().splitlines()[-1])
    return p


@test
def preloaded_the_program_sees_what_it_sees_natively():
    want = native()
    r = run("footprint", log=False, options="")
    expect(r.rc == 66, "the thread left in uts is reported", r)
    expect(r.out == want, "same descriptors, threads, signals, umask, mappings", want, r.out)


@test
def with_a_log_path_the_program_sees_what_it_sees_natively():
    want = native()
    r = run("footprint", options="format=json")
    spills = [s for rep in r.reports.values() for s in rep["spills"]]
    expect(r.rc == 66 and len(r.reports) == 2 and len(spills) == 1, "a report per process", r)
    expect(r.out == want, "same footprint", want, r.out)


@test
def under_namspill_the_program_sees_what_it_sees_natively():
    want = native()
    p = namspill_run()
    expect(p.returncode == 66 and "left in uts" in p.stderr, "reported by namspill", p.stderr)
    expect(p.stdout == want, "same footprint", want, p.stdout)


@test
def under_namspill_without_watching_the_program_sees_what_it_sees_natively():
    want = native()
    p = namspill_run("--no-watch")
    expect(p.returncode == 66, "reported by namspill", p.stderr)
    expect(p.stdout == want, "same footprint", want, p.stdout)


@test
def a_stderr_the_program_replaced_gets_nothing_of_ours():
    with tempfile.NamedTemporaryFile(prefix="nsp-swap-") as f:
        r = run("footprint", "swap", f.name, log=False, options="")
        expect(r.rc == 66, "the spill still decides the status", r)
        got = open(f.name).read()
    expect("namspill" not in got, "nothing written into the program's own log", got)


main()
