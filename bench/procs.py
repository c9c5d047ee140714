"""Cost per process: whole process trees (a shell starting /bin/true, make
compiling small C files, a process creating threads, a Go program) run in
four modes, the order rotated round by round:

    native   as is
    floor    LD_PRELOAD of an empty library: what any preload costs
    shim     LD_PRELOAD=libnamspill.so
    cli      namspill -- (watching the whole tree)

CPU time is user + system of the whole tree, namspill and its keeper
included (this process is their subreaper, so orphans are reaped here and
counted too), from getrusage(RUSAGE_CHILDREN) before and after.  System
calls per unit come from strace -f at two sizes, so start-up cancels out.
"""
import ctypes
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time

import results

MODES = ["native", "floor", "shim", "cli"]
NAMES = ["true", "make", "threads", "go"]  # the rows, for --only
PR_SET_CHILD_SUBREAPER = 36
# Environment a workload must not inherit: the outer make's jobserver, and
# any preload or options of the caller.
DROP_ENV = ("LD_PRELOAD", "NAMSPILL_OPTIONS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
GOROUTINES = 1000


def loop(n, cmd):
    """A shell running cmd n times, failing with it."""
    return ["sh", "-c", 'i=0; while [ $i -lt %d ]; do %s || exit; i=$((i+1)); done' % (n, cmd)]


class Workload:
    """One row: argv(n) runs it at size n; units(n) is what per-unit figures
    divide by (None: the processes strace counts); `short` rows are held
    to the issue's targets."""

    def __init__(self, name, label, unit, sizes, strace_cap, short, argv, units=None):
        self.name, self.label, self.unit, self.sizes = name, label, unit, sizes
        self.strace_cap, self.short, self.argv, self.units = strace_cap, short, argv, units


def workloads(b, tmp):
    prog = os.path.abspath(b.prog)
    makedirs = {}

    def make_argv(n):
        if n not in makedirs:
            makedirs[n] = make_tree(tmp, n)
        return ["make", "-B", "-j2", "-C", makedirs[n]]

    rows = [
        Workload("true", "%d × /bin/true from a shell", "/bin/true",
                 {"full": 300, "quick": 300, "smoke": 20}, 100, True,
                 lambda n: loop(n, "/bin/true"), lambda n: n),
        Workload("make", "make -j2 of %d small C files", "process",
                 {"full": 40, "quick": 40, "smoke": 2}, 40, True, make_argv),
        Workload("threads", "nsp-bench create %d: one process, threads made and joined",
                 "thread", {"full": 20000, "quick": 5000, "smoke": 50}, 1000, False,
                 lambda n: [prog, "create", str(n)], lambda n: n),
    ]
    if shutil.which("go"):
        built = []

        def go_argv(n):
            if not built:
                built.append(build_go(b, tmp))
            return loop(n, "%s %d" % (built[0], GOROUTINES))
        rows.append(Workload("go", "%%d × a Go program (%d goroutines) from a shell" % GOROUTINES,
                             "program", {"full": 100, "quick": 30, "smoke": 2}, 10, True,
                             go_argv, lambda n: n))
    else:
        b.note("go not installed: no Go row")
    return rows


def make_tree(tmp, n):
    """A directory of n one-function C files, a main and a Makefile."""
    d = os.path.join(tmp, "make%d" % n)
    os.makedirs(d)
    objs = []
    for i in range(n):
        with open(os.path.join(d, "f%d.c" % i), "w") as f:
            f.write("int f%d(int x) { return x * %d + 1; }\n" % (i, i))
        objs.append("f%d.o" % i)
    with open(os.path.join(d, "main.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    with open(os.path.join(d, "Makefile"), "w") as f:
        f.write("OBJ = main.o %s\nprog: $(OBJ)\n\t$(CC) -o $@ $(OBJ)\n"
                "%%.o: %%.c\n\t$(CC) -O2 -c -o $@ $<\n" % " ".join(objs))
    return d


def build_go(b, tmp):
    """bench/goroutines.go, built once: static, so no preload reaches it;
    only namspill watches it."""
    out = os.path.join(tmp, "goroutines")
    build = os.path.abspath(b.a.build)
    env = dict(os.environ, GOCACHE=os.path.join(build, "gocache"),
               GOPATH=os.path.join(build, "gopath"), GOFLAGS="", GO111MODULE="off",
               CGO_ENABLED="0")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goroutines.go")
    p = subprocess.run(["go", "build", "-o", out, src], env=env, cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError("go build %s failed: %s" % (src, p.stdout.strip()[-300:]))
    return out


class Runner:
    def __init__(self, b):
        self.b = b
        self.empty = os.path.abspath(os.path.join(b.a.build, "bench", "libempty.so"))
        self.cli = os.path.abspath(os.path.join(b.a.build, "namspill"))
        self.env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def preload(self, mode):
        return {"floor": self.empty, "shim": self.b.lib}.get(mode)

    def cmd(self, mode, argv, wrap=()):
        """argv in a mode.  wrap: strace goes outside namspill (its calls
        count too) and outside the preload; valgrind and time go inside
        namspill, so they measure the child alone."""
        env = dict(self.env)
        lib = self.preload(mode)
        wrap = list(wrap)
        strace = wrap[:1] == ["strace"]
        if lib and strace:
            wrap[1:1] = ["-E", "LD_PRELOAD=" + lib]  # strace itself not preloaded
        elif lib:
            env["LD_PRELOAD"] = lib
        cmd = argv if strace else wrap + argv
        if mode == "cli":
            cmd = [self.cli, "--"] + cmd
        if strace:
            cmd = wrap + cmd
        if self.b.a.cpu:
            cmd = ["taskset", "-c", self.b.a.cpu] + cmd
        return cmd, env

    def timed(self, mode, argv):
        """One run: CPU time of the tree, wall time, minor faults."""
        cmd, env = self.cmd(mode, argv)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with tempfile.TemporaryFile() as err:
            t0 = time.monotonic()
            p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=err)
            _, status, _ = os.wait4(p.pid, 0)
            wall = time.monotonic() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            reap_orphans()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode != 0:
                err.seek(0)
                raise RuntimeError("%s failed (status %d): %s" % (
                    " ".join(cmd), p.returncode, err.read().decode(errors="replace")[-500:]))
        return {"cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                "wall": wall, "minflt": after.ru_minflt - before.ru_minflt}

    def series(self, w, n, reps, warm):
        """reps rounds of the four modes, order rotated each round."""
        argv = w.argv(n)
        if warm:
            for m in MODES:
                self.timed(m, argv)
        got = {m: [] for m in MODES}
        for r in range(reps):
            for m in MODES[r % len(MODES):] + MODES[:r % len(MODES)]:
                got[m].append(self.timed(m, argv))
        return got

    def strace(self, mode, argv):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "strace")
            cmd, env = self.cmd(mode, argv, ["strace", "-f", "-qq", "-o", out])
            p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, timeout=3600)
            reap_orphans()
            if p.returncode != 0:
                raise RuntimeError("%s failed (status %d): %s" % (
                    " ".join(cmd), p.returncode, p.stderr.strip()[-500:]))
            with open(out, errors="replace") as f:
                return count_calls(f, self.cli if mode == "cli" else None)

    def syscalls(self, w, n):
        """Per mode: system calls per unit, from strace at two sizes (the
        difference, so start-up cancels), and the processes at size n."""
        hi = min(n, w.strace_cap)
        lo = max(hi // 2, 1)
        per, procs = {}, None
        for m in MODES:
            a, z = self.strace(m, w.argv(lo)), self.strace(m, w.argv(hi))
            if m == "native":
                procs = z["processes"] if hi == n else None
            du = (w.units(hi) - w.units(lo)) if w.units else z["processes"] - a["processes"]
            if du <= 0:
                raise RuntimeError("strace saw no more %ss at size %d than at %d" % (
                    w.unit, hi, lo))
            per[m] = {k: diff(z[k], a[k], du) for k in ("work", "namspill")}
        return per, procs

    def one_true(self):
        """One /bin/true per mode: instructions under callgrind (for the cli
        only the child's: valgrind runs inside namspill) and minor faults of
        the process alone (/usr/bin/time)."""
        out = {m: {} for m in MODES}
        for m in MODES:
            if shutil.which("valgrind") and not self.b.a.smoke:
                cmd, env = self.cmd(m, ["/bin/true"], ["valgrind", "--tool=callgrind",
                                                       "--callgrind-out-file=/dev/null"])
                p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, timeout=600)
                reap_orphans()
                ir = re.search(r"I\s+refs:\s+([\d,]+)", p.stderr)
                if ir:
                    out[m]["instructions"] = int(ir.group(1).replace(",", ""))
            if os.path.exists("/usr/bin/time"):
                with tempfile.NamedTemporaryFile("r") as t:
                    cmd, env = self.cmd(m, ["/bin/true"], ["/usr/bin/time", "-f", "%R",
                                                          "-o", t.name])
                    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=600)
                    reap_orphans()
                    v = t.read().split()
                    if v and v[-1].isdigit():
                        out[m]["minflt"] = int(v[-1])
        return out


def reap_orphans(deadline=10.0):
    """Waits for what the run left to this subreaper (namspill's keeper)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.001)


def diff(z, a, du):
    """Per unit, by system call name: (z - a) / du, and the total."""
    names = {k: (z.get(k, 0) - a.get(k, 0)) / du for k in set(z) | set(a)}
    return {"total": sum(names.values()), "names": names}


LINE = re.compile(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>(.*)|(\w+)\((.*))$")


def count_calls(lines, namspill):
    """System calls of an strace -f log by name, split between the
    workload's processes ("work") and namspill's own ("namspill": the
    processes and threads that never left namspill's executable), and the
    workload's processes (threads left out)."""
    pending, calls, recs = {}, [], []
    for line in lines:
        m = LINE.match(line.rstrip("\n"))
        if not m:
            continue
        pid = int(m.group(1))
        if m.group(2):  # the rest of an unfinished call
            name, text = pending.pop(pid, (m.group(2), ""))
            recs.append((pid, name, text + m.group(3)))
            continue
        calls.append((pid, m.group(4)))
        if line.rstrip().endswith("<unfinished ...>"):
            pending[pid] = (m.group(4), m.group(5))
        else:
            recs.append((pid, m.group(4), m.group(5)))
    parent, threads, image = {}, set(), {}
    for pid, name, text in recs:
        ret = re.search(r"= (\d+)(?: .*)?$", text)
        if name in ("clone", "clone3", "fork", "vfork") and ret and int(ret.group(1)) > 0:
            child = int(ret.group(1))
            parent[child] = pid
            if "CLONE_THREAD" in text:
                threads.add(child)
        elif name in ("execve", "execveat") and re.search(r"= 0$", text):
            path = re.match(r'(?:\d+, )?"([^"]*)"', text)
            image[pid] = path.group(1) if path else "?"
    side = {}

    def side_of(pid):
        if pid not in side:
            if pid in image:
                own = namspill and os.path.realpath(image[pid]) == os.path.realpath(namspill)
                side[pid] = "namspill" if own else "work"
            else:
                side[pid] = side_of(parent[pid]) if pid in parent else "work"
        return side[pid]
    out = {"work": {}, "namspill": {}}
    for pid, name in calls:
        d = out[side_of(pid)]
        d[name] = d.get(name, 0) + 1
    out["processes"] = sum(1 for pid in {p for p, _ in calls}
                           if pid not in threads and side_of(pid) == "work")
    return out


def run(b, size, reps, out, which=None):
    """The process rows and the /bin/true figures (results.Procs)."""
    tmp = tempfile.mkdtemp(prefix="procs.", dir=os.path.abspath(out))
    try:
        r = Runner(b)
        if not os.path.exists(r.empty):
            b.note("%s missing (make bench builds it): no process rows" % r.empty)
            return None
        rows = []
        for w in workloads(b, tmp):
            if which and w.name not in which:
                continue
            n = w.sizes[size]
            label = w.label % n
            got = b.guarded("%s: %s" % (label, ", ".join(MODES)),
                            lambda: r.series(w, n, 2 * reps if w.short else reps,
                                             warm=size != "smoke"))
            if not got:
                continue
            sc, procs = None, None
            # A smoke run counts the calls of the first row only: enough to
            # keep the counting working, where each row takes seconds.
            if shutil.which("strace") and (size != "smoke" or not rows):
                v = b.guarded("%s: system calls (strace -f)" % label, lambda: r.syscalls(w, n))
                if v:
                    sc, procs = v
            units = w.units(n) if w.units else procs
            rows.append(results.ProcRow(w.name, label, w.unit, w.short, got, units, sc))
        one = b.guarded("one /bin/true: instructions, minor faults", r.one_true)
        return results.Procs(rows, one or {})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
