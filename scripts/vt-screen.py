#!/usr/bin/env python3
"""Feed raw terminal output to a pyte VT emulator and print the resulting screen.

Usage: vt-screen.py [FILE] --cols N --rows M [--resize OFFSET:COLS ...] [--reflow]

Reads bytes from FILE (or stdin) and prints one JSON object:
  {"lines": [...rstripped rows...], "scrollback": [...rows scrolled off, oldest first...],
   "cursor": [x, y], "title": "...", "cleared": bool}
"cleared" is true if anything asked for a whole-screen erase (ED 2/3) or a reset (RIS).

pyte's own draw() counts widths per code point and stops drawing a run at the first
zero-width non-combining character (ZWJ, VS16), and it writes a wide character into the
last column instead of wrapping it. Our renderer targets modern grapheme-aware terminals
(kitty, WezTerm, Ghostty, foot, iTerm2), so draw() is replaced by one that:
  * puts a whole grapheme cluster (ZWJ sequences, skin-tone modifiers, flags, keycaps,
    combining marks) into one cell (pair); VS16 widens a narrow emoji to two cells;
  * wraps a wide character that does not fit in the last column to the next row;
  * keeps xterm's pending-wrap (deferred autowrap) behaviour.
--resize OFFSET:COLS resizes the screen after OFFSET input bytes. Without --reflow the
resize behaves like xterm (rows are truncated/extended, not rewrapped); with --reflow
soft-wrapped rows are re-joined and rewrapped at the new width, as most modern terminals do, and
the cursor stays on its row (as in tmux): rows the rewrap adds above it go into the scrollback.
"""
import argparse
import json
import sys
import unicodedata

import pyte
from pyte import modes as mo
from wcwidth import wcwidth

ZWJ = "\u200d"
VS16 = "\ufe0f"


def is_ri(c):
    return 0x1F1E6 <= ord(c) <= 0x1F1FF


def is_zero_width(c):
    o = ord(c)
    if c in (ZWJ, VS16, "\ufe0e", "\u20e3") or 0x1F3FB <= o <= 0x1F3FF:
        return True
    if 0x1160 <= o <= 0x11FF or 0xD7B0 <= o <= 0xD7FF:
        return True
    return unicodedata.category(c) in ("Mn", "Me", "Cf")


