#!/usr/bin/env python3
"""Bad environments: the shim says one clear line where it has something to
say, and the program is otherwise unaffected (same stdout, same exit status
except the spill status)."""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (test, run, main, expect, spills_by, functions, Skip,  # noqa: E402
                     LIB, PRELOAD, PRELOAD_FIRST, PROGS, BUILD, prog)

SO = os.path.join(PROGS, "lib")


def nsp_lines(err):
    """namspill's own lines ("namspill: ..." or "==PID== namspill: ...")."""
    return [l for l in err.splitlines()
            if l.startswith("namspill:") or (l.startswith("==") and "== namspill:" in l)]


def clean_env():
    e = dict(os.environ)
    e.pop("LD_PRELOAD", None)
    e.pop("NAMSPILL_OPTIONS", None)
    return e


def need_root(why):
    if os.geteuid() != 0:
        raise Skip("needs root: " + why)


def in_mount_ns(setup, cmd, options, timeout=30):
    """Runs cmd in a private mount namespace after the shell commands in
    setup; only cmd itself gets the preload."""
    need_root("mounts in a private mount namespace")
    if not shutil.which("unshare"):
        raise Skip("unshare(1) not installed")
    script = '%s && LD_PRELOAD="$NSP_LIB" NAMSPILL_OPTIONS="$NSP_OPTS" exec "$@"' % setup
    e = clean_env()
    e.update(NSP_LIB=PRELOAD, NSP_OPTS=options)
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"]
                       + cmd, env=e, capture_output=True, text=True, timeout=timeout)
    if p.returncode == 77:
        raise Skip(p.stderr.strip().splitlines()[-1])
    return p


def stdout_without_tids(out):
    return [l for l in out.splitlines() if not l.startswith("tid ")]


@test
def closed_std_fds_stay_the_programs():
    def close_std():
        for fd in (0, 1, 2):
            os.close(fd)

    def once(preload, options):
        d = tempfile.mkdtemp(prefix="nsp-fds-")
        e = clean_env()
        if preload:
            e.update(LD_PRELOAD=PRELOAD, NAMSPILL_OPTIONS=options % {"d": d})
        p = subprocess.run([prog("h_closed_fds"), d], preexec_fn=close_std, env=e, timeout=30)
        files = {f: open(os.path.join(d, f)).read() for f in sorted(os.listdir(d))}
        shutil.rmtree(d)
        if p.returncode == 77:
            raise Skip("needs root for unshare")
        return p.returncode, files

    want = {"a": "file a\n", "b": "file b\n", "c": "file c\n"}
    rc, files = once(False, "")
    expect(rc == 0 and files == want, "native run", rc, files)
    # No log_path: the text report would go to fd 2, which is the
    # program's file "c" here; it must not.
    rc, files = once(True, "")
    expect(rc == 66 and files == want, "fds keep their numbers; nothing written into them",
           rc, files)
    rc, files = once(True, "log_path=%(d)s/r:format=json")
    reports = {k: v for k, v in files.items() if k.startswith("r.")}
    expect(rc == 66 and len(reports) == 1, "report written to log_path", rc, files)
    rep = json.loads(next(iter(reports.values())))
    expect(len(rep["spills"]) == 1 and rep["spills"][0]["type"] == "uts", "one uts spill", rep)
    expect({k: v for k, v in files.items() if not k.startswith("r.")} == want, "files", files)


@test
def stderr_pipe_without_reader_does_not_kill_with_sigpipe():
    for preload, want in ((False, 0), (True, 66)):
        r, w = os.pipe()
        os.close(r)
        e = clean_env()
        if preload:
            e.update(LD_PRELOAD=PRELOAD, NAMSPILL_OPTIONS="")
        p = subprocess.run([prog("h_leak"), "0", "hi"], stderr=w, stdout=subprocess.PIPE,
                           env=e, text=True, timeout=30)
        os.close(w)
        if p.returncode == 77:
            raise Skip("needs namespaces")
        expect(p.returncode == want, "exit status %d, not death by SIGPIPE" % want, p)
        expect(p.stdout.endswith("hi\n"), "stdout intact", p.stdout)


