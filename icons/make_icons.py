#!/usr/bin/env python3
"""Draw the Chairside application icon: a white tooth on a rounded teal square.

Run from anywhere:  python3 icons/make_icons.py   (needs Pillow: pip install pillow)

Writes, next to this script:
  32x32.png, 128x128.png, 128x128@2x.png (256), icon.png (512)  -- RGBA PNGs for Tauri
  icon.svg                                                        -- the same drawing as a vector
and, for the web front end:
  ../ui/public/favicon.png (64)  and  ../ui/src/assets/logo.svg
"""
from __future__ import annotations

import os

from PIL import Image, ImageDraw, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
UI = os.path.join(HERE, os.pardir, "ui")

# Colours: clinic teal, darker towards the bottom.
TEAL_TOP = (20, 170, 160)
TEAL_BOTTOM = (13, 110, 120)
TOOTH = (255, 255, 255)

# The drawing lives in a 100 x 100 box.
MARGIN = 6.0          # space around the rounded square (macOS style)
RADIUS = 20.0         # corner radius of the square

# Left half of the tooth outline, from the dip at the top centre down to the fork
# between the roots, as cubic Bezier segments (p0 is the previous end point).
# The right half is the mirror image.
LEFT_HALF = [
    ((50.0, 27.0),),                                   # start: top centre dip
    ((44.5, 21.0), (37.0, 18.5), (30.5, 19.5)),        # crown, left cusp
    ((21.0, 21.0), (16.5, 30.0), (18.0, 40.0)),        # left side of the crown
    ((19.3, 49.0), (25.0, 54.0), (27.0, 62.0)),        # waist
    ((29.0, 71.0), (29.5, 80.0), (33.5, 83.0)),        # left root, outer side
    ((37.5, 86.0), (40.5, 81.0), (41.5, 74.0)),        # left root tip
    ((42.8, 66.0), (45.0, 60.0), (50.0, 60.0)),        # inner side up to the fork
]


def _mirror(pt):
    return (100.0 - pt[0], pt[1])


def outline_segments():
    """Closed outline as [start, (c1, c2, end), ...] going clockwise."""
    start = LEFT_HALF[0][0]
    left = [seg for seg in LEFT_HALF[1:]]
    # Points of the left half in order: start, then each segment's (c1, c2, end).
    pts = [start]
    for c1, c2, end in left:
        pts += [c1, c2, end]
    # Right half: walk the left half backwards, mirrored, from the fork back to the top.
    right = []
    rev = pts[::-1]  # fork ... start
    for i in range(0, len(rev) - 1, 3):
        c1, c2, end = rev[i + 1], rev[i + 2], rev[i + 3]
        right.append((_mirror(c1), _mirror(c2), _mirror(end)))
    # The left half goes top -> fork on the left (counter-clockwise on screen);
    # continue with the right half from the fork back up to the top.
    return start, left + right


def bezier(p0, p1, p2, p3, steps=48):
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        x = u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0]
        y = u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1]
        out.append((x, y))
    return out


def tooth_polygon(scale: float, dy: float = 0.0):
    start, segs = outline_segments()
    poly = [start]
    cur = start
    for c1, c2, end in segs:
        poly += bezier(cur, c1, c2, end)
        cur = end
    return [(x * scale, (y + dy) * scale) for x, y in poly]


def svg_path(dy: float = 0.0) -> str:
    start, segs = outline_segments()
    f = lambda p: f"{p[0]:.1f} {p[1] + dy:.1f}"  # noqa: E731
    d = [f"M{f(start)}"]
    for c1, c2, end in segs:
        d.append(f"C{f(c1)} {f(c2)} {f(end)}")
    return " ".join(d) + "Z"


# The tooth spans y 19..86; move it so it sits optically centred in the square.
TOOTH_DY = -2.5


def render(size: int) -> Image.Image:
    ss = 4 if size < 1024 else 2
    big = size * ss
    s = big / 100.0

    # Vertical gradient, then cut to the rounded square.
    grad = Image.new("RGBA", (1, big))
    for y in range(big):
        t = y / (big - 1)
        c = tuple(round(a + (b - a) * t) for a, b in zip(TEAL_TOP, TEAL_BOTTOM))
        grad.putpixel((0, y), c + (255,))
    grad = grad.resize((big, big))
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [MARGIN * s, MARGIN * s, (100 - MARGIN) * s, (100 - MARGIN) * s],
        radius=RADIUS * s,
        fill=255,
    )
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    img.paste(grad, (0, 0), mask)

    # Soft shadow under the tooth, then the tooth itself.
    poly = tooth_polygon(s, TOOTH_DY)
    shadow = Image.new("L", (big, big), 0)
    ImageDraw.Draw(shadow).polygon([(x, y + 1.2 * s) for x, y in poly], fill=70)
    shadow = shadow.filter(ImageFilter.GaussianBlur(1.6 * s))
    dark = Image.new("RGBA", (big, big), (5, 60, 66, 255))
    img.paste(dark, (0, 0), Image.composite(shadow, Image.new("L", (big, big), 0), mask))
    ImageDraw.Draw(img).polygon(poly, fill=TOOTH + (255,))

    return img.resize((size, size), Image.LANCZOS)


def write_svg(path: str, with_background: bool = True):
    bg = ""
    if with_background:
        bg = (
            '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
            f'<stop offset="0" stop-color="rgb{TEAL_TOP}"/>'
            f'<stop offset="1" stop-color="rgb{TEAL_BOTTOM}"/></linearGradient></defs>'
            f'<rect x="{MARGIN}" y="{MARGIN}" width="{100 - 2 * MARGIN}" '
            f'height="{100 - 2 * MARGIN}" rx="{RADIUS}" fill="url(#g)"/>'
        )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'{bg}<path d="{svg_path(TOOTH_DY)}" fill="#fff"/></svg>\n'
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(svg)


def main():
    master = render(1024)
    outputs = {
        "32x32.png": 32,
        "128x128.png": 128,
        "128x128@2x.png": 256,
        "icon.png": 512,
    }
    for name, size in outputs.items():
        img = render(size) if size <= 128 else master.resize((size, size), Image.LANCZOS)
        img.save(os.path.join(HERE, name), "PNG")
        print(f"wrote icons/{name} ({size}x{size}, {img.mode})")
    write_svg(os.path.join(HERE, "icon.svg"))
    print("wrote icons/icon.svg")

    public = os.path.join(UI, "public")
    os.makedirs(public, exist_ok=True)
    render(64).save(os.path.join(public, "favicon.png"), "PNG")
    print("wrote ui/public/favicon.png")
    write_svg(os.path.join(UI, "src", "assets", "logo.svg"))
    print("wrote ui/src/assets/logo.svg")


if __name__ == "__main__":
    main()
