#!/usr/bin/env python3
"""The doc tester's own logic (tests/docs/doctest.py): extracting blocks
and marks, masking, matching, and that an example which drifted from what
the program prints fails."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "func"))
sys.path.insert(0, HERE)
from harness import expect, main, test  # noqa: E402
import doctest as dt  # noqa: E402

MD = """\
Text.

<!-- doctest: skip needs the network -->
```console
$ curl example.org
```

<!-- doctest: status 3 -->
```sh
exit 3
```

```json
{"not": "run"}
```

```console
$ echo one \\
    two
one two
$ echo $?
0
```
"""


@test
def markdown_blocks_and_marks():
    bs = dt.markdown_blocks("X.md", MD)
    expect([(b.line, b.lang) for b in bs] == [(4, "console"), (9, "sh"), (17, "console")],
           "console and sh blocks, not json", [(b.line, b.lang) for b in bs])
    expect(bs[0].marks == {"skip": "needs the network"}, "skip with its reason", bs[0].marks)
    expect(bs[1].marks == {"status": "3"}, "status mark", bs[1].marks)
    expect(bs[2].marks == {}, "a mark holds for the next block only", bs[2].marks)
    cmds = dt.console_commands(bs[2].text)
    expect(cmds == [("echo one \\\n    two", ["one two"]), ("echo $?", ["0"])],
           "continued command and outputs", cmds)


@test
def roff_examples():
    page = ('.SH DESCRIPTION\n.nf\nnot an example\n.fi\n.SH EXAMPLES\n'
            '.\\" doctest: skip installs\n.EX\nnamspill \\-\\-all\n.EE\n.PP\nText.\n'
            '.nf\nnamspill ps $$\n.fi\n.SH SEE ALSO\n')
    bs = dt.roff_blocks("x.1", page)
    expect([(b.line, b.text, b.marks) for b in bs] ==
           [(7, "namspill --all\n", {"skip": "installs"}), (12, "namspill ps $$\n", {})],
           "only EXAMPLES, unescaped, with marks", [(b.line, b.text, b.marks) for b in bs])


@test
def masking():
    expect(dt.mask("==2214== ERROR: thread 71 (demo) net:[4026532379] at 0x5639fd5254") ==
           "==N== ERROR: thread N (demo) net:[N] at 0xX", "pids, inodes, addresses",
           dt.mask("==2214== ERROR: thread 71 (demo) net:[4026532379] at 0x5639fd5254"))
    expect(dt.mask("took 1.25 s, 30 ms per call") == "took T, T per call", "durations")
    expect(dt.mask("wrote /tmp/doctest.ab12/x.json") == "wrote /tmp/P", "temporary paths")
    expect(dt.mask("125") == "125", "a status alone on its line stays")
    expect(dt.mask("demo.c:33  (x)") == "demo.c:33 (x)", "small numbers stay, blanks fold")


@test
def matching_with_ellipsis():
    expect(dt.matches(["a", "...", "d"], ["a", "b", "c", "d"]), "... stands for lines")
    expect(dt.matches(["a", "...", "b"], ["a", "b"]), "... may stand for none")
    expect(not dt.matches(["a"], ["a", "b"]), "an extra line fails without ...")
    expect(not dt.matches(["a", "c"], ["a", "b", "c"]), "lines must be consecutive")
    expect(dt.matches(["x 1234", ""], ["x 99999"]), "masked and trailing blank lines")
    expect(dt.matches(["a [...] c"], ["a b b c"]), "[...] within a line")
    expect(not dt.matches(["a [...] c"], ["a b b d"]), "[...] and the rest of the line")
    expect(not dt.matches(["a.c"], ["abc"]), "no other pattern characters")


def block(text, lang="console", marks=None):
    return dt.Block("X.md", 1, lang, text, marks or {})


@test
def a_drifted_example_fails():
    ok = block("$ echo pid 1234; echo done\npid 999\ndone\n")
    expect(dt.check(ok) == [], "the example as it runs", dt.check(ok))
    drift = block("$ echo pid 1234; echo done\npid 999\nfinished\n")
    problems = dt.check(drift)
    expect(problems and problems[0] == "$ echo pid 1234; echo done" and "  finished" in problems
           and "  done" in problems, "command, expected and actual are shown", problems)
    status = block("$ (exit 66)\n$ echo $?\n65\n")
    expect(dt.check(status) != [], "a wrong exit status fails")


@test
def blocks_share_a_shell_and_a_tmp():
    b = block('$ cd "$TMP" && X=5\n$ echo $X $(basename "$PWD" | cut -c1-8)\n5 doctest.\n'
              '$ sleep 30 > /dev/null &\n$ test -d "$TMP" && echo yes\nyes\n')
    expect(dt.check(b) == [], "cd, variables, background jobs", dt.check(b))


@test
def sh_and_c_blocks():
    expect(dt.check(block("true\nfalse\n", "sh")) != [], "a failing sh block fails")
    expect(dt.check(block("exit 3\n", "sh", {"status": "3"})) == [], "status mark")
    c = '#include <namspill.h>\nint main(void) { return namspill_check(0) < 0; }\n'
    expect(dt.check(block(c, "c")) == [], "a program is linked", dt.check(block(c, "c")))
    expect(dt.check(block("int f(void) { return g; }\n", "c")) != [], "a broken one fails")


@test
def needs_names_what_is_missing():
    b = block("$ true\n", marks={"needs": "sh tests/docs no-such-command tests/no-such-file"})
    expect(dt.missing(b) == ["no-such-command", "tests/no-such-file"], "commands and paths",
           dt.missing(b))


@test
def links_resolve():
    expect(dt.anchors("# A `b` c\n## Why? Now!\n## Why? Now!\n") ==
           {"a-b-c", "why-now", "why-now-1"}, "GitHub's heading ids",
           dt.anchors("# A `b` c\n## Why? Now!\n## Why? Now!\n"))


main()