@test
def read_only_log_dir_falls_back_to_stderr():
    d = tempfile.mkdtemp(prefix="nsp-ro-")
    try:
        p = in_mount_ns("mount -t tmpfs -o ro nsp-ro %s" % d, [prog("h_leak"), "0", "hi"],
                        "log_path=%s/r" % d)
    finally:
        os.rmdir(d)
    lines = nsp_lines(p.stderr)
    expect(len(lines) == 1 and lines[0].startswith("namspill: cannot write report to %s/r." % d),
           "one line saying where it could not write", p.stderr)
    expect("SUMMARY: namspill: 1 thread of 4" in p.stderr, "report on stderr instead", p.stderr)
    expect(p.returncode == 66 and stdout_without_tids(p.stdout) == ["hi"], "program as usual", p)


def full_disk(fill, program, options):
    """log dir on a 16 KiB tmpfs with `fill` bytes already used."""
    d = tempfile.mkdtemp(prefix="nsp-full-")
    try:
        p = in_mount_ns("mount -t tmpfs -o size=16k nsp-full %s && "
                        "{ head -c %d /dev/zero > %s/filler; true; }" % (d, fill, d),
                        [prog(program), "0", "hi"], "log_path=%s/r:%s" % (d, options))
        left = os.listdir(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return p, d, left


@test
def full_disk_leaves_no_file_and_says_so():
    p, d, left = full_disk(16384, "h_leak", "format=text")
    expect(left == [], "nothing left in the host's directory", left)
    lines = nsp_lines(p.stderr)
    expect(len(lines) == 1 and "cannot write report to %s/r." % d in lines[0], "one line",
           p.stderr)
    expect("SUMMARY: namspill: 1 thread of 4" in p.stderr, "report on stderr instead", p.stderr)
    expect(p.returncode == 66 and stdout_without_tids(p.stdout) == ["hi"], "status", p)


@test
def full_disk_mid_report_leaves_no_partial_file():
    # 12 KiB used of 16: the 64-thread report (about 20 KiB) starts and
    # runs out of room half way.  The final name must never appear.
    d = tempfile.mkdtemp(prefix="nsp-full-")
    try:
        p = in_mount_ns("mount -t tmpfs -o size=16k nsp-full %s && "
                        "head -c 12288 /dev/zero > %s/filler" % (d, d),
                        [prog("many")],
                        "log_path=%s/r:format=json:stack_depth=64" % d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    lines = nsp_lines(p.stderr)
    expect(len(lines) == 1 and "cannot write report to %s/r." % d in lines[0], "one line",
           p.stderr)
    start = p.stderr.index("{")
    rep = json.loads(p.stderr[start:p.stderr.rindex("}") + 1])
    expect(len(rep["spills"]) == 13, "the whole report went to stderr instead",
           len(rep["spills"]))
    expect(p.returncode == 66, "status", p)


@test
def no_partial_file_is_visible_after_a_failed_write():
    # The same, looking inside the namespace after the program: only the
    # filler is there (no r.PID, no r.PID.tmp).
    d = tempfile.mkdtemp(prefix="nsp-full-")
    try:
        need_root("tmpfs")
        e = clean_env()
        script = ('mount -t tmpfs -o size=16k nsp-full "$D" && head -c 12288 /dev/zero > "$D/f"'
                  ' && LD_PRELOAD="$NSP_LIB" NAMSPILL_OPTIONS="log_path=$D/r:format=json:'
                  'stack_depth=64" "$P"; echo "status $?"; ls "$D"')
        e.update(NSP_LIB=PRELOAD, D=d, P=prog("many"))
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                           env=e, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    tail = p.stdout.splitlines()[-2:]
    expect(tail == ["status 66", "f"], "status and only the filler left", p)


@test
def signal_storm_during_writing_loses_nothing():
    e = clean_env()
    e.update(LD_PRELOAD=PRELOAD, NAMSPILL_OPTIONS="log_path=stderr:format=json:stack_depth=64")
    p = subprocess.Popen([prog("h_storm")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=e)
    first = p.stdout.readline()
    if not first:
        p.wait()
        raise Skip("needs namespaces")
    expect(first == b"ready\n", "started", first)
    stop = threading.Event()

    def storm():
        while not stop.is_set():
            try:
                os.kill(p.pid, signal.SIGUSR1)
            except ProcessLookupError:
                return
    t = threading.Thread(target=storm)
    t.start()
    # Read slowly so the pipe fills and writes block (and get interrupted).
    chunks = []
    while True:
        c = p.stderr.read1(4096)
        if not c:
            break
        chunks.append(c)
        stop.wait(0.002)
    out = p.stdout.read()
    p.wait(timeout=60)
    stop.set()
    t.join()
    err = b"".join(chunks).decode()
    rep = json.loads(err)
    expect(len(rep["spills"]) == 100, "all 100 spills in one whole JSON document",
           len(rep["spills"]))
    before, after = [int(x) for x in out.split()[1::2]]
    expect(after > before, "signals arrived while the report was written", out)
    expect(len(err) > 65536, "the report outgrew the pipe buffer", len(err))
    expect(p.returncode == 66, "status", p.returncode)


@test
def garbage_and_huge_options_warn_briefly_and_keep_defaults():
    cases = [
        "a:" * 50000,
        "log_path=" + "x" * 100000,
        "format=\x01\x02\x7f:exitcode=99999999999999999999999:stack_depth=-5:verbosity=2147483648",
        "log_path='never closed",
        ":::,,, \n\t",
        "====:=:exitcode=:=5",
        "k" * 5000 + "=1",
        "exitcode='7\nforged line':format=yaml",
    ]
    for opts in cases:
        r = run("h_leak", "0", "hi", options=opts, log=False)
        lines = nsp_lines(r.err)
        warnings = [l for l in lines if l.startswith("namspill: warning:")]
        expect(len(lines) <= 9, "at most 8 warnings and one line saying there are more", lines)
        expect(all(len(l) < 700 and l.isprintable() for l in lines), "short printable lines",
               lines)
        expect(not any(l.startswith("forged") for l in r.err.splitlines()),
               "a newline in a value cannot forge a line", r.err)
        expect(r.rc == 66 and stdout_without_tids(r.out) == ["hi"], "defaults kept", opts[:40], r)
        expect("SUMMARY: namspill: 1 thread of 4" in r.err, "default text report on stderr", r)
        expect(opts.strip(":, \n\t") == "" or warnings, "something was said", opts[:40], r.err)
    expect(not [f for f in os.listdir(".") if f.startswith("never closed")],
           "an unterminated quote is not applied")


@test
def library_preloaded_twice_reports_once():
    copy_dir = tempfile.mkdtemp(prefix="nsp-copy-")
    copy = os.path.join(copy_dir, "libnamspill-copy.so")
    shutil.copy(LIB, copy)
    try:
        for preload in ("%s:%s" % (LIB, LIB), "%s:%s" % (LIB, copy), "%s:%s" % (copy, LIB)):
            r = run("leak_setns", options="format=json:bogus=1", env={"LD_PRELOAD": preload})
            rep = r.only_report()
            expect([s["tid"] for s in rep["spills"]] == [r.tids["leaker"]], "one spill", rep)
            expect(rep["spills"][0]["cause"]["stack"][0]["function"] == "leak_here",
                   "call site", rep)
            expect(len(nsp_lines(r.err)) == 1, "the option warning once", r.err)
            expect(r.rc == 66, "status", r)
    finally:
        shutil.rmtree(copy_dir)


@test
def setuid_program_ignores_namspill_options():
    need_root("to make a setuid-root copy and run it as another user")
    if not shutil.which("setpriv"):
        raise Skip("setpriv(1) not installed")
    d = tempfile.mkdtemp(prefix="nsp-suid-")
    try:
        os.chmod(d, 0o755)
        exe = os.path.join(d, "h_leak_linked")
        shutil.copy(os.path.join(BUILD, "tests", "harden", "h_leak_linked"), exe)
        os.chmod(exe, 0o4755)
        e = clean_env()
        e["NAMSPILL_OPTIONS"] = "format=json:exitcode=42:log_path=%s/r" % d
        probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                "sh", "-c", 'test -x "$0" && test -r "$1"', exe,
                                os.path.join(BUILD, "tests", "harden", "libnamspill.so.0")],
                               env=e, capture_output=True)
        if probe.returncode != 0:
            raise Skip("the build directory is not readable by uid 65534")
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            exe, "0", "hi"], env=e, capture_output=True, text=True, timeout=30)
        if "Operation not permitted" in p.stderr or p.returncode == 77:
            raise Skip("setuid bit not honoured here (nosuid mount?)")
        expect(p.returncode == 66, "default exitcode, not 42", p)
        expect("SUMMARY: namspill: 1 thread of 4" in p.stderr, "default text report", p)
        expect(os.listdir(d) == ["h_leak_linked"], "no log file", os.listdir(d))
        # The same binary without privileges does honour them.
        p = subprocess.run([exe, "0", "hi"], env=e, capture_output=True, text=True, timeout=30)
        expect(p.returncode == 42 and len(os.listdir(d)) == 2, "options apply normally", p)
    finally:
        shutil.rmtree(d)


