"""Small TAP harness for functional tests: run a test program with or
without the preloaded shim, collect its JSON reports, check them.

    from harness import test, run, main, Skip
    @test
    def leak_is_reported(): ...
    main()
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("NSP_BUILD", "build"))
LIB = os.path.join(BUILD, "libnamspill.so")
TRACER = os.path.join(BUILD, "namspill-trace")
PROGS = os.path.join(BUILD, "tests", "prog")
SKIP_RC = 77

# Sanitizer builds (make check-asan, check-tsan): an instrumented library
# preloaded into a program needs the sanitizer's runtime loaded before it.
PRELOAD_FIRST = os.environ.get("NSP_PRELOAD_FIRST", "")


def preload_value(value):
    """The LD_PRELOAD value that loads `value` (a ':' list of libraries)."""
    return PRELOAD_FIRST + ":" + value if PRELOAD_FIRST else value


PRELOAD = preload_value(LIB)

# ASan takes SIGSEGV, SIGBUS, SIGFPE and SIGILL at start-up and gives
# threads a signal stack of its own, all before the shim starts, which
# leaves a program's handlers and stacks alone (ASan's too).  A test of the
# shim's own reports at those signals gives them back to the default, as
# in a program built without ASan: env=default_fatal_signals().
ASAN_DEFAULT_SIGNALS = ("handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:"
                        "use_sigaltstack=0")


# ThreadSanitizer (make check-tsan) runs a thread of its own in every
# process that has started one: reports count it.
TSAN = "libtsan" in PRELOAD_FIRST
RUNTIME_THREADS = 1 if TSAN else 0


def tsan_options(extra, env=None):
    """env with extra TSAN_OPTIONS entries, under make check-tsan."""
    e = dict(env or {})
    if TSAN:
        e["TSAN_OPTIONS"] = os.environ.get("TSAN_OPTIONS", "") + ":" + extra
    return e


def default_fatal_signals(env=None):
    e = dict(env or {})
    if os.environ.get("ASAN_OPTIONS"):
        e["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"] + ":" + ASAN_DEFAULT_SIGNALS
    return e

# make check-valgrind: a command (valgrind and its options) run in front of
# every test program not run under the tracer.  The preload is handed to
# the program through env(1) run under the wrapper (with valgrind's
# --trace-children=yes), so that valgrind's own launcher scripts do not
# load the library too.
WRAP = os.environ.get("NSP_WRAP", "").split()

_tests = []


class Skip(Exception):
    pass


def test(fn):
    _tests.append(fn)
    return fn


class Result:
    def __init__(self, proc, out, err, reports, logdir):
        self.rc = proc.returncode
        self.out = out
        self.err = err
        self.reports = reports  # pid -> parsed JSON (or raw text)
        self.logdir = logdir
        self.tids = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "tid":
                self.tids[parts[1]] = int(parts[2])

    def only_report(self):
        assert len(self.reports) == 1, "expected one report, got %d: %s" % (
            len(self.reports), sorted(self.reports))
        return next(iter(self.reports.values()))

    def __repr__(self):
        return "rc=%s\nstdout:\n%s\nstderr:\n%s" % (self.rc, self.out, self.err)


def line_of(src, marker):
    """The line of tests/prog/SRC that holds marker."""
    with open(os.path.join(ROOT, "tests", "prog", src)) as f:
        for n, text in enumerate(f, 1):
            if marker in text:
                return n
    raise AssertionError("marker %s not in %s" % (marker, src))


def prog(name):
    p = os.path.join(PROGS, name)
    if not os.path.exists(p):
        raise AssertionError("test program %s not built (make tests)" % p)
    return p


def run(name, *args, options="format=json", preload=True, log=True, env=None,
        timeout=30, stdin=None, text=True, trace=False):
    """Runs build/tests/prog/NAME (or an absolute command).  With log=True
    reports go to a fresh directory and are parsed; a program exiting 77
    raises Skip with its stderr.  trace=True runs it under namspill-trace
    instead of the preload."""
    logdir = tempfile.mkdtemp(prefix="nsp-test-")
    e = dict(os.environ)
    e.pop("LD_PRELOAD", None)
    e.pop("NAMSPILL_OPTIONS", None)
    opts = options
    if log:
        opts = "log_path=%s/r:%s" % (logdir, options)
    if trace:
        e["NAMSPILL_OPTIONS"] = opts
    elif preload:
        e["LD_PRELOAD"] = PRELOAD
        e["NAMSPILL_OPTIONS"] = opts
    if env:
        e.update(env)
        if env.get("LD_PRELOAD"):
            e["LD_PRELOAD"] = preload_value(env["LD_PRELOAD"])
    cmd = [name if os.path.isabs(name) else prog(name)] + list(args)
    if trace:
        cmd = [TRACER, "--"] + cmd
    elif WRAP:
        pre = e.pop("LD_PRELOAD", None)
        cmd = WRAP + (["/usr/bin/env", "LD_PRELOAD=" + pre] if pre else []) + cmd
        timeout *= 10
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         env=e, text=text, start_new_session=True)
    try:
        out, err = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        # The whole group: a forked child holding the pipes would block
        # communicate() for good.
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError("timed out after %ss\nstdout:%s\nstderr:%s" % (timeout, out, err))
    if p.returncode == SKIP_RC:
        shutil.rmtree(logdir, ignore_errors=True)
        raise Skip(err.strip().splitlines()[-1] if err.strip() else "program asked to skip")
    return Result(p, out, err, collect_reports(logdir), logdir)


def collect_reports(logdir):
    """Reports in logdir, then the directory is removed: final reports
    "r.PID" (and "r.PID-NS-ID" of a process in a pid namespace below the
    host's) keyed by pid (int), others ("r.PID.request1", leftovers) by
    file name; each parsed as JSON where it is JSON, else kept as text."""
    reports = {}
    for f in sorted(os.listdir(logdir)):
        path = os.path.join(logdir, f)
        with open(path) as fh:
            data = fh.read()
        m = re.fullmatch(r"[^.]+\.(\d+)(-\d+-\d+)?", f)
        key = int(m.group(1)) if m and int(m.group(1)) not in reports else f
        try:
            reports[key] = json.loads(data)
        except ValueError:
            reports[key] = data
    shutil.rmtree(logdir, ignore_errors=True)
    return reports


class Live:
    """A test program running with the shim, for tests that signal it:
    wait_for("ready") reads its stdout up to that line (collecting "tid"
    lines), finish() waits for its end and collects its reports.  "{logdir}"
    in args becomes the directory the reports go to; wrap: a command it runs
    under (its reports are collected too)."""

    def __init__(self, name, *args, options="format=json", env=None, preload=None,
                 stdin=False, wrap=None):
        self.logdir = tempfile.mkdtemp(prefix="nsp-test-")
        e = dict(os.environ)
        e["LD_PRELOAD"] = preload_value(":".join((preload or []) + [LIB]))
        e["NAMSPILL_OPTIONS"] = "log_path=%s/r:%s" % (self.logdir, options)
        if env:
            e.update(env)
        args = [a.replace("{logdir}", self.logdir) for a in args]
        self.p = subprocess.Popen(list(wrap or []) + [prog(name)] + args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=e, text=True,
                                  stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)
        self.lines = []

    def wait_for(self, what):
        for line in self.p.stdout:
            self.lines.append(line)
            if line.strip() == what:
                return
        self.p.wait()
        if self.p.returncode == SKIP_RC:
            shutil.rmtree(self.logdir, ignore_errors=True)
            raise Skip(self.p.stderr.read().strip().splitlines()[-1])
        raise AssertionError("ended before %r: rc=%s %s" % (what, self.p.returncode,
                                                              self.p.stderr.read()))

    def finish(self, timeout=30):
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
            raise AssertionError("hung: killed after %ss\n%s" % (timeout, err))
        return Result(self.p, "".join(self.lines) + out, err, collect_reports(self.logdir),
                      self.logdir)


def spills_by(report, tid=None, type=None):
    return [s for s in report["spills"]
            if (tid is None or s["tid"] == tid) and (type is None or s["type"] == type)]


def functions(stack):
    return [f["function"] for f in stack]


def own_frames(stack):
    """The stack without a sanitizer runtime's interceptor frames on top
    (they sit between the program and the shim in sanitizer builds)."""
    i = 0
    while i < len(stack) and re.search(r"/lib(asan|tsan|ubsan)\.so", stack[i]["module"] or ""):
        i += 1
    return stack[i:]


def expect(cond, msg, *ctx):
    if not cond:
        raise AssertionError(msg + "".join("\n" + str(c) for c in ctx))


def racing(fn):
    """Marks a test where threads race the shim: storms, reports while
    others write, the API called while threads come, switch and go.  Under
    ThreadSanitizer (make check-tsan), a module that sets RACING_ONLY runs
    only these; the others say why they are left out.  What TSan does to
    every program, with or without the shim, makes them meaningless there:
    it runs a program's signal handlers itself, later (at its next
    intercepted call, so a handler can come after the code that raised it,
    and a storm whose handler calls exit() hangs), takes SIGSEGV with a
    signal stack of its own, and starts a thread of its own at the first
    pthread_create, which a leak baseline taken before it then counts."""
    fn.racing = True
    return fn


def known_failure(reason):
    """Marks a test that fails for a reason known and not yet fixed: its
    TAP line carries "# TODO reason" (it still counts as failed)."""
    def mark(fn):
        fn.todo = reason
        return fn
    return mark


def racing_only():
    return TSAN and getattr(sys.modules["__main__"], "RACING_ONLY", False)


def main():
    only = sys.argv[1:]
    only_racing = racing_only()
    tests = [t for t in _tests if not only or t.__name__ in only]
    print("1..%d" % len(tests))
    failed = 0
    for i, t in enumerate(tests, 1):
        name = t.__name__
        if only_racing and not getattr(t, "racing", False):
            print("ok %d - %s # skip not a racing test: under ThreadSanitizer only those run "
                  "(see harness.racing)" % (i, name))
            continue
        todo = " # TODO %s" % t.todo if getattr(t, "todo", None) else ""
        try:
            t()
            print("ok %d - %s%s" % (i, name, todo))
        except Skip as s:
            print("ok %d - %s # skip %s" % (i, name, s))
        except Exception:
            failed += 1
            print("not ok %d - %s%s" % (i, name, todo))
            for line in traceback.format_exc().splitlines():
                print("#   " + line)
        sys.stdout.flush()
    sys.exit(1 if failed else 0)
