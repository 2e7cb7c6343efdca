"""Renders a tmux pane capture (`capture-pane -e -p`, with escape sequences) to a PNG, through
pyte's VT emulator, so docs can show a real session. Usage: render-pane.py CAPTURE OUT.png COLS ROWS"""
import sys

import pyte
from PIL import Image, ImageDraw, ImageFont
from wcwidth import wcwidth

capture, out, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
screen = pyte.Screen(cols, rows)
stream = pyte.ByteStream(screen)
data = open(capture, "rb").read().replace(b"\n", b"\r\n")
stream.feed(data)

MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
MONO_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
WIDE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
size = 15
fonts = {False: ImageFont.truetype(MONO, size), True: ImageFont.truetype(MONO_BOLD, size)}
try:
    wide = ImageFont.truetype(WIDE, size)
except OSError:
    wide = fonts[False]
# Control pictures (␛ ␇) and emoji are in neither font above; Symbola has both (monochrome).
symbols = ImageFont.truetype("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf", size)
cell_w, cell_h = 9, 19
palette = {
    "default": (220, 220, 220), "black": (40, 40, 40), "red": (230, 90, 90), "green": (120, 200, 120),
    "brown": (220, 180, 90), "yellow": (230, 210, 100), "blue": (110, 150, 230), "magenta": (200, 120, 210),
    "cyan": (100, 200, 210), "white": (235, 235, 235), "brightblack": (130, 134, 142),
}
background = (24, 26, 30)
image = Image.new("RGB", (cols * cell_w + 20, rows * cell_h + 20), background)
draw = ImageDraw.Draw(image)
for y in range(rows):
    line = screen.buffer[y]
    for x in range(cols):
        char = line[x]
        if not char.data or char.data == " ":
            continue
        color = palette.get(char.fg, None)
        if color is None and len(char.fg) == 6:
            color = tuple(int(char.fg[i:i + 2], 16) for i in (0, 2, 4))
        color = color or palette["default"]
        if 0x2400 <= ord(char.data[0]) <= 0x243F or ord(char.data[0]) >= 0x1F000:
            draw.text((10 + x * cell_w, 10 + y * cell_h), char.data, font=symbols, fill=color)
            continue
        font = wide if wcwidth(char.data[0]) == 2 or ord(char.data[0]) > 0x2E80 else fonts[char.bold]
        draw.text((10 + x * cell_w, 10 + y * cell_h), char.data, font=font, fill=color)
image.save(out)
print(out)
