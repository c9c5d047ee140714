"""Turns benchmark runs into the results table (Markdown), the plot data,
the plot, and docs/performance.md."""
import os
import re
import shutil
import subprocess
import time

MB = 1024.0


def median(xs):
    s = sorted(xs)
    n = len(s)
    return (s[n // 2] + s[(n - 1) // 2]) / 2.0 if n else float("nan")


def quartiles(xs):
    """First and third quartile (of the lower and upper halves)."""
    s = sorted(xs)
    h = len(s) // 2
    return (median(s[:h] or s), median(s[len(s) - h:] or s))


def paired(a, b):
    """Run-by-run ratios a[i] / b[i]: (median, first quartile, third quartile)."""
    r = [x / y for x, y in zip(a, b) if y]
    return (median(r),) + quartiles(r) if r else (float("nan"),) * 3


def spread(xs):
    """Interquartile range / median of repeated runs: the noise of a series."""
    if not xs or not median(xs):
        return 0.0
    q1, q3 = quartiles(xs)
    return (q3 - q1) / median(xs)


def vals(runs, key):
    return [r[key] for r in runs if key in r]


def ratio(x):
    return "%.2fx" % x if x == x else "-"


class CallRow:
    def __init__(self, name, label, got, slow):
        self.name, self.label = name, label
        self.t = {m: vals(v, "ns_per_op") for m, v in got.items()}
        self.cpu = {m: vals(v, "cpu_ns_per_op") for m, v in got.items()}
        self.slow = slow  # mode -> ns per op at a smaller size

    def med(self, mode):
        return median(self.t[mode]) if mode in self.t else float("nan")

    def vs(self, a, b, cpu=False):
        t = self.cpu if cpu else self.t
        return paired(t[a], t[b]) if a in t and b in t else None

    def slow_ratio(self, mode):
        return median(self.slow[mode]) / self.med("native") if mode in self.slow else None

    def instructions(self):
        """User-space instructions per op: (native, shim), or None."""
        v = self.slow.get("instructions")
        return (v["native"], v["shim"]) if v else None


class ReportRow:
    def __init__(self, threads, spilled, depth, opts, got):
        self.threads, self.spilled, self.depth, self.opts = threads, spilled, depth, opts
        self.report_s = median(vals(got["shim"], "report_s"))
        self.report_runs = vals(got["shim"], "report_s")
        self.report_cpu = median(vals(got["shim"], "report_cpu_s"))
        self.rss_native = median(vals(got["native"], "rss_kb"))
        self.rss_shim = median(vals(got["shim"], "rss_kb"))
        self.extra_kb = self.rss_shim - self.rss_native
        self.noise = spread(vals(got["shim"], "report_s"))
        # The shim's own account (verbosity=2): reading and explaining the
        # threads (the early symbolizer runs alongside), then what naming
        # frames still took, then writing.
        split = [vals(got["shim"], k) for k in ("read_s", "names_s", "write_s")]
        self.split = [median(v) for v in split] if all(split) else None


class Memory:
    def __init__(self, threads, mem, churn_n, churn):
        self.threads, self.churn_n = threads, churn_n
        self.extra = {}  # spilled (0 or threads) -> extra KB at `threads`
        for k, got in mem.items():
            if k in ("lo", "path"):
                continue
            self.extra[k] = median(vals(got["shim"], "rss_kb")) - median(
                vals(got["native"], "rss_kb"))
        self.path = None  # extra KB with every thread's path full
        if "path" in mem:
            got = mem["path"]
            self.path = median(vals(got["shim"], "rss_kb")) - median(vals(got["native"], "rss_kb"))
        self.lo = None
        if "lo" in mem:
            lo, got = mem["lo"]
            self.lo = (lo, median(vals(got["shim"], "rss_kb")) - median(
                vals(got["native"], "rss_kb")))
        self.churn = {}  # mode -> [(threads so far, rss kb)]
        for mode, runs in (churn or {}).items():
            marks = [(int(k.split("@")[1]), v) for k, v in runs[0].items() if "@" in k]
            self.churn[mode] = sorted(marks)

    def per_thread(self):
        if self.lo is None or 0 not in self.extra or self.threads == self.lo[0]:
            return None
        return (self.extra[0] - self.lo[1]) * 1024 / (self.threads - self.lo[0])

    def per_path(self):
        """Bytes per thread whose path is full (21 calls, 8 kept), beyond one call."""
        if self.path is None or self.threads not in self.extra:
            return None
        return (self.path - self.extra[self.threads]) * 1024 / self.threads

    def per_call(self):
        if 0 not in self.extra or self.threads not in self.extra:
            return None
        return (self.extra[self.threads] - self.extra[0]) * 1024 / self.threads

    def churn_growth(self, mode):
        """RSS growth (KB) from the first mark at or past 1% of the run to the end."""
        marks = self.churn.get(mode)
        if not marks:
            return None
        start = [m for m in marks if m[0] * 100 >= self.churn_n] or marks
        return marks[-1][1] - start[0][1], start[0][0]


def spans(xs, fmt):
    """Median and, with more than one run, (min–max)."""
    if not xs:
        return "-"
    m = fmt % median(xs)
    return m if len(xs) == 1 else "%s (%s–%s)" % (m, fmt % min(xs), fmt % max(xs))


# CPU time / native of a short process may exceed the floor's by this much.
PROC_TARGET = {"shim": 0.05, "cli": 0.15}
PROC_MODES = (("native", "native"), ("floor", "floor: empty library in LD_PRELOAD"),
              ("shim", "shim: LD_PRELOAD=libnamspill.so"), ("cli", "cli: namspill --"))


class ProcRow:
    """A process tree in the four modes; per-rep lists line up (rep i of
    every mode ran in the same round)."""

    def __init__(self, name, label, unit, short, got, units, syscalls):
        self.name, self.label, self.unit, self.short = name, label, unit, short
        self.units, self.syscalls = units, syscalls  # syscalls: mode -> side -> per unit
        self.cpu = {m: vals(v, "cpu") for m, v in got.items()}
        self.wall = {m: vals(v, "wall") for m, v in got.items()}
        self.minflt = {m: vals(v, "minflt") for m, v in got.items()}

    def ratios(self, mode, base):
        """CPU time of mode / base, round by round."""
        return [x / y for x, y in zip(self.cpu[mode], self.cpu[base]) if y]

    def excess(self, mode):
        """Round by round: mode's CPU ratio to native minus the floor's."""
        return [x / n - f / n for x, f, n in zip(self.cpu[mode], self.cpu["floor"],
                                                   self.cpu["native"]) if n]

    def above_floor_us(self, mode):
        if not self.units:
            return []
        return [(x - f) * 1e6 / self.units for x, f in zip(self.cpu[mode], self.cpu["floor"])]

    def target(self, mode):
        """(excess over the floor, allowed, met) or None."""
        if not self.short or mode not in PROC_TARGET or not self.excess(mode):
            return None
        e = median(self.excess(mode))
        return e, PROC_TARGET[mode], e <= PROC_TARGET[mode]


class Procs:
    def __init__(self, rows, one):
        self.rows, self.one = rows, one  # one: mode -> {instructions, minflt}


def ms_fmt(secs):
    return "%.0f ms" if secs and median(secs) >= 0.1 else "%.1f ms"


def us_fmt(us):
    return "%+.0f µs" if us and abs(median(us)) >= 10 else "%+.2f µs"


def proc_target(r, mode):
    tg = r.target(mode)
    if not tg:
        return ""
    e, allowed, met = tg
    return "%s, target ≤ %+.2f: **%s**" % (spans(r.excess(mode), "%+.2f"), allowed,
                                          "met" if met else "missed")


def proc_calls(r, mode):
    if not r.syscalls:
        return "-"
    sc = r.syscalls[mode]
    s = "%.1f" % (round(sc["work"]["total"], 1) + 0.0)  # + 0.0: no "-0.0"
    if mode == "cli":
        s += " + %.1f in namspill" % (round(sc["namspill"]["total"], 1) + 0.0)
    return s


def by_name(per, top=6):
    """'+12.0: openat +4.0, mmap +3.0, ...': the total and the largest."""
    big = sorted(((v, k) for k, v in per.items() if v >= 0.05), reverse=True)[:top]
    total = "%+.1f" % (round(sum(per.values()), 1) + 0.0)
    return total + (": " + ", ".join("%s %+.1f" % (k, v) for v, k in big) if big else "")


class HostScan:
    def __init__(self, added, runs):
        self.added, self.runs = added, runs
        self.seconds = median(vals(runs, "seconds"))
        self.procs = median(vals(runs, "procs"))
        self.threaded = median(vals(runs, "threaded"))
        self.single = median(vals(runs, "single"))
        self.spilled = median(vals(runs, "spilled"))


class Results:
    def __init__(self, machine, size, reps):
        self.machine, self.size, self.reps = machine, size, reps
        self.calls, self.reports, self.memory, self.scan = [], [], None, None
        self.procs = None
        self.date = time.strftime("%Y-%m-%d")

    def call(self, name):
        return next((c for c in self.calls if c.name == name), None)

    def markdown(self):
        out = []
        m = self.machine
        out.append("Measured %s on %s CPUs (%s), Linux %s, glibc %s; CPU pressure (share of "
                   "the last minute some task waited for a CPU) %s before, %s after; pinned "
                   "to a CPU: %s; %s size, %d runs per mode." % (
                       self.date, m["cpus"], m["cpu"], m["kernel"], m["glibc"], m["load"],
                       m.get("load_after", "?"), m["pinned"], self.size, self.reps))
        if self.calls or self.reports or self.memory:  # sections --only left out are not shown
            out += ["", "Each workload runs natively and under the shim in turn (order "
                    "alternating run by run); times are medians, ratios the median of run-by-run "
                    "ratios (their middle half in brackets); noise is the interquartile range / "
                    "median of the native runs; the rows held to a target (pthread_create, "
                    "setns) run twice as many rounds.  Instructions added: user-space instructions per "
                    "operation under callgrind, exact where timings are not (kernel time not "
                    "included).  The namspill-trace and `strace -f -k -e trace=setns,unshare` "
                    "columns are ratios to native, from fewer operations."]
        if self.calls:
            out += ["", "### Cost per call", ""] + self.calls_table()
            out += ["", "### setns round trip: native, floor, shim", ""] + self.setns_table()
        if self.reports:
            out += ["", "### Report at exit and memory", ""] + self.report_table()
        if self.memory:
            out += ["", "### Memory", ""] + self.memory_table()
        if self.procs:
            out += ["", "### Cost per process", ""] + self.procs_text()
        if self.scan:
            out += ["", "### Host scan (namspill ps --all)", ""] + self.scan_table()
        out += ["", "### Targets", ""] + self.targets()
        return "\n".join(out) + "\n"

    def calls_table(self):
        t = ["| workload | native | shim | shim / native (middle half) | noise | instructions "
             "added | namspill-trace | strace -f -k |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for c in self.calls:
            r = c.vs("shim", "native")
            tr, st, ins = c.slow_ratio("trace"), c.slow_ratio("strace"), c.instructions()
            t.append("| %s | %.0f ns | %.0f ns | **%.3fx** (%.2f-%.2f) | %.0f%% | %s | %s | %s |" % (
                c.label, c.med("native"), c.med("shim"), r[0], r[1], r[2],
                100 * spread(c.t["native"]),
                "%+.0f (%.0f to %.0f)" % (ins[1] - ins[0], ins[0], ins[1]) if ins else "-",
                ratio(tr) if tr else "-", ratio(st) if st else "-"))
        return t

    def setns_table(self):
        c = self.call("setns")
        if not c:
            return ["(skipped: no uts namespace could be made here)"]
        t = ["| | ns per round trip | vs native | vs floor | vs native, CPU time "
             "| vs floor, CPU time |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        rows = [("native", "native"), ("floor (native + one bare unw_backtrace per call)",
                                       "floor"), ("shim (LD_PRELOAD)", "shim")]

        def r(mode, base, cpu):
            v = c.vs(mode, base, cpu) if base in c.t else None
            return "%.3fx" % v[0] if v and v[0] == v[0] else "-"
        for label, mode in rows:
            if mode in c.t:
                t.append("| %s | %.0f | %s | %s | %s | %s |" % (
                    label, c.med(mode), r(mode, "native", False), r(mode, "floor", False),
                    r(mode, "native", True), r(mode, "floor", True)))
        for mode, label in (("trace", "namspill-trace"), ("strace", "strace -f -k")):
            if mode in c.slow:
                ns = median(c.slow[mode])
                t.append("| %s | %.0f | %.0fx | | | |" % (label, ns, ns / c.med("native")))
        return t

    def report_table(self):
        t = ["| threads | spilled | frames under setns | report at exit | CPU time "
             "| of it: reading /proc, naming frames after, writing "
             "| RSS native | RSS shim | shim extra per thread |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in self.reports:
            split = ("%.3f + %.3f + %.3f s" % tuple(r.split)) if r.split else "-"
            t.append("| %d | %d | %d%s | %.3f s | %.3f s | %s | %.1f MB | %.1f MB | %.0f bytes |" % (
                r.threads, r.spilled, r.depth, " (%s)" % r.opts if r.opts else "",
                r.report_s, r.report_cpu, split, r.rss_native / MB, r.rss_shim / MB,
                r.extra_kb * 1024 / r.threads))
        return t

    def memory_table(self):
        me = self.memory
        if not me:
            return ["(skipped)"]
        t = ["| what | measured |", "| --- | ---: |"]
        pt, pc = me.per_thread(), me.per_call()
        if pt is not None:
            t.append("| shim RSS per live thread (slope %d to %d threads) | %.0f bytes |" % (
                me.lo[0], me.threads, pt))
        if pc is not None:
            t.append("| shim RSS per recorded call (kept, one per thread) | %.0f bytes |" % pc)
        pp = me.per_path()
        if pp is not None:
            t.append("| shim RSS per thread with a full path (21 calls, the last 8 kept), "
                     "beyond one call | %.0f bytes |" % pp)
        for k in sorted(me.extra):
            t.append("| shim RSS extra, %d threads, %d with a recorded call | %.1f MB |" % (
                me.threads, k, me.extra[k] / MB))
        for mode in ("native", "shim"):
            marks = me.churn.get(mode)
            if marks:
                t.append("| %s RSS while %d threads come and go (16 at a time): %s | |" % (
                    mode, me.churn_n, ", ".join("%s: %.1f MB" % (n, kb / MB)
                                                for n, kb in marks)))
        return t

    def procs_text(self):
        out = ["Each row is a whole process tree, run in four modes, the order rotated "
               "round by round (the rows held to a target, twice as many rounds as the "
               "others: their differences are a few hundredths): *native*; *floor*, an empty library in `LD_PRELOAD` (what any "
               "preload costs); *shim*, `LD_PRELOAD=libnamspill.so`; *cli*, `namspill --`, "
               "which watches the tree (its own time, and its keeper's, included).  CPU time "
               "is user + system of the whole tree, wall time from start to exit: medians, "
               "min–max in brackets.  CPU / native and CPU / floor: ratios of the runs of "
               "one round, then their median (min–max).  Above the floor: CPU time per unit "
               "(the workload names it) over the floor run of the same round.  Target: CPU / "
               "native minus the floor's, round by round, against the targets of issue 17 "
               "(shim at most floor + 0.05, cli at most floor + 0.15, for short processes); "
               "reported, never a test.  Minor faults: of the tree, per unit.  System calls "
               "per unit: `strace -f` at two sizes, the difference per unit (start-up "
               "cancels); under the cli, those namspill made itself are counted apart.", ""]
        out += self.procs_table()
        out += ["", "System calls above the floor per unit, by name (the largest):", ""]
        out += self.procs_calls_table()
        out += ["", "One `/bin/true` in each mode: user-space instructions under callgrind "
                "(under the cli, valgrind runs inside namspill, so only the child is counted) "
                "and minor faults of the process alone (`/usr/bin/time -f %R`).", ""]
        out += self.one_true_table()
        return out

    def procs_table(self):
        t = ["| workload | mode | CPU time | wall time | CPU / native | CPU / floor "
             "| CPU above the floor, per unit | target: CPU / native over the floor's "
             "| minor faults per unit | system calls per unit |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
        for r in self.procs.rows:
            for i, (mode, label) in enumerate(PROC_MODES):
                t.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    "%s (unit: %s)" % (r.label, r.unit) if i == 0 else "", label,
                    spans([x * 1e3 for x in r.cpu[mode]], ms_fmt(r.cpu[mode])),
                    spans([x * 1e3 for x in r.wall[mode]], ms_fmt(r.wall[mode])),
                    spans(r.ratios(mode, "native"), "%.2fx") if mode != "native" else "",
                    spans(r.ratios(mode, "floor"), "%.2fx") if mode in ("shim", "cli") else "",
                    spans(r.above_floor_us(mode), us_fmt(r.above_floor_us(mode)))
                    if mode in ("shim", "cli") else "",
                    proc_target(r, mode),
                    "%.0f" % (median(r.minflt[mode]) / r.units) if r.units else "-",
                    proc_calls(r, mode)))
        return t

    def procs_calls_table(self):
        t = ["| workload | mode | in the workload's processes | in namspill |",
             "| --- | --- | --- | --- |"]
        for r in self.procs.rows:
            if not r.syscalls:
                continue
            floor = r.syscalls["floor"]["work"]["names"]
            for mode in ("shim", "cli"):
                sc = r.syscalls[mode]
                work = {k: v - floor.get(k, 0) for k, v in sc["work"]["names"].items()}
                t.append("| %s | %s | %s | %s |" % (
                    r.label if mode == "shim" else "", mode, by_name(work),
                    by_name(sc["namspill"]["names"]) if mode == "cli" else ""))
        return t

    def one_true_table(self):
        one = self.procs.one
        t = ["| mode | instructions | above the floor | minor faults | above the floor |",
             "| --- | ---: | ---: | ---: | ---: |"]
        for mode, label in PROC_MODES:
            v, f = one.get(mode, {}), one.get("floor", {})

            def cell(k):
                if k not in v:
                    return "-", ""
                return "{:,}".format(v[k]), ("{:+,}".format(v[k] - f[k])
                                              if k in f and mode != "floor" else "")
            t.append("| %s | %s | %s | %s | %s |" % ((label,) + cell("instructions") +
                                                      cell("minflt")))
        return t

    def scan_table(self):
        sc = self.scan
        if not sc:
            return ["(skipped)"]
        return ["| processes on the host | with threads (scanned) | single-threaded (skipped) "
                "| spilled found | time (median of %d) |" % len(sc.runs),
                "| ---: | ---: | ---: | ---: | ---: |",
                "| %d (%d idle ones started for it) | %d | %d | %d | %.3f s |" % (
                    sc.procs, sc.added, sc.threaded, sc.single, sc.spilled, sc.seconds)]

    def targets(self):
        t = []

        def line(what, got, goal, met, noise=None):
            """noise: the (q1, q3) of a ratio; a target inside it is within noise."""
            v = "met" if met else "missed"
            if noise and not met and noise[0] <= float(goal.split("x")[0].split()[-1]):
                v = "within noise (middle half %.3f-%.3f)" % noise
            t.append("- %s: %s (target %s): **%s**" % (what, got, goal, v))
        c = self.call("create")
        if c:
            r, q1, q3 = c.vs("shim", "native")
            rc = c.vs("shim", "native", True)[0]
            line("pthread_create + join under the shim",
                 "%s (middle half %.2f-%.2f; CPU time %.3fx)" % (ratio(r), q1, q3, rc),
                 "<= 1.02x", r <= 1.02, (q1, q3))
        c = self.call("setns")
        if c and "floor" in c.t:
            f, fq1, fq3 = c.vs("shim", "floor")
            n, nq1, nq3 = c.vs("shim", "native")
            fc = c.vs("shim", "floor", True)[0]
            nc = c.vs("shim", "native", True)[0]
            line("setns round trip, shim vs floor",
                 "%.3fx (middle half %.2f-%.2f; CPU time %.3fx)" % (f, fq1, fq3, fc),
                 "<= 1.02x", f <= 1.02, (fq1, fq3))
            line("setns round trip, shim vs native",
                 "%.3fx (middle half %.2f-%.2f; CPU time %.3fx)" % (n, nq1, nq3, nc),
                 "aim 1.10x", n <= 1.10, (nq1, nq3))
            s = c.slow_ratio("strace")
            if s:
                line("strace -f -k vs shim on the setns round trip",
                     "%.0fx slower" % (s / n), ">= 250x", s / n >= 250)
        big = [r for r in self.reports if r.depth == 0]
        if big:
            r = big[-1]
            split = (", of it %.3f s reading /proc" % r.split[0]) if r.split else ""
            line("report with %d threads (%d spilled)" % (r.threads, r.spilled),
                 "%s (CPU time %.3f s%s)" % (spans(r.report_runs, "%.3f s"), r.report_cpu,
                                             split),
                 "<= 0.25 s", r.report_s <= 0.25)
        me = self.memory
        if me and me.churn.get("shim"):
            gs, from_n = me.churn_growth("shim")
            gn = (me.churn_growth("native") or (0, 0))[0]
            line("RSS growth from %d to %d threads come and gone" % (from_n, me.churn_n),
                 "shim %+.1f MB, native %+.1f MB" % (gs / MB, gn / MB),
                 "bounded (within 1 MB of native)", gs - gn <= 1024)
        for r in self.procs.rows if self.procs else []:
            for mode in ("shim", "cli"):
                tg = r.target(mode)
                if tg:
                    line("%s, %s: CPU / native" % (r.label, mode),
                         "%.2fx, the floor's %.2fx (round by round %s)" % (
                             median(r.ratios(mode, "native")),
                             median(r.ratios("floor", "native")),
                             spans(r.excess(mode), "%+.2f")),
                         "<= floor %+.2f" % tg[1], tg[2])
        return t

    def write(self, out):
        files = {"md": os.path.join(out, "results.md"), "dat": os.path.join(out, "scaling.dat"),
                 "svg": os.path.join(out, "scaling.svg")}
        with open(files["md"], "w") as f:
            f.write(self.markdown())
        with open(files["dat"], "w") as f:
            f.write("# threads report_s shim_extra_mb rss_native_mb rss_shim_mb\n")
            for r in self.reports:
                if r.depth == 0:
                    f.write("%d %.6f %.3f %.3f %.3f\n" % (
                        r.threads, r.report_s, r.extra_kb / MB, r.rss_native / MB,
                        r.rss_shim / MB))
        return files


def plot(dat, svg, script):
    p = subprocess.run(["gnuplot", "-e", "data='%s'; out='%s'" % (dat, svg), script],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode == 0 and os.path.exists(svg)


def publish(files, dest, page):
    """Copies the table and plot into the repository and docs/performance.md."""
    os.makedirs(dest, exist_ok=True)
    shutil.copy(files["md"], os.path.join(dest, "results.md"))
    if os.path.exists(files["svg"]):
        shutil.copy(files["svg"], os.path.join(dest, "scaling.svg"))
    with open(files["md"]) as f:
        body = f.read()
    if os.path.exists(files["svg"]):
        body += ("\n![Report time and the shim's extra memory against live threads]"
                 "(../bench/results/scaling.svg)\n")
    with open(page) as f:
        text = f.read()
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    if begin not in text:
        raise SystemExit("%s has no %s ... %s block" % (page, begin, end))
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end),
                  lambda _: begin + "\n" + body.replace("### ", "## ") + end, text,
                  flags=re.S)
    with open(page, "w") as f:
        f.write(text)
    # The targets, with their ranges, in README too.
    readme = os.path.join(os.path.dirname(os.path.dirname(page)), "README.md")
    with open(files["md"]) as f:  # without the plot, whose path is the page's
        table = f.read()
    targets = table.split("### Targets", 1)[1].strip() if "### Targets" in table else None
    with open(readme) as f:
        text = f.read()
    begin, end = "<!-- targets:begin -->", "<!-- targets:end -->"
    if targets and begin in text:
        stamp = body.splitlines()[0]
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end),
                      lambda _: begin + "\n" + stamp + "\n\n" + targets + "\n" + end, text,
                      flags=re.S)
        with open(readme, "w") as f:
            f.write(text)
