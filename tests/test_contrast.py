"""Contrast of what the stylesheets draw (issue 15, WCAG 2.1 1.4.3 and 1.4.11): every text
colour of the stylesheets (the CSS-drawn forecast of a term-mark cell included) reads at least
4.5:1 on white and on the page's background, and the focus ring of links, buttons, fields and
the grid's cell editor at least 3:1. White text is for the dark header and the buttons, checked
against those."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "zhurnal" / "core" / "static" / "zhurnal"
SHEETS = sorted(STATIC.glob("*.css"))


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", (STATIC / "zhurnal.css").read_text()).group(1)
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})", root))


def _resolve(value: str) -> str | None:
    value = value.strip()
    var = re.fullmatch(r"var\((--[\w-]+)\)", value)
    if var:
        return _variables()[var.group(1)]
    return value if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value) else None


def _declarations(prop: str):
    for sheet in SHEETS:
        for selector, body in re.findall(r"([^{}]+){([^{}]*)}", sheet.read_text()):
            for value in re.findall(rf"(?<![-\w]){prop}:\s*([^;}}]+)", body):
                yield sheet.name, selector.strip().split("\n")[-1], value


TEXT = [
    (sheet, selector, colour)
    for sheet, selector, value in _declarations("color")
    if (colour := _resolve(value)) and colour.lower() not in ("#fff", "#ffffff")
]


@pytest.mark.parametrize(("sheet", "selector", "colour"), TEXT)
def test_text_reads_at_4_5_to_1(sheet, selector, colour):
    for background in ("#ffffff", _variables()["--bg"]):
        assert contrast(colour, background) >= 4.5, (sheet, selector, colour, background)


def test_the_forecast_drawn_by_css_is_among_the_checked():
    assert any("td.c.p:empty::after" in selector for _s, selector, _c in TEXT)


def test_white_text_on_the_header_and_the_buttons():
    assert contrast("#ffffff", "#15345f") >= 4.5
    assert contrast("#ffffff", _variables()["--accent"]) >= 4.5


def test_the_focus_ring_reaches_3_to_1():
    rings = [
        (selector, _resolve(value.split()[-1]))
        for _sheet, selector, value in _declarations("outline")
        if "focus" in selector
    ]
    assert any("input:focus" in selector for selector, _c in rings)
    for selector, colour in rings:
        assert colour, selector
        for background in ("#ffffff", _variables()["--bg"]):
            assert contrast(colour, background) >= 3, (selector, colour, background)