class GraphemeScreen(pyte.Screen):
    def __init__(self, cols, rows):
        super().__init__(cols, rows)
        self.cleared = False
        self.last = None        # [y, x, width] of the last drawn cluster
        self.last_end = None    # cursor position right after it
        self.join = False       # previous scalar was ZWJ
        self.ri_open = False    # previous cluster is a lone regional indicator
        self.soft = set()       # rows that continue the previous row (autowrapped)
        self.scrollback = []    # rows scrolled off the top, oldest first

    def _wrap(self):
        self.carriage_return()
        self.linefeed()
        self.soft.add(self.cursor.y)

    def draw(self, data):
        data = data.translate(self.g1_charset if self.charset else self.g0_charset)
        if self.last_end != (self.cursor.y, self.cursor.x):
            self.last = None
            self.join = False
            self.ri_open = False
        for ch in data:
            if self.last is not None and (is_zero_width(ch) or self.join or (is_ri(ch) and self.ri_open)):
                y, x, w = self.last
                cell = self.buffer[y][x]
                self.buffer[y][x] = cell._replace(data=cell.data + ch)
                self.join = ch == ZWJ
                self.ri_open = False
                if ch == VS16 and w == 1:
                    if x + 1 < self.columns:
                        self.buffer[y][x + 1] = self.cursor.attrs._replace(data="")
                        self.cursor.x = x + 2
                    else:  # narrow emoji in the last column became wide: move it down
                        moved = self.buffer[y][x]
                        self.buffer[y][x] = self.cursor.attrs._replace(data=" ")
                        self.cursor.x = self.columns
                        self._wrap()
                        line = self.buffer[self.cursor.y]
                        line[0] = moved
                        line[1] = self.cursor.attrs._replace(data="")
                        self.cursor.x = 2
                        y, x = self.cursor.y, 0
                    self.last = [y, x, 2]
                self.last_end = (self.cursor.y, self.cursor.x)
                continue
            self.join = False
            w = wcwidth(ch)
            if is_ri(ch):
                w = 2
            if w <= 0:
                continue
            self.ri_open = is_ri(ch)
            if self.cursor.x + w > self.columns:
                if mo.DECAWM in self.mode:
                    self._wrap()
                else:
                    self.cursor.x = self.columns - w
            line = self.buffer[self.cursor.y]
            line[self.cursor.x] = self.cursor.attrs._replace(data=ch)
            if w == 2 and self.cursor.x + 1 < self.columns:
                line[self.cursor.x + 1] = self.cursor.attrs._replace(data="")
            self.last = [self.cursor.y, self.cursor.x, w]
            self.cursor.x = min(self.cursor.x + w, self.columns)
            self.last_end = (self.cursor.y, self.cursor.x)
            self.dirty.add(self.cursor.y)

    def linefeed(self):
        # A hard line feed: the next row is not a continuation (unless _wrap marks it).
        super().linefeed()
        self.soft.discard(self.cursor.y)

    def index(self):
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        if self.cursor.y == bottom:  # scrolling shifts the soft-wrap marks up
            if top == 0:
                self.scrollback.append(self.row_text(0).rstrip())
            self.soft = {r - 1 for r in self.soft if r - 1 >= top}
        super().index()

    def erase_in_display(self, how=0, *args, **kwargs):
        if how in (2, 3):
            self.cleared = True
        super().erase_in_display(how, *args, **kwargs)

    def reset(self):
        self.cleared = True
        super().reset()

    def row_text(self, y):
        return "".join(self.buffer[y][x].data for x in range(self.columns))

    def reflow(self, cols):
        """Rewrap logical lines (rows joined by soft wraps) at the new width; keep the cursor
        at the same logical position."""
        cells = []  # logical lines as lists of cell data (wide chars: data, then "")
        cur = None
        for y in range(self.lines):
            row = [self.buffer[y][x].data for x in range(self.columns)]
            if y in self.soft and cells:
                cells[-1].extend(row)
            else:
                cells.append(row)
            if y == self.cursor.y:
                cur = (len(cells) - 1, len(cells[-1]) - self.columns + self.cursor.x)
        # trim trailing blanks of each logical line, except up to the cursor
        new_rows, soft, cursor = [], set(), (0, 0)
        for i, line in enumerate(cells):
            keep = len(line)
            while keep > 0 and line[keep - 1] == " ":
                keep -= 1
            if cur and cur[0] == i:
                keep = max(keep, cur[1])
            line = line[:keep]
            start = len(new_rows)
            row, k = [], 0
            col_of = {}
            while k < len(line):
                d = line[k]
                w = 2 if (k + 1 < len(line) and line[k + 1] == "") else 1
                if len(row) + w > cols:
                    new_rows.append(row)
                    soft.add(len(new_rows))
                    row = []
                col_of[k] = (len(new_rows), len(row))
                row.extend(line[k:k + w])
                k += w
            new_rows.append(row)
            if cur and cur[0] == i:
                if cur[1] in col_of:
                    cursor = col_of[cur[1]]
                else:  # at the end of the line: after the last cell (pending wrap allowed)
                    cursor = (len(new_rows) - 1, len(row))
                    if len(row) > cols:
                        cursor = (len(new_rows) - 1, cols)
        # blank rows below the cursor are not content: they must not push content off the top
        while len(new_rows) > cursor[0] + 1 and not new_rows[-1]:
            new_rows.pop()
        # keep the bottom of the content on screen
        # keep the cursor on its row, as tmux does: rows the rewrap adds above it go into the
        # scrollback
        drop = max(0, max(len(new_rows), cursor[0] + 1) - self.lines, cursor[0] - self.cursor.y)
        self.scrollback.extend("".join(row).rstrip() for row in new_rows[:drop])
        new_rows = new_rows[drop:]
        self.resize(self.lines, cols)
        for y in range(self.lines):
            for x in range(cols):
                self.buffer[y][x] = self.default_char
        for y, row in enumerate(new_rows):
            for x, d in enumerate(row[:cols]):
                self.buffer[y][x] = self.default_char._replace(data=d)
        self.soft = {r - drop for r in soft if r - drop > 0}
        self.cursor.y = cursor[0] - drop
        self.cursor.x = cursor[1]
        self.last = None
        self.last_end = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--resize", action="append", default=[], help="OFFSET:COLS")
    ap.add_argument("--reflow", action="store_true")
    a = ap.parse_args()
    data = open(a.file, "rb").read() if a.file else sys.stdin.buffer.read()
    screen = GraphemeScreen(a.cols, a.rows)
    stream = pyte.ByteStream(screen)
    pos = 0
    for spec in sorted(a.resize, key=lambda s: int(s.split(":")[0])):
        off, cols = (int(v) for v in spec.split(":"))
        stream.feed(data[pos:off])
        pos = off
        if a.reflow:
            screen.reflow(cols)
        else:
            screen.resize(a.rows, cols)
            screen.last = None
    stream.feed(data[pos:])
    lines = [screen.row_text(y).rstrip() for y in range(screen.lines)]
    print(json.dumps({"lines": lines, "scrollback": screen.scrollback,
                      "cursor": [screen.cursor.x, screen.cursor.y],
                      "title": screen.title, "cleared": screen.cleared,
                      "runs": [style_runs(screen, y, len(lines[y])) for y in range(screen.lines)]},
                     ensure_ascii=False))


def style_runs(screen, y, width):
    """Row y as [text, attributes] runs (attributes: fg/bg/bold italic underline strike)."""
    runs = []
    row = screen.buffer[y]
    for x in range(screen.columns):
        if len("".join(r[0] for r in runs)) >= width and x >= width:
            break
        cell = row[x]
        if cell.data == "":
            continue
        key = "%s/%s/%d%d%d%d" % (cell.fg, cell.bg, cell.bold, cell.italics, cell.underscore, cell.strikethrough)
        if runs and runs[-1][1] == key:
            runs[-1][0] += cell.data
        else:
            runs.append([cell.data, key])
    text = "".join(r[0] for r in runs)
    while runs and text != text.rstrip() and runs[-1][0].strip() == "":
        runs.pop()
        text = "".join(r[0] for r in runs)
    if runs:
        runs[-1][0] = runs[-1][0].rstrip()
    return runs


if __name__ == "__main__":
    main()