@test
def setuid_program_names_no_frames_with_the_callers_libdw():
    """A setuid program linked with the library, run by another user who
    makes the frame-naming helper fail (ulimit -v): frames keep module and
    offset.  libdw in the process would follow the caller's DEBUGINFOD_URLS
    (network requests) and DEBUGINFOD_CACHE_PATH (root's files where the
    caller says)."""
    need_root("to make a setuid-root copy and run it as another user")
    if PRELOAD_FIRST:
        raise Skip("a sanitizer runtime cannot start under ulimit -v")
    for tool in ("setpriv", "strip"):
        if not shutil.which(tool):
            raise Skip(tool + "(1) not installed")
    d = tempfile.mkdtemp(prefix="nsp-suid-dw-")
    try:
        os.chmod(d, 0o755)
        exe = os.path.join(d, "h_leak_linked")
        # Stripped, as deployed: libdw would ask debuginfod for its DWARF.
        subprocess.run(["strip", "-o", exe,
                        os.path.join(BUILD, "tests", "harden", "h_leak_linked")], check=True)
        os.chmod(exe, 0o4755)
        cache = os.path.join(d, "open")
        os.mkdir(cache)
        os.chmod(cache, 0o777)
        e = clean_env()
        e.update(DEBUGINFOD_URLS="http://127.0.0.1:9",
                 DEBUGINFOD_CACHE_PATH=os.path.join(cache, "chosen"))
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "sh", "-c", 'ulimit -v 500000; exec "$0" 0 hi', exe],
                           env=e, capture_output=True, text=True, timeout=60)
        if "Operation not permitted" in p.stderr or p.returncode == 77:
            raise Skip("setuid bit not honoured here (nosuid mount?)")
        expect(p.returncode == 66 and "left in a foreign namespace" in p.stderr,
               "the report, as always", p)
        expect("(h_leak_linked+0x" in p.stderr, "frames with module and offset", p.stderr)
        expect(os.listdir(cache) == [], "nothing made where the caller said",
               os.listdir(cache))
    finally:
        shutil.rmtree(d)


