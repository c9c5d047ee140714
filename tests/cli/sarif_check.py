#!/usr/bin/env python3
"""Checks a SARIF file namspill wrote against what GitHub's code scanning
requires of an upload (docs.github.com, "SARIF support for code
scanning"), without the network: the fields, their types and limits.
Usage: sarif_check.py FILE ROOT [RESULTS]   (RESULTS: how many expected)"""
import json
import os
import re
import sys


def fail(msg, ctx=None):
    print("SARIF check failed: %s\n%s" % (msg, json.dumps(ctx, indent=1)[:3000] if ctx else ""))
    sys.exit(1)


def need(cond, msg, ctx=None):
    if not cond:
        fail(msg, ctx)


def text(obj, key, where):
    need(isinstance(obj.get(key), dict) and isinstance(obj[key].get("text"), str) and
         obj[key]["text"].strip(), "%s.%s.text: a non-empty string" % (where, key), obj)


def physical(loc, root, where):
    pl = loc.get("physicalLocation")
    need(isinstance(pl, dict), where + ".physicalLocation", loc)
    uri = pl.get("artifactLocation", {}).get("uri")
    need(isinstance(uri, str) and uri, where + ": artifactLocation.uri", loc)
    # Repository-relative: no scheme, not absolute, no way out of the root.
    need(not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri) and not uri.startswith("/") and
         ".." not in uri.split("/"), where + ": uri relative to the repository", uri)
    path = os.path.join(root, re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), uri))
    need(os.path.isfile(path), where + ": uri names a file of the checkout", uri)
    lines = open(path, errors="replace").read().split("\n")
    reg = pl.get("region")
    need(isinstance(reg, dict), where + ".region", pl)
    for k in ("startLine", "startColumn", "endLine", "endColumn"):
        need(isinstance(reg.get(k), int) and reg[k] >= 1, "%s: region.%s >= 1" % (where, k), reg)
    need(reg["startLine"] <= len(lines) and reg["endLine"] >= reg["startLine"],
         where + ": region within the file", reg)
    need(reg["endColumn"] <= len(lines[reg["startLine"] - 1]) + 1, where + ": columns", reg)


def main():
    path, root = sys.argv[1], os.path.realpath(sys.argv[2])
    want = int(sys.argv[3]) if len(sys.argv) > 3 else None
    d = json.load(open(path))
    need(d.get("version") == "2.1.0", "version 2.1.0", d.get("version"))
    need(isinstance(d.get("$schema"), str) and d["$schema"].startswith("https://") and
         "sarif" in d["$schema"] and "2.1.0" in d["$schema"], "$schema of SARIF 2.1.0")
    need(isinstance(d.get("runs"), list) and len(d["runs"]) == 1, "one run", d.get("runs"))
    run = d["runs"][0]
    drv = run.get("tool", {}).get("driver")
    need(isinstance(drv, dict), "runs[].tool.driver", run.get("tool"))
    need(drv.get("name") == "namspill" and re.match(r"^\d+\.\d+\.\d+", drv.get("version", "")),
         "driver name and version", drv)
    need(re.match(r"^https?://[^/\s]+", drv.get("informationUri", "")), "informationUri", drv)
    rules = drv.get("rules")
    need(isinstance(rules, list) and rules, "driver.rules", drv)
    ids = [r.get("id") for r in rules]
    need(len(set(ids)) == len(ids) and all(isinstance(i, str) and i for i in ids),
         "unique rule ids", ids)
    for r in rules:
        for k in ("shortDescription", "fullDescription", "help"):
            text(r, k, "rule " + r["id"])
        need(r.get("defaultConfiguration", {}).get("level") in ("none", "note", "warning", "error"),
             "rule level", r)
        need(all(isinstance(t, str) for t in r.get("properties", {}).get("tags", [])), "tags", r)
    res = run.get("results")
    need(isinstance(res, list), "runs[].results", run)
    if want is not None:
        need(len(res) == want, "%d results" % want, res)
    for i, x in enumerate(res):
        where = "results[%d]" % i
        need(x.get("ruleId") in ids, where + ".ruleId names a rule", x.get("ruleId"))
        if "ruleIndex" in x:
            need(rules[x["ruleIndex"]]["id"] == x["ruleId"], where + ".ruleIndex", x)
        text(x, "message", where)
        need(x.get("level", "warning") in ("none", "note", "warning", "error"), where + ".level")
        locs = x.get("locations")
        need(isinstance(locs, list) and 1 <= len(locs) <= 10, where + ": 1 to 10 locations", locs)
        for j, loc in enumerate(locs):
            physical(loc, root, "%s.locations[%d]" % (where, j))
        fp = x.get("partialFingerprints", {})
        need(isinstance(fp, dict) and all(isinstance(v, str) for v in fp.values()),
             where + ".partialFingerprints", fp)
        for st in x.get("stacks", []):
            need(isinstance(st.get("frames"), list) and st["frames"], where + ".stacks frames", st)
    print("ok: %d rules, %d results" % (len(rules), len(res)))


if __name__ == "__main__":
    main()
