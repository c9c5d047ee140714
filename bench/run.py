#!/usr/bin/env python3
"""namspill benchmarks: runs each nsp-bench workload natively, under the
shim and under the tracers, alternating the order run by run, and whole
process trees natively, under an empty preload, the shim and namspill
(bench/procs.py); writes medians and ratios to BUILD/bench/results.md, the
plot data and the plot.

    bench/run.py [--build DIR] [--quick | --smoke] [--reps N] [--cpu LIST]
                 [--publish] [--tap] [--only SECTIONS]

Ratios are medians of ratios taken run by run (each shim run against the
native run next to it), so a busy machine slows both sides of a pair.
"""
import argparse
import os
import platform
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procs  # noqa: E402
import results  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP_RC = 77

# name, label, full size, quick size, smoke size
CALLS = [
    ("create", "pthread_create + join", 20000, 5000, 50),
    ("setns", "setns round trip (uts)", 100000, 30000, 200),
    ("unshare", "unshare(CLONE_NEWUTS)", 50000, 20000, 100),
    ("pool", "thread pool, workers switch (per task)", 51200, 12800, 512),
]
HELD = ("create", "setns")
# Tracers stop the program at every traced call: far fewer iterations.
SLOW_DIV = {"create": 20, "setns": 100, "unshare": 100, "pool": 50}
THREADS = {"full": [100, 300, 1000, 3000, 10000], "quick": [100, 1000, 10000],
           "smoke": [10, 50]}
CHURN = {"full": 1000000, "quick": 100000, "smoke": 2000}
DEEP = 200  # frames under each spilled thread's setns in the deep-stack row


class Skip(Exception):
    pass


class Bench:
    def __init__(self, a):
        self.a = a
        self.prog = os.path.join(a.build, "bench", "nsp-bench")
        self.lib = os.path.abspath(os.path.join(a.build, "libnamspill.so"))
        self.tracer = os.path.join(a.build, "namspill-trace")
        self.ntap = 0
        self.failed = 0

    def tap(self, ok, name, skip=None):
        if not self.a.tap:
            return
        self.ntap += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.ntap, name,
                                " # skip " + skip if skip else ""), flush=True)

    def note(self, s):
        print(("# " if self.a.tap else "") + s, flush=True)

    def cmd(self, mode, workload, args, opts):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        env["NAMSPILL_OPTIONS"] = "exitcode=0" + (":" + opts if opts else "")
        if mode == "floor":  # native, with one bare stack capture per call
            workload = "floor"
        cmd = [self.prog, workload] + [str(x) for x in args]
        if mode == "shim":
            env["LD_PRELOAD"] = self.lib
        elif mode == "trace":
            cmd = [self.tracer, "--"] + cmd
        elif mode in ("cg-native", "cg-shim"):
            if mode == "cg-shim":
                env["LD_PRELOAD"] = self.lib
            cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd
        elif mode == "strace":
            cmd = ["strace", "-f", "-k", "-e", "trace=setns,unshare", "-o", "/dev/null"] + cmd
        if self.a.cpu:
            cmd = ["taskset", "-c", self.a.cpu] + cmd
        return cmd, env

    def run(self, mode, workload, args, opts=""):
        """One run; returns {key: value} from the program's output."""
        cmd, env = self.cmd(mode, workload, args, opts)
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=3600)
        if p.returncode == SKIP_RC:
            raise Skip((p.stderr.strip().splitlines() or ["skipped"])[-1])
        out = {}
        for line in p.stderr.splitlines():  # valgrind's total
            if "I   refs:" in line:
                out["instructions"] = float(line.split(":")[1].replace(",", ""))
        for line in p.stderr.splitlines():  # verbosity=2: where a report's time went
            m = re.match(r"namspill: report of \d+ threads: read in (\d+) us, "
                         r"frames named in (\d+) us more, written in (\d+) us", line)
            if m:
                out["read_s"], out["names_s"], out["write_s"] = (
                    float(x) / 1e6 for x in m.groups())
        for line in p.stdout.splitlines():
            k, _, v = line.partition(" ")
            try:
                out[k] = float(v)
            except ValueError:
                pass
        if p.returncode != 0 or not out:
            raise RuntimeError("%s failed (status %d): %s" % (
                " ".join(cmd), p.returncode, p.stderr.strip()[-500:]))
        return out

    def series(self, modes, workload, args, reps, opts=""):
        """reps runs of each mode, order alternating; {mode: [outputs]}."""
        got = {m: [] for m in modes}
        for r in range(reps):
            order = modes if r % 2 == 0 else modes[::-1]
            for m in order:
                got[m].append(self.run(m, workload, args, opts))
        return got

    def guarded(self, name, fn):
        try:
            v = fn()
            self.tap(True, name)
            return v
        except Skip as s:
            self.tap(True, name, str(s))
            self.note("%s: skipped: %s" % (name, s))
        except Exception as e:  # a failed workload must not hide the rest
            self.failed += 1
            self.tap(False, name)
            self.note("%s: FAILED: %s" % (name, e))
        return None