@test
def program_with_its_own_malloc():
    if PRELOAD_FIRST:
        # The runtime, first in LD_PRELOAD, has its own malloc: no other
        # allocator after it is ever called.
        raise Skip("a sanitizer runtime's allocator comes before any other")
    bump = os.path.join(SO, "bump_malloc.so")
    for preload in ("%s:%s" % (bump, LIB), "%s:%s" % (LIB, bump)):
        r = run("leak_setns", env={"LD_PRELOAD": preload})
        calls = [int(l.split()[-1]) for l in r.out.splitlines() if l.startswith("bump_malloc")]
        expect(calls and calls[0] > 0, "the other allocator was used", r)
        rep = r.only_report()
        expect([s["tid"] for s in rep["spills"]] == [r.tids["leaker"]], "the leak", rep)
        expect(rep["spills"][0]["cause"]["stack"][0]["function"] == "leak_here",
               "symbolized under the other allocator", rep)
        expect(r.rc == 66, "status", r)


def check_early(r):
    rep = r.only_report()
    leaker = r.tids["early_leaker"]
    expect([(s["tid"], s["type"]) for s in rep["spills"]] == [(leaker, "uts")],
           "exactly the early thread that stayed", rep)
    c = rep["spills"][0]["cause"]
    expect(c["call"] == "unshare" and c["tid"] == leaker and
           c["stack"][0]["function"] == "early_unshare", "its own call", c)
    expect("start_pool" in functions(rep["spills"][0]["creation"]["stack"]),
           "created in the library's constructor", rep["spills"][0])
    expect(r.rc == 66, "status", r)


