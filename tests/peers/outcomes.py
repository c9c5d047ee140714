"""What each peer suite's output says: every test's outcome, the output
of one test, the test a line of output belongs to (tests/peers/run.py).
Outcomes are PASS, SKIP, FAIL, ERROR, XFAIL (an expected failure) and
XPASS (an unexpected success)."""
import json
import re

EXCERPT = 15  # lines of a test's output shown with a difference

PY_START = re.compile(r'^(\w+) \(((?:\w+\.)+\w+)\)(.*)$')
PY_RESULT = re.compile(r'^(ok|FAIL|ERROR|skipped\b.*|expected failure|unexpected success)$')
PY_SUMMARY = re.compile(r'^(FAIL|ERROR): \w+ \(((?:\w+\.)+\w+)\)')
PY_NAMES = {"ok": "PASS", "skipped": "SKIP", "expected failure": "XFAIL",
            "unexpected success": "XPASS"}


def py_outcomes(text):
    """unittest -v: "name (id) ... ok" with the result maybe lines later
    (a test's own output comes between), a docstring line before the dots;
    the failure blocks at the end are authoritative (subtests)."""
    res, cur, dots = {}, None, False
    for line in text.splitlines():
        m = PY_START.match(line)
        if m:
            cur, line, dots = m.group(2), m.group(3), False
        elif cur is None:
            m = PY_SUMMARY.match(line)
            if m:
                res[m.group(2)] = m.group(1)
            continue
        if " ... " in line:
            line, dots = line.split(" ... ", 1)[1], True
        m = PY_RESULT.match(line.strip()) if dots else None
        if m:
            word = m.group(1).split(" ")[0] if m.group(1).startswith("skipped") else m.group(1)
            res[cur] = PY_NAMES.get(word, word)
            cur = None
    return res


def py_where(lines, i):
    for line in reversed(lines[:i + 1]):
        m = PY_START.match(line)
        if m:
            return m.group(2)
    return None


def py_excerpt(text, test):
    lines = text.splitlines()
    for i, line in enumerate(lines):  # the failure's block at the end
        m = PY_SUMMARY.match(line)
        if m and m.group(2) == test:
            block = []
            for b in lines[i:]:
                if block and (b.startswith("=====") or b.startswith("Ran ")):
                    break
                block.append(b)
            return block[:3] + block[3:][-EXCERPT:]
    mine = [line for line in lines if "(" + test + ")" in line]
    return mine[-3:]


GO_NAMES = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


def go_events(text):
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                pass


GO_RESULT = re.compile(r'^\s*--- (PASS|FAIL|SKIP): (\S+) \(')


def go_outcomes(text):
    """go test -json: a package's result and each test's, PACKAGE.TEST.
    A test whose own output (a child test binary's, logged) holds result
    lines of other tests can lose its result event to test2json, whatever
    runs it, depending on how the child's lines fell: its own result line,
    which test2json still gives to it, stands for it then."""
    res, said = {}, {}
    for e in go_events(text):
        name = e.get("Package", "") + ("." + e["Test"] if e.get("Test") else "")
        if e.get("Action") in GO_NAMES:
            res[name] = GO_NAMES[e["Action"]]
        elif e.get("Action") == "output" and e.get("Test"):
            m = GO_RESULT.match(e.get("Output", ""))
            if m and m.group(2) == e["Test"]:
                said[name] = m.group(1)
    for name, outcome in said.items():
        res.setdefault(name, outcome)
    return res


def go_where(lines, i):
    for e in go_events(lines[i]):
        return e.get("Package", "") + ("." + e["Test"] if e.get("Test") else "")
    return None


def go_excerpt(text, test):
    out = []
    for e in go_events(text):
        name = e.get("Package", "") + ("." + e["Test"] if e.get("Test") else "")
        if e.get("Action") == "output" and name == test:
            out.append(e.get("Output", "").rstrip("\n"))
    return out[-EXCERPT:]


TAP = re.compile(r'^(not ok|ok)\b\s*(\d*)\s*([^#]*?)\s*(#\s*(\w+).*)?$')
RUNNER = re.compile(r'^(PASS|FAIL|SKIP|ERROR): (\S+\.test)')


def tap_sections(text):
    """installed.sh: the runner's own lines, then "== SUITE/NAME.test" and
    that test's TAP.  Yields (section or None, line)."""
    sec = None
    for line in text.splitlines():
        if line.startswith("== "):
            sec = line[3:].strip()
            continue
        yield sec, line


def tap_outcomes(text):
    """The runner's verdict on each test program (a crash shows there), and
    each TAP line as PROGRAM PATH (or PROGRAM #N for a line without one)."""
    res = {}
    for sec, line in tap_sections(text):
        if sec is None:
            m = RUNNER.match(line)
            if m:
                res[m.group(2)] = m.group(1)
            continue
        if re.match(r'^1\.\.0\s*#\s*skip', line, re.I):
            res[sec + " (all)"] = "SKIP"
        m = TAP.match(line)
        if m:
            name = "%s %s" % (sec, m.group(3) or "#" + m.group(2))
            directive = (m.group(5) or "").upper()
            if m.group(1) == "not ok":
                res[name] = "SKIP" if directive == "SKIP" else \
                    "XFAIL" if directive == "TODO" else "FAIL"
            else:
                res[name] = "SKIP" if directive == "SKIP" else \
                    "XPASS" if directive == "TODO" else "PASS"
    return res


def tap_where(lines, i):
    for line in reversed(lines[:i + 1]):
        if line.startswith("== "):
            return line[3:].strip()
    return None


def tap_excerpt(text, test):
    sec_of = test.split(" ", 1)[0]
    whole = test.endswith(".test") or test.endswith(" (all)")
    mine = []
    for sec, line in tap_sections(text):
        if sec != sec_of:
            continue
        m = TAP.match(line)
        if whole or not m:
            mine.append(line)
            continue
        if "%s %s" % (sec, m.group(3) or "#" + m.group(2)) == test:
            return (mine + [line])[-EXCERPT:]
        mine = []  # a test's own output comes before its result line
    return mine[-EXCERPT:]
