"""Bar charts of the reports as SVG drawn on the server (issue 12: "charts as server-rendered
SVG, accessible, no CDN"): horizontal bars of per cent figures (success rate, quality) per row
of a table. The chart is an image with a title and a description; the table next to it holds
the same figures for screen readers and for copying.

The geometry is in the SVG's own units, drawn at 1:1 on a wide screen (the page shrinks it on a
narrow one). Short labels (classes, parallels) stand left of their bars; long ones (subjects,
courses, teachers) would not fit there and stand above their bars, on the chart's full width.
Numbers are written here as plain strings so that the template's localisation never puts a
decimal comma into an SVG attribute."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Plot: 0–100 % over PLOT_WIDTH units; room on the right for the value after a full bar.
PLOT_WIDTH = 480
VALUE_ROOM = 52
MARGIN = 4
BAR_HEIGHT = 13  # the distance between the bars of a group; a bar is drawn 1 unit thinner
ROW_GAP = 10
TOP = 26  # under the per cent scale
# The stylesheet sets the words' size: 12.5 units on a wide screen, where the chart is drawn
# 1:1, and 19 on a phone, where it is shrunk to about 0.6 (still about 11 px). The room for a
# label is reckoned for the larger type: about 12 units a character of DejaVu Sans.
CHAR_WIDTH = 12
LABEL_LINE = 24  # a label above its bars
LABEL_BASELINE = 17
# At most this many characters stand left of the bars; longer labels go above them.
SIDE_LABEL_CHARS = 12
LONGEST_LABEL = 72


@dataclass(frozen=True)
class Bar:
    x: str
    y: int
    width: str
    height: int
    series: int
    text: str
    text_x: str
    text_y: int


@dataclass(frozen=True)
class Label:
    y: int
    text: str
    full: str  # the whole label when ``text`` is shortened ("" otherwise)


@dataclass
class Chart:
    title: str
    description: str
    series: list[str]
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    ticks: list[tuple[str, int]]
    label_x: int = MARGIN
    tick_top: int = TOP - 6
    tick_label_y: int = TOP - 11


def _units(value: float) -> str:
    """A coordinate as SVG wants it: a dot, no needless «.0»."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _figure(value: Decimal) -> str:
    return f"{value}".replace(".", ",")


def _shortened(label: str, chars: int) -> tuple[str, str]:
    if len(label) <= chars:
        return label, ""
    return label[: chars - 1].rstrip() + "…", label


def percent_bars(
    title: str, series: list[str], rows: list[tuple[str, list[Decimal | None]]]
) -> Chart | None:
    """A chart of per cent figures (0–100): one group of bars per row, one bar per series.
    Rows without any figure (a class without marks) are left out; None when nothing is left."""
    rows = [(label, values) for label, values in rows if any(v is not None for v in values)]
    if not rows:
        return None
    longest = max(len(label) for label, _values in rows)
    above = longest > SIDE_LABEL_CHARS
    if above:
        # The label on its own line, the group's bars under it on the chart's full width.
        plot_x = MARGIN + 12  # room for half of the «0%» under the scale
        label_line = LABEL_LINE
    else:
        plot_x = MARGIN + round(longest * CHAR_WIDTH) + 8
        label_line = 0
    bars_height = BAR_HEIGHT * len(series)
    group = label_line + bars_height + ROW_GAP
    bars: list[Bar] = []
    labels: list[Label] = []
    for index, (label, values) in enumerate(rows):
        top = TOP + index * group
        text, full = _shortened(label, LONGEST_LABEL)
        if above:
            labels.append(Label(top + LABEL_BASELINE, text, full))
        else:
            labels.append(Label(top + bars_height // 2 + 5, text, full))
        for number, value in enumerate(values):
            if value is None:
                continue
            width = max(0.0, min(100.0, float(value))) / 100 * PLOT_WIDTH
            y = top + label_line + number * BAR_HEIGHT
            bars.append(
                Bar(
                    x=_units(plot_x),
                    y=y,
                    width=_units(width),
                    height=BAR_HEIGHT - 1,
                    series=number,
                    text=_figure(value),
                    text_x=_units(plot_x + width + 3),
                    text_y=y + BAR_HEIGHT - 3,
                )
            )
    parts = []
    for label, values in rows:
        figures = ", ".join(
            # «Успеваемость 92,6 %», not «Успеваемость, % 92,6 %».
            f"{name.rstrip(' ,%')} {_figure(v)} %"
            for name, v in zip(series, values, strict=True)
            if v is not None
        )
        parts.append(f"{label}: {figures}")
    ticks = [(_units(plot_x + PLOT_WIDTH * p / 100), p) for p in (0, 25, 50, 75, 100)]
    return Chart(
        label_x=plot_x if above else MARGIN,
        title=title,
        description="; ".join(parts),
        series=series,
        width=plot_x + PLOT_WIDTH + VALUE_ROOM,
        height=TOP + len(rows) * group,
        bars=bars,
        labels=labels,
        ticks=ticks,
    )