@test
def threads_started_by_constructors_before_ours():
    early = os.path.join(SO, "early_threads.so")
    # Constructors of later preloads run first: early's before the shim's.
    for preload in ("%s:%s" % (LIB, early), "%s:%s" % (early, LIB)):
        r = run("clean", env={"LD_PRELOAD": preload})
        check_early(r)


@test
def threads_started_by_a_dlopened_library():
    check_early(run("h_dlopen", os.path.join(SO, "early_threads.so")))


@test
def a_removed_library_still_gets_names():
    # Read through /proc/PID/map_files, which only CAP_SYS_ADMIN may open.
    d = tempfile.mkdtemp(prefix="nsp-rm-")
    try:
        so = os.path.join(d, "early_threads.so")
        for options in ("format=json", "format=json:symbolizer=/nonexistent/x"):
            shutil.copy(os.path.join(SO, "early_threads.so"), so)
            r = run("h_dlopen", so, "unlink", options=options)
            expect(not os.path.exists(so), "the library was removed", r)
            check_early(r)
            f = r.only_report()["spills"][0]["cause"]["stack"][0]
            expect(f["module"] == so and f["file"].endswith("early_threads.c"),
                   "named from the removed file (%s)" % options, f)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test
def options_are_read_when_the_program_calls_us_before_libc_is_set_up():
    # Wrappers called from a preinit_array, before libc has set environ:
    # an instrumented program's sanitizer runtime does this.
    r = run("h_preinit")
    rep = r.only_report()
    expect([(s["tid"], s["type"]) for s in rep["spills"]] == [(r.tids["leaker"], "uts")],
           "the JSON report of log_path and format=json", rep)
    expect(r.rc == 66, "status", r)


@test
def a_switch_before_the_library_started_still_leaves_fatal_signals_reported():
    # Recorded from a preinit_array function, before the options are read:
    # arming then would take over no signal, for good.
    r = run("h_preinit_switch")
    expect(r.rc == -signal.SIGTERM, "killed by SIGTERM", r)
    rep = r.only_report()
    expect(rep["trigger"] == "signal" and rep["signal"] == "SIGTERM", "the report of that death",
           rep)
    expect([(s["tid"], s["type"]) for s in rep["spills"]] == [(r.tids["leaker"], "uts")],
           "the leaker", rep)


