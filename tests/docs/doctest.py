#!/usr/bin/env python3
"""Runs the examples of README.md, docs/*.md and the man pages' EXAMPLES,
and checks that they still do what the text shows (TAP, one test a block).

Markdown (README.md, docs/*.md), fenced blocks by their language:
  console   `$ CMD` lines are commands (a line ending in `\\` goes on);
            the lines up to the next command are its shown output.
  sh, bash  commands without output: the block runs as one script under
            `set -e` and must exit 0.
  c         compiled with -Iinclude; a block with main() is linked with
            build/libnamspill.so, the others are compiled only.
  others    (json, yaml, text, untagged) are not run.
An HTML comment on the lines right before a fence changes that block:
  <!-- doctest: skip REASON -->        not run; a TAP skip with REASON
  <!-- doctest: status N -->           its last command exits N
  <!-- doctest: excerpt FILE -->       (c) a verbatim part of FILE
  <!-- doctest: needs WHAT... -->      skipped, saying so, unless each
                                       command is in PATH and each path
                                       (with a /; from the root) exists
Man pages: each .EX/.EE or .nf/.fi block under .SH EXAMPLES is run like a
sh block, as if namspill were installed (the pages name the installed
`namspill` and `libnamspill.so`): in $TMP, with build/ in PATH,
LD_LIBRARY_PATH and LIBRARY_PATH and include/ in C_INCLUDE_PATH;
`.\\" doctest: skip REASON` or `status N` before the block.

A block runs with bash from the repository root, after `make tests`, on a
terminal (a pty: output is line-buffered as a reader would see it), with
stdout and stderr merged and stdin empty.  Its commands share one shell, so
cd, variables and background jobs carry over within the block; every block
gets a fresh empty directory exported as $TMP (removed afterwards), and
whatever it left running is killed at its end.  A background job's output
should go to a file: it would land in whichever command's output it meets.

Comparing: each command's output must match its shown output line by line;
a shown line `...` stands for any number of lines, and `[...]` within a
line for any text (what differs from run to run, such as how many threads
Go's runtime started).  Before comparing, both sides are masked:
  - runs of 3 or more digits (pids, namespace inodes, libc line numbers)
    and numbers after pid, tid, thread and call words become N, unless
    the line is nothing but a number (an exit status from `echo $?`);
  - the name in "pid N (NAME)" becomes C: the process that names a
    namespace is another one on another host;
  - hex 0x... becomes 0xX; durations (1.2 s, 30 ms) become T;
  - paths under /tmp become /tmp/P; the checkout's own path is written
    ~/namspill; runs of blanks become one space.
A command that exits non-zero is not a failure in a console block: show
`$ echo $?` to check the status.

Also one test a file: every relative link resolves to a file, and every
#anchor to a heading of that file (GitHub's rule for heading ids).

Usage: tests/docs/doctest.py [--show] [FILE...]   (default: README.md
docs/*.md man/*.[1-8]); NSP_BUILD names the build directory (default
build).  --show prints each console command's actual output, unmasked,
to paste into the text."""
import glob
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("NSP_BUILD", "build")
TIMEOUT = 60
SEP = "\x1edoctest-"
SHOW = False  # --show: print what each console command printed, as it is  # printed between commands; never in a program's output


class Block:
    def __init__(self, path, line, lang, text, marks):
        self.path, self.line, self.lang, self.text = path, line, lang, text
        self.marks = marks  # {"skip": reason, "status": "N", "excerpt": file}

    @property
    def name(self):
        return "%s:%d" % (self.path, self.line)


# ---- extracting

MD_FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)")
MD_MARK = re.compile(r"^<!--\s*doctest:\s*(\w+)\s*(.*?)\s*-->\s*$")
ROFF_MARK = re.compile(r'^\.\\"\s*doctest:\s*(\w+)\s*(.*?)\s*$')
LANGS = {"console", "sh", "bash", "c"}


def markdown_blocks(path, text):
    """The runnable fenced blocks of a Markdown text, with their marks."""
    lines = text.split("\n")
    blocks, marks, i = [], {}, 0
    while i < len(lines):
        m = MD_FENCE.match(lines[i])
        mark = MD_MARK.match(lines[i])
        if mark:
            marks[mark.group(1)] = mark.group(2)
        elif m:
            fence, lang, start = m.group(1), m.group(2).lower(), i
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith(fence):
                body.append(lines[i])
                i += 1
            if lang in LANGS or marks:
                blocks.append(Block(path, start + 1, lang, "\n".join(body) + "\n", marks))
            marks = {}
        elif lines[i].strip():
            marks = {}
        i += 1
    return blocks


