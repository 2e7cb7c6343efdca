#!/usr/bin/env python3
"""Checks a `tmux capture-pane -e -p -J` dump of a rendered TRIGGER_DOCUMENT reply.

Prints one line per check, "ok   - ..." or "FAIL - ...". Checks: every box-table row has the same
display width (CJK and emoji are two columns), no raw delimiter row or markup is left, and the
code lines' keyword, string and comment spans carry different colours, with the docstring and
the block comment coloured as one across their lines.
"""
import re
import sys
import unicodedata

SGR = re.compile(r"\x1b\[([0-9;]*)m")


FG = {"fg": None}


def cells(line):
    """(char, fg) for each character of a line with SGR sequences; tmux carries attributes from
    one line to the next, so the colour state is kept between calls (lines in order)."""
    out, fg, i = [], FG["fg"], 0
    while i < len(line):
        m = SGR.match(line, i)
        if m:
            params = [p for p in m.group(1).split(";")] or ["0"]
            k = 0
            while k < len(params):
                p = params[k] or "0"
                if p == "0" or p == "39":
                    fg = None
                elif p in ("38",) and k + 2 < len(params) and params[k + 1] == "5":
                    fg = "c" + params[k + 2]; k += 2
                elif p.isdigit() and (30 <= int(p) <= 37 or 90 <= int(p) <= 97):
                    fg = p
                k += 1
            i = m.end()
            continue
        out.append((line[i], fg))
        i += 1
    FG["fg"] = fg
    return out


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.category(c) in ("Mn", "Cf") else 1 for c in s)


def report(ok, what):
    print(("ok   - " if ok else "FAIL - ") + what)


lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
parsed = [cells(l) for l in lines]
plain = ["".join(c for c, _ in cs).rstrip() for cs in parsed]
box = [p for p in plain if p and p[0] in "┌│├└"]
report(len(box) == 6 and len({width(b) for b in box}) == 1, f"table: 6 box rows of one display width ({[width(b) for b in box]})")
report(any("苹果" in b for b in box) and any("キウイ" in b for b in box), "table: CJK cells inside the box")
report(not any("|---" in p or "|:--" in p or "**" in p or "```" in p or p.startswith("#") for p in plain), "no delimiter row, ** , fence or # heading on screen")


def fg_at(needle):
    for cs in parsed:
        text = "".join(c for c, _ in cs)
        k = text.find(needle)
        if k >= 0:
            return cs[k][1]
    return "missing"


kw, st, cm = fg_at("def greet"), fg_at('"hi "'), fg_at("# comment")
report(len({kw, st, cm}) == 3 and "missing" not in (kw, st, cm), f"code: keyword, string and comment colours differ ({kw}, {st}, {cm})")
doc = [fg for p, cs in zip(plain, parsed) if "Say hello" in p or "Spans lines" in p for c, fg in cs if not c.isspace()]
report(len(doc) > 10 and set(doc) == {st}, f"code: the docstring is string-coloured across its lines ({set(doc)})")
block = [fg for p, cs in zip(plain, parsed) if "/* block" in p or "comment */" in p for c, fg in cs if not c.isspace()]
report(len(block) > 8 and set(block) == {cm}, f"code: the block comment is comment-coloured across its lines ({set(block)})")
once = all(sum(1 for p in plain if p == line) == 1 for line in ("Fruit table 水果", "def greet(name):", "int main(void) { return 0; }"))
report(once and sum(1 for p in plain if p.startswith("┌")) == 1, "the reply is drawn once (no duplicated lines or tables)")