def sanitizer_runtime(name):
    cc = os.environ.get("CC", "cc")
    p = subprocess.run([cc, "-print-file-name=%s.so" % name], capture_output=True, text=True)
    path = p.stdout.strip()
    if p.returncode != 0 or not os.path.isabs(path):
        raise Skip("no %s runtime for %s" % (name, cc))
    return path


def instrumented_leak(prog, runtime, env):
    """As a user runs an instrumented test suite: LD_PRELOAD=RUNTIME.so:
    libnamspill.so.  The runtime starts in the program's preinit_array and
    calls sigaltstack; its pthread_create interceptor calls ours, and our
    trampoline runs before the runtime has set up the new thread."""
    if PRELOAD_FIRST and runtime not in PRELOAD_FIRST:
        raise Skip("the library is built for another sanitizer here")
    if PRELOAD_FIRST:
        r = run(prog)  # make check-asan puts the runtime first
    else:
        env["LD_PRELOAD"] = sanitizer_runtime(runtime) + ":" + LIB
        r = run(prog, env=env)
    expect_leak_from_main(r)


def expect_leak_from_main(r):
    """h_leak's one spill, its cause and creation stacks starting at the
    program's own calls: no interceptor frame on top."""
    rep = r.only_report()
    expect([(s["tid"], s["type"]) for s in rep["spills"]] == [(r.tids["leaker"], "uts")],
           "the spill, in the JSON report of the options", r, rep)
    s = rep["spills"][0]
    expect(s["cause"]["stack"][0]["function"] == "isolate_hostname", "its call", s)
    expect(s["creation"]["stack"][0]["function"] == "main",
           "creation stack from the program's call, no interceptor frame on top", s)
    expect(r.rc == 66, "status", r)


@test
def program_built_with_asan_runs_with_its_runtime_first():
    instrumented_leak("asan_leak", "libasan", {"ASAN_OPTIONS": "detect_leaks=0"})


@test
def program_built_with_tsan_runs_with_its_runtime_first():
    # TSan's status after a report is 66, as ours: 86 tells them apart.
    instrumented_leak("tsan_leak", "libtsan", {"TSAN_OPTIONS": "exitcode=86"})


@test
def namspill_with_the_asan_runtime_preloaded_keeps_its_own_status():
    """As docs/sanitizers.md runs an instrumented tree: namspill runs with
    the runtime too, and LeakSanitizer (on) must not judge namspill's own
    memory at its exit: the status is the verdict's."""
    if PRELOAD_FIRST:
        raise Skip("namspill is instrumented itself in a sanitizer build")
    e = clean_env()
    e["LD_PRELOAD"] = sanitizer_runtime("libasan")
    e.pop("ASAN_OPTIONS", None)
    p = subprocess.run([os.path.join(BUILD, "namspill"), "-q", "--", prog("asan_leak")],
                       env=e, capture_output=True, text=True, timeout=60)
    expect(p.returncode == 66 and "LeakSanitizer" not in p.stderr,
           "the spill's status, no leak report of namspill's", p.returncode, p.stderr)


def runtime_linked_in(name, env):
    """A program built by clang, its sanitizer runtime inside it, with only
    our library preloaded: no runtime library to know its frames by."""
    if PRELOAD_FIRST:
        raise Skip("the sanitizer build preloads gcc's runtime, which cannot share a "
                   "process with one linked into the program")
    if not os.path.exists(prog(name)):
        raise Skip("no clang to build %s" % name)
    expect_leak_from_main(run(name, env=env))


@test
def program_with_asan_linked_in_by_clang():
    runtime_linked_in("clang_asan_leak", {"ASAN_OPTIONS": "detect_leaks=0"})


@test
def program_with_tsan_linked_in_by_clang():
    runtime_linked_in("clang_tsan_leak", {"TSAN_OPTIONS": "exitcode=86"})