def unroff(line):
    for a, b in (("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'), ("\\&", ""), ("\\e", "\\"),
                 ("\\(em", "\u2014"), ("\\(en", "\u2013"), ("\\ ", " ")):
        line = line.replace(a, b)
    return line


def roff_blocks(path, text):
    """The .EX/.EE and .nf/.fi blocks under .SH EXAMPLES, as sh blocks."""
    blocks, marks, inside, body, start = [], {}, False, None, 0
    for n, line in enumerate(text.split("\n"), 1):
        if line.startswith(".SH"):
            inside = line.split(None, 1)[1:] == ["EXAMPLES"]
            continue
        if not inside:
            continue
        mark = ROFF_MARK.match(line)
        if body is None:
            if mark:
                marks[mark.group(1)] = mark.group(2)
            elif line in (".EX", ".nf"):
                body, start = [], n
            elif line.strip() and not line.startswith('.\\"'):
                marks = {} if not line.startswith((".PP", ".P", ".TP", ".IP")) else marks
        elif line in (".EE", ".fi"):
            blocks.append(Block(path, start, "sh", "\n".join(body) + "\n", marks))
            body, marks = None, {}
        elif not line.startswith(".") or line.startswith("..."):
            body.append(unroff(line))
    return blocks


def extract(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".md"):
        return markdown_blocks(path, text)
    return roff_blocks(path, text)


def console_commands(text):
    """[(command, [shown output lines])] of a console block."""
    cmds, cur = [], None
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ ") or line == "$":
            cmd = line[2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd += "\n" + lines[i]
            cur = (cmd, [])
            cmds.append(cur)
        elif cur is not None:
            cur[1].append(line)
        elif line.strip():
            raise ValueError("output before the first command: %r" % line)
        i += 1
    return cmds


# ---- comparing

MASKS = [
    (re.compile(r"/tmp/[^\s'\"`:,)\]]*"), "/tmp/P"),
    (re.compile(r"0x[0-9a-fA-F]+"), "0xX"),
    (re.compile(r"\b\d+(\.\d+)?\s?(s|ms|us|µs|ns|sec|seconds)\b"), "T"),
    (re.compile(r"\b((?:pid|tid|PID|TID|thread|threads|process|call)[ =:#]+)\d+"), r"\1N"),
    (re.compile(r"==\d+=="), "==N=="),
    (re.compile(r"\d{3,}"), "N"),
    # A namespace named by "another process that lives there" names the
    # first one found: on another host, another process.
    (re.compile(r"\bpid N \([^()]*\)"), "pid N (C)"),
]


def mask(line):
    line = " ".join(line.replace("\r", "").replace(ROOT, "~/namspill").split())
    if re.fullmatch(r"-?\d+", line):
        return line
    for rx, to in MASKS:
        line = rx.sub(to, line)
    return line


def trim(lines):
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def same(shown, actual):
    """A shown line against an actual one; `[...]` in it stands for any text."""
    if "[...]" not in shown:
        return shown == actual
    return re.fullmatch(".*".join(re.escape(p) for p in shown.split("[...]")), actual) is not None


def matches(shown, actual):
    """Do the actual lines match the shown ones, `...` standing for any lines?"""
    shown, actual = [mask(s) for s in trim(shown)], [mask(a) for a in trim(actual)]
    memo = {}

    def m(i, j):
        if (i, j) in memo:
            return memo[i, j]
        if i == len(shown):
            r = j == len(actual)
        elif shown[i] == "...":
            r = any(m(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            r = j < len(actual) and same(shown[i], actual[j]) and m(i + 1, j + 1)
        memo[i, j] = r
        return r
    return m(0, 0)


# ---- running

def environment(tmp, man):
    env = dict(os.environ)
    env.update(TMP=tmp, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="dumb")
    # A reader's shell, not the make that runs the tests (make check -j2
    # would hand its job server to the examples' own make).
    for var in ("NAMSPILL_OPTIONS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(var, None)
    if man:  # as if installed
        build = os.path.join(ROOT, BUILD)
        for var, d in (("PATH", build), ("LD_LIBRARY_PATH", build), ("LIBRARY_PATH", build),
                       ("C_INCLUDE_PATH", os.path.join(ROOT, "include"))):
            env[var] = d + (os.pathsep + env[var] if env.get(var) else "")
    return env


def run_script(script, env, timeout=TIMEOUT):
    """(exit status, output) of a bash script run on a pty."""
    master, slave = os.openpty()
    p = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                         stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, deadline, rc = bytearray(), time.monotonic() + timeout, None
    try:
        while True:
            if rc is None:
                rc = p.poll()
                if rc is not None:  # the script is done: end what it left
                    kill_group(p.pid)
                    deadline = min(deadline, time.monotonic() + 5)
            left = deadline - time.monotonic()
            if left <= 0:
                if rc is None:
                    kill_group(p.pid)
                    p.wait()
                    out += b"\n[doctest: timed out after %d s]\n" % timeout
                    rc = -1
                break
            r, _, _ = select.select([master], [], [], min(left, 0.2))
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every writer is gone
                    data = b""
                if not data:
                    if rc is None:
                        rc = p.wait()
                    break
                out += data
    finally:
        os.close(master)
        kill_group(p.pid)
        if p.returncode is None:
            p.wait()
    return rc, out.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def console_script(cmds):
    parts = ["cd %s || exit 99" % quote(ROOT)]
    for i, (cmd, _) in enumerate(cmds):
        parts.append("__dt=$?; printf '\\n%s%d\\n'; (exit $__dt)" % (SEP, i))
        parts.append(cmd)
    parts.append("__dt=$?; printf '\\n%send\\n'; exit $__dt" % SEP)
    return "\n".join(parts) + "\n"


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def split_outputs(out, n):
    """Each command's output lines, from the markers console_script prints."""
    parts = re.split(r"\n?%s(\d+|end)\n" % re.escape(SEP), out)
    outs = [[] for _ in range(n)]
    # parts: [before, tag, text, tag, text, ...]
    for tag, text in zip(parts[1::2], parts[2::2]):
        if tag != "end":
            outs[int(tag)] = text.split("\n") if text else []
    ended = "end" in parts[1::2]
    return outs, ended


def check_console(b, env):
    cmds = console_commands(b.text)
    if not cmds:
        return ["a console block without a `$ ` command"]
    rc, out = run_script(console_script(cmds), env)
    outs, ended = split_outputs(out, len(cmds))
    if SHOW:
        for (cmd, _), actual in zip(cmds, outs):
            print("$ " + cmd)
            print("\n".join(trim(actual)))
    problems = []
    for (cmd, shown), actual in zip(cmds, outs):
        if not matches(shown, actual):
            problems += ["$ " + cmd, "expected:"] + ["  " + mask(s) for s in trim(shown)]
            problems += ["actual:"] + ["  " + mask(a) for a in trim(actual)]
            break
    if not ended and not problems:
        problems += ["the block did not finish (status %s):" % rc] + out.split("\n")[-20:]
    want = b.marks.get("status")
    if want is not None and not problems and str(rc) != want:
        problems.append("last command exited %s, the text says %s" % (rc, want))
    return problems


def check_sh(b, env, man):
    want = b.marks.get("status")
    where = '"$TMP"' if man else quote(ROOT)
    script = "cd %s || exit 99\n%s%s" % (where, "" if want else "set -e\n", b.text)
    rc, out = run_script(script, env)
    if str(rc) != (want or "0"):
        return (["exit status %s, expected %s" % (rc, want or "0"), "script:"] +
                ["  " + s for s in b.text.rstrip("\n").split("\n")] + ["output:"] +
                ["  " + s for s in trim(out.split("\n"))[-30:]])
    return []


def check_c(b, tmp):
    if "excerpt" in b.marks:
        with open(os.path.join(ROOT, b.marks["excerpt"]), encoding="utf-8") as f:
            if b.text not in f.read():
                return ["not a verbatim part of " + b.marks["excerpt"]]
        return []
    src = os.path.join(tmp, "block.c")
    with open(src, "w") as f:
        f.write(b.text)
    cc = [os.environ.get("CC", "cc"), "-std=gnu11", "-Wall", "-I", os.path.join(ROOT, "include"),
          "-pthread"]
    if re.search(r"\bint\s+main\s*\(", b.text):
        lib = os.path.join(ROOT, BUILD)
        cc += ["-o", os.path.join(tmp, "a.out"), src, "-L", lib, "-lnamspill",
               "-Wl,-rpath," + lib]
    else:
        cc += ["-c", "-o", os.path.join(tmp, "block.o"), src]
    p = subprocess.run(cc, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        return ["$ " + " ".join(cc)] + p.stdout.rstrip("\n").split("\n")
    return []


def check(b):
    """The problems of a block (empty: it does what the text shows)."""
    tmp = tempfile.mkdtemp(prefix="doctest.")
    try:
        env = environment(tmp, not b.path.endswith(".md"))
        if b.lang == "console":
            return check_console(b, env)
        if b.lang in ("sh", "bash"):
            return check_sh(b, env, not b.path.endswith(".md"))
        if b.lang == "c":
            return check_c(b, tmp)
        return ["marked, but a %r block is never run" % (b.lang or "plain")]
    finally:
        subprocess.run(["rm", "-rf", tmp])


# ---- links

def anchors(text):
    """The ids GitHub gives the headings of a Markdown text."""
    seen, ids = {}, set()
    fenced = False
    for line in text.split("\n"):
        if MD_FENCE.match(line):
            fenced = not fenced
        if fenced or not re.match(r"#{1,6} ", line):
            continue
        h = line.lstrip("#").strip().lower()
        h = re.sub(r"[^\w\- ]", "", h.replace("`", "")).replace(" ", "-")
        n = seen.get(h, 0)
        seen[h] = n + 1
        ids.add(h if n == 0 else "%s-%d" % (h, n))
    for m in re.finditer(r'<a (?:name|id)="([^"]+)"', text):
        ids.add(m.group(1))
    return ids


LINK = re.compile(r"\]\(([^)\s]+)\)")


def check_links(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    prose = re.sub(r"^(```+).*?^\1", "", text, flags=re.S | re.M)
    problems = []
    for target in LINK.findall(prose):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
        full = os.path.join(ROOT, dest)
        if not os.path.exists(full):
            problems.append("%s: no such file %s" % (target, dest))
        elif anchor and dest.endswith(".md"):
            with open(full, encoding="utf-8") as f:
                if anchor not in anchors(f.read()):
                    problems.append("%s: no heading #%s in %s" % (target, anchor, dest))
    return problems


# ---- TAP

def files(args):
    if args:
        return args
    found = ["README.md"] + sorted(glob.glob("docs/*.md", root_dir=ROOT))
    return found + sorted(glob.glob("man/*.[1-8]", root_dir=ROOT))


def missing(b):
    """What a block's `needs` mark names that is not here."""
    return [w for w in b.marks.get("needs", "").split()
            if not (os.path.exists(os.path.join(ROOT, w)) if "/" in w else shutil.which(w))]


def main(args):
    global SHOW
    if args[:1] == ["--show"]:
        SHOW, args = True, args[1:]
    if not os.path.exists(os.path.join(ROOT, BUILD, "libnamspill.so")):
        print("1..0 # skip not built: run make tests first")
        return 0
    tests = []
    for path in files(args):
        tests += [(b.name + " " + (b.lang or "plain"), b) for b in extract(path)]
        if path.endswith(".md"):
            tests.append((path + " links", path))
    print("1..%d" % len(tests))
    failed = 0
    for i, (name, b) in enumerate(tests, 1):
        t0 = time.monotonic()
        if isinstance(b, str):
            problems = check_links(b)
        elif missing(b):
            print("ok %d - %s # skip needs %s" % (i, name, " ".join(missing(b))))
            continue
        elif "skip" in b.marks and b.marks["skip"]:
            print("ok %d - %s # skip %s" % (i, name, b.marks["skip"]))
            continue
        elif "skip" in b.marks:
            problems = ["a skip must say why"]
        else:
            problems = check(b)
        took = " (%.1f s)" % (time.monotonic() - t0) if time.monotonic() - t0 > 2 else ""
        if problems:
            failed += 1
            print("not ok %d - %s%s" % (i, name, took))
            for p in problems:
                print("#   " + p)
        else:
            print("ok %d - %s%s" % (i, name, took))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