def have_strace():
    return shutil.which("strace") is not None


def calls(b, size, reps, which=None):
    rows = []
    for name, label, *sizes in CALLS:
        if which and name not in which:
            continue
        n = sizes[["full", "quick", "smoke"].index(size)]
        modes = ["native", "floor", "shim"] if name == "setns" else ["native", "shim"]

        # The rows held to a target (create, setns) differ by a few
        # hundredths: twice the rounds, as the short process rows.
        held = 2 * reps if name in HELD else reps
        got = b.guarded("%s: %s" % (name, ", ".join(modes)),
                        lambda: b.series(modes, name, [n], held))
        if not got:
            continue
        slow_n = max(n // SLOW_DIV[name], 20)
        slow = {}
        for mode in ["trace", "strace"]:
            if mode == "strace" and not have_strace():
                b.note("strace not installed: no strace -f -k column")
                continue
            v = b.guarded("%s: %s" % (name, mode), lambda: [
                b.run(mode, name, [slow_n])["ns_per_op"] for _ in range(max(reps // 3, 1))])
            if v:
                slow[mode] = v
        if shutil.which("valgrind") and size != "smoke":
            v = b.guarded("%s: instructions (callgrind)" % name,
                          lambda: instructions(b, name, CG_SIZE[name]))
            if v:
                slow["instructions"] = v
        rows.append(results.CallRow(name, label, got, slow))
    return rows


CG_SIZE = {"create": 700, "setns": 7000, "unshare": 7000, "pool": 2560}


def instructions(b, name, n):
    """User-space instructions per operation, native and under the shim:
    two runs of different sizes under callgrind, so start-up cancels out.
    Exact and repeatable where timings on a busy machine are not."""
    per = {}
    for mode in ("native", "shim"):
        small = b.run("cg-" + mode, name, [n])
        big = b.run("cg-" + mode, name, [2 * n])
        per[mode] = (big["instructions"] - small["instructions"]) / (big["ops"] - small["ops"])
    return per


def report_runs(b, size, reps):
    rows = []
    counts = THREADS[size]
    shapes = [(t, max(t // 10, 1), 0, "") for t in counts]
    deep_t = counts[len(counts) // 2]
    shapes.append((deep_t, max(deep_t // 10, 1), DEEP if size != "smoke" else 20,
                   "stack_depth=64"))
    for t, spilled, depth, opts in shapes:
        name = "report: %d threads, %d spilled, depth %d" % (t, spilled, depth)
        # verbosity=2 has the shim say where the report's time went.
        vopts = "verbosity=2" + (":" + opts if opts else "")
        got = b.guarded(name, lambda: b.series(["native", "shim"], "report",
                                               [t, spilled, depth], reps, vopts))
        if got:
            rows.append(results.ReportRow(t, spilled, depth, opts, got))
    return rows


def memory_runs(b, size, reps):
    """Per-thread and per-call RSS from idle vs spilled threads, and churn."""
    t = THREADS[size][-1]
    mem = {}
    for spilled in (0, t):
        got = b.guarded("memory: %d threads, %d with a recorded call" % (t, spilled),
                        lambda: b.series(["native", "shim"], "report", [t, spilled],
                                         max(reps // 2, 1)))
        if got:
            mem[spilled] = got
    # Threads that each switched 21 times: their paths full (8 kept).
    got = b.guarded("memory: %d threads, each with 21 recorded calls" % t,
                    lambda: b.series(["native", "shim"], "report", [t, t, 0, 10],
                                     max(reps // 2, 1)))
    if got:
        mem["path"] = got
    lo = THREADS[size][0]
    got = b.guarded("memory: %d threads" % lo,
                    lambda: b.series(["native", "shim"], "report", [lo, 0], max(reps // 2, 1)))
    if got:
        mem["lo"] = (lo, got)
    n = CHURN[size]
    churn = b.guarded("memory: %d threads come and go" % n,
                      lambda: b.series(["native", "shim"], "churn", [n, 16], 1))
    return results.Memory(t, mem, n, churn)


SCAN_PROCS = {"full": 3000, "quick": 1000, "smoke": 20}


def host_scan(b, size, reps):
    """namspill ps --all on this host with N more idle processes started
    for it (sleep), and one spilled process planted among them: its time,
    and what it scanned."""
    n = SCAN_PROCS[size]
    cli = os.path.join(b.a.build, "namspill")
    planted = os.path.join(b.a.build, "tests", "prog", "cli_leak")
    if not os.path.exists(cli):
        raise Skip("namspill not built")
    sleepers = []
    try:
        for _ in range(n):
            sleepers.append(subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL))
        if os.path.exists(planted):
            sleepers.append(subprocess.Popen([planted, "wait"], stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL))
            sleepers[-1].stdout.readline()
        runs = []
        for _ in range(max(reps, 3)):
            p = subprocess.run([cli, "ps", "--all", "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
            d = __import__("json").loads(p.stdout)
            runs.append({"seconds": d["seconds"], "procs": d["processes_scanned"],
                         "threaded": d["threaded"], "single": d["single_threaded"],
                         "spilled": len(d["processes"])})
        return results.HostScan(n, runs)
    finally:
        for p in sleepers:
            p.kill()
            p.wait()


def load():
    """CPU pressure: the share of the last minute some task waited for a CPU
    (other jobs on the machine, or this benchmark's own threads)."""
    try:
        with open("/proc/pressure/cpu") as f:
            return "%s %%" % f.readline().split()[2].split("=")[1]
    except (OSError, IndexError):
        return "unknown"


def machine(a):
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"
    glibc = subprocess.run(["ldd", "--version"], stdout=subprocess.PIPE, text=True).stdout
    return {
        "cpus": os.cpu_count(),
        "cpu": first("/proc/cpuinfo", "model name"),
        "kernel": platform.release(),
        "glibc": glibc.splitlines()[0].split()[-1] if glibc else "?",
        "load": load(),
        "pinned": a.cpu or "no",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    ap.add_argument("--smoke", action="store_true", help="each workload for a moment (tests)")
    ap.add_argument("--reps", type=int, help="runs per mode (default 11, quick 5, smoke 1)")
    ap.add_argument("--cpu", help="run everything under taskset -c CPU")
    ap.add_argument("--out", help="output directory (default BUILD/bench)")
    ap.add_argument("--publish", action="store_true",
                    help="also copy results to bench/results/ and docs/performance.md")
    ap.add_argument("--tap", action="store_true", help="TAP lines for tests/run")
    ap.add_argument("--only", help="comma-separated sections: calls, report, memory, "
                    "processes, scan; workloads of calls by name (setns, create, ...) and of "
                    "processes (true, make, threads, go)")
    a = ap.parse_args()
    if a.publish and a.only:
        ap.error("--publish replaces every published section: not with --only")
    size = "smoke" if a.smoke else "quick" if a.quick else "full"
    reps = a.reps or {"full": 11, "quick": 5, "smoke": 1}[size]
    out = a.out or os.path.join(a.build, "bench")
    os.makedirs(out, exist_ok=True)
    b = Bench(a)
    m = machine(a)
    res = results.Results(m, size, reps)
    only = set(a.only.split(",")) if a.only else None
    names = [c[0] for c in CALLS]
    if not only or "calls" in only or only & set(names):
        res.calls = calls(b, size, reps, None if not only or "calls" in only
                          else only & set(names))
    if not only or "report" in only:
        res.reports = report_runs(b, size, max(reps // 2, 1))
    if not only or "memory" in only:
        res.memory = memory_runs(b, size, reps)
    rows = set(procs.NAMES)
    if not only or "processes" in only or only & rows:
        res.procs = procs.run(b, size, reps, out, None if not only or "processes" in only
                              else only & rows)
    if not only or "scan" in only:
        res.scan = b.guarded("host scan: namspill ps --all with %d more processes"
                             % SCAN_PROCS[size], lambda: host_scan(b, size, reps))
    res.machine["load_after"] = load()
    text = res.markdown()
    for line in text.splitlines():
        b.note(line)
    files = res.write(out)
    b.tap(os.path.exists(files["md"]), "results written to " + files["md"])
    if shutil.which("gnuplot"):
        ok = results.plot(files["dat"], files["svg"], os.path.join(ROOT, "bench", "plot.gp"))
        b.tap(ok, "plot written to " + files["svg"])
    else:
        b.note("gnuplot not installed: no plot")
    if a.publish:
        results.publish(files, os.path.join(ROOT, "bench", "results"),
                        os.path.join(ROOT, "docs", "performance.md"))
    if a.tap:
        print("1..%d" % b.ntap)
    return 1 if b.failed else 0


if __name__ == "__main__":
    sys.exit(main())