@test
def vfork_and_exec():
    r = run("h_vfork")
    lines = dict(l.split(" ", 1) for l in r.out.splitlines() if l.startswith(("child ", "parent ")))
    child, parent = int(lines["child"]), int(lines["parent"].split()[0])
    expect(lines["parent"].endswith("child_status 0"), "exec'd child clean, status 0", r.out)
    expect(sorted(r.reports) == sorted([child, parent]), "one report per process", r.reports)
    expect(r.reports[child]["spills"] == [] and r.reports[child]["threads"] == 1, "child",
           r.reports[child])
    prep = r.reports[parent]
    expect([(s["tid"], s["type"]) for s in prep["spills"]] == [(r.tids["leaker"], "uts")],
           "parent's leak", prep)
    expect(r.rc == 66, "status", r)


@test
def clone_threads_get_records_of_their_own():
    r = run("h_clone")
    rep = r.only_report()
    stayer = r.tids["stayer"]
    expect(rep["threads"] == 3, "main and two clone threads", rep)
    expect([(s["tid"], s["type"]) for s in rep["spills"]] == [(stayer, "net")],
           "the clone thread that stayed", rep)
    c = rep["spills"][0]["cause"]
    expect(c is not None and c["tid"] == stayer and c["stack"][0]["function"] == "cloned_enter",
           "explained by its own call, not its creator's record", rep["spills"][0])
    expect(r.rc == 66, "status", r)


@test
def without_proc_the_report_cannot_judge_and_status_is_kept():
    if PRELOAD_FIRST:
        raise Skip("sanitizer runtimes cannot start without /proc")
    for status in ("0", "5"):
        p = in_mount_ns("mount -t tmpfs nsp-noproc /proc", [prog("h_leak"), status, "hi"], "")
        lines = nsp_lines(p.stderr)
        expect(len(lines) == 1 and "cannot judge namespaces" in lines[0], "one line", p.stderr)
        expect(p.returncode == int(status), "status unchanged", p)
        expect(stdout_without_tids(p.stdout) == ["hi"], "stdout", p.stdout)
    d = tempfile.mkdtemp(prefix="nsp-noproc-")
    try:
        p = in_mount_ns("mount -t tmpfs nsp-noproc /proc", [prog("h_leak"), "0", "hi"],
                        "format=json:log_path=%s/r" % d)
        files = os.listdir(d)
        expect(len(files) == 1, "a report is still written", files)
        rep = json.load(open(os.path.join(d, files[0])))
    finally:
        shutil.rmtree(d)
    expect(rep["error"] and "ENOENT" in rep["error"] and rep["spills"] == [], "says why", rep)
    expect(p.returncode == 0 and p.stderr == "", "quiet, status kept", p)



def leak_with(preexec=None, env=None, options="format=json"):
    """leak_unshare with the library, its report in a fresh directory:
    (status, stderr, reports)."""
    d = tempfile.mkdtemp(prefix="nsp-mem-")
    e = clean_env()
    e.update(LD_PRELOAD=PRELOAD, NAMSPILL_OPTIONS="log_path=%s/r:%s" % (d, options))
    e.update(env or {})
    try:
        p = subprocess.run([prog("leak_unshare")], env=e, preexec_fn=preexec,
                           capture_output=True, text=True, timeout=60)
        if p.returncode == 77:
            raise Skip(p.stderr.strip().splitlines()[-1])
        reports = [json.load(open(os.path.join(d, f))) for f in os.listdir(d)]
    finally:
        shutil.rmtree(d)
    return p.returncode, p.stderr, reports


def one_uts_spill(rc, err, reports):
    expect(rc == 66 and len(reports) == 1 and "cannot map" not in err, "a report", rc, err)
    spills = reports[0]["spills"]
    expect(len(spills) == 1 and spills[0]["type"] == "uts" and spills[0]["cause"],
           "the spill and its cause", reports[0])


