"""Bar charts of the reports as SVG drawn on the server (issue 12: "charts as server-rendered
SVG, accessible, no CDN"): horizontal bars of per cent figures (success rate, quality) per row
of a table. The chart is an image with a title and a description; the table next to it holds
the same figures for screen readers and for copying."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

LABEL_WIDTH = 120
PLOT_WIDTH = 440
BAR_HEIGHT = 11
ROW_GAP = 8
TOP = 24


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: float
    series: int
    text: str
    text_x: float


@dataclass(frozen=True)
class Label:
    y: int
    text: str


@dataclass
class Chart:
    title: str
    description: str
    series: list[str]
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    ticks: list[tuple[float, int]]


def percent_bars(
    title: str, series: list[str], rows: list[tuple[str, list[Decimal | None]]]
) -> Chart | None:
    """A chart of per cent figures (0–100): one group of bars per row, one bar per series.
    None when there is nothing to draw."""
    if not rows or not any(v is not None for _label, values in rows for v in values):
        return None
    group = BAR_HEIGHT * len(series) + ROW_GAP
    bars: list[Bar] = []
    labels: list[Label] = []
    for index, (label, values) in enumerate(rows):
        top = TOP + index * group
        labels.append(Label(top + (BAR_HEIGHT * len(series)) // 2 + 4, label[:18]))
        for number, value in enumerate(values):
            if value is None:
                continue
            width = float(value) / 100 * PLOT_WIDTH
            bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=top + number * BAR_HEIGHT,
                    width=round(width, 1),
                    series=number,
                    text=f"{value}".replace(".", ","),
                    text_x=round(LABEL_WIDTH + width + 3, 1),
                )
            )
    parts = []
    for label, values in rows:
        figures = ", ".join(
            f"{name} {str(v).replace('.', ',')} %"
            for name, v in zip(series, values, strict=True)
            if v is not None
        )
        parts.append(f"{label}: {figures}")
    ticks = [(LABEL_WIDTH + PLOT_WIDTH * p / 100, p) for p in (0, 25, 50, 75, 100)]
    return Chart(
        title=title,
        description="; ".join(parts),
        series=series,
        width=LABEL_WIDTH + PLOT_WIDTH + 40,
        height=TOP + len(rows) * group + 4,
        bars=bars,
        labels=labels,
        ticks=ticks,
    )