@test
def a_report_is_written_under_ulimit_v_128m():
    """The report's memory is sized to what it needs: a process limited to
    128 MiB of address space still gets its report (the whole worst case
    once was mapped at once)."""
    if PRELOAD_FIRST:
        raise Skip("a sanitizer runtime cannot start under ulimit -v")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (128 << 20, 128 << 20))
    one_uts_spill(*leak_with(limit))


@test
def a_report_is_written_when_every_descriptor_is_taken():
    """The program holds all the descriptors RLIMIT_NOFILE allows when it
    exits: the report cannot open /proc in its table, so it is taken by a
    helper with a table of its own, where the highest are closed (the
    program's stay open).  The program's own last open still fails."""
    r = run("fd_full", options="format=json")
    expect(r.rc == 66, "the spill's status", r)
    expect(re.search(r"full after \d+ more: Too many open files", r.out), "EMFILE for the program",
           r.out)
    got = spills_by(r.only_report(), r.tids["leaker"], "net")
    expect(len(got) == 1 and got[0]["cause"], "the spill and its cause", r.err[-600:])


def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/meminfo" % key)


@test
def a_report_is_written_under_strict_overcommit():
    """vm.overcommit_memory=2 counts every writable private mapping,
    MAP_NORESERVE or not: with 192 MiB left to commit on the whole machine
    (set for the moment of one run, then put back), the report still gets
    its memory."""
    need_root("to set vm.overcommit_memory")
    if PRELOAD_FIRST:
        raise Skip("a sanitizer runtime reserves terabytes of shadow memory")
    knobs = ["overcommit_memory", "overcommit_ratio", "overcommit_kbytes"]
    old = {k: open("/proc/sys/vm/" + k).read().strip() for k in knobs}
    limit_kb = meminfo("Committed_AS") + (192 << 10) - meminfo("SwapTotal")
    if limit_kb <= 0:
        raise Skip("swap larger than what is committed: no way to leave 192 MiB")

    def put(k, v):
        with open("/proc/sys/vm/" + k, "w") as f:
            f.write(str(v))
    try:
        put("overcommit_kbytes", limit_kb)
        put("overcommit_memory", 2)
        got = leak_with()
    finally:
        put("overcommit_memory", old["overcommit_memory"])
        if old["overcommit_kbytes"] != "0":
            put("overcommit_kbytes", old["overcommit_kbytes"])
        else:
            put("overcommit_ratio", old["overcommit_ratio"])
    one_uts_spill(*got)


@test
def a_report_that_runs_out_of_memory_tries_again_with_more():
    """NSP_TEST_ARENA_KIB=1024: the first try of a 2000-thread report gets
    1 MiB, runs out, and the report is taken again with 4 MiB (16 MiB if
    that is still too little: the report holds each thread's path too)."""
    bench = os.path.join(BUILD, "bench", "nsp-bench")
    e = clean_env()
    e.update(LD_PRELOAD=PRELOAD, NAMSPILL_OPTIONS="verbosity=2:exitcode=0",
             NSP_TEST_ARENA_KIB="1024")
    p = subprocess.run([bench, "report", "2000", "100", "0"], env=e, capture_output=True,
                       text=True, timeout=120)
    if p.returncode == 77:
        raise Skip(p.stderr.strip().splitlines()[-1])
    expect("SUMMARY: namspill: 100 threads of 2001 left" in p.stderr, "the whole report", p.stderr[-2000:])
    used = re.findall(r"report memory: (\d+) KiB used of (\d+) KiB", p.stderr)
    expect(len(used) == 1 and int(used[0][1]) in (4096, 16384) and
           1024 < int(used[0][0]) <= int(used[0][1]),
           "taken again with four times the memory (or sixteen)",
           [l for l in p.stderr.splitlines() if "memory" in l])

if __name__ == "__main__":
    main()
