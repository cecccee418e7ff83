"""Charts drawn on the server as SVG (grafik): no script, readable on screen and in print.

Each chart carries a title and a description for screen readers, and a tooltip per bar;
the report page shows the same figures as tables beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from math import ceil, floor, log10

from markupsafe import Markup

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 86, 16, 34, 46
# Dark enough on white for text-level contrast, distinct in lightness for grey-scale print.
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#404040")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n at or above ``value``: gridlines people can read."""
    if value <= 0:
        return 1
    power = 10 ** floor(log10(value))
    return next(step * power for step in (1, 2, 5, 10) if value <= step * power)


def scale(largest: float, intervals: int = 5) -> tuple[float, int]:
    """An axis for values up to ``largest``: its top and how many gridlines below it."""
    step = max(nice_step(largest / intervals), 1)
    count = max(ceil(largest / step), 1)
    return step * count, count


def _frame(chart_id: str, title: str, summary: str, height: int) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(summary)}</desc>',
        f'<text x="{LEFT}" y="20" class="chart-title">{escape(title)}</text>',
    ]


def _axes(top: float, lines: int, labels: Sequence[str], fmt: Callable[[float], str]) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(lines + 1):
        value = top * i / lines
        y = HEIGHT - BOTTOM - plot_h * i / lines
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{escape(fmt(value))}</text>')
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    for i, label in enumerate(labels):
        x = LEFT + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" class="tick" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" class="axis"/>')
    return parts


def _legend(items: Sequence[tuple[str, str, bool]]) -> tuple[list[str], int]:
    """Legend entries in rows under the plot; returns them and the chart's full height."""
    parts, x, y = [], LEFT, HEIGHT - 10
    for label, colour, dashed in items:
        width = 30 + 7.5 * len(label)
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, y = LEFT, y + 18
        if dashed:
            parts.append(
                f'<line x1="{x}" x2="{x + 14}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                'stroke-width="2" stroke-dasharray="4 3"/>'
            )
        else:
            parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="{y}" class="legend">{escape(label)}</text>')
        x += width
    return parts, y + 10


def stacked_bars(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str]
) -> Markup:
    """Monthly bars, one stack per month, one colour per series."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top, lines = scale(max(totals, default=0))
    summary = "; ".join(f"{label}: {fmt(total)}" for label, total in zip(labels, totals, strict=True))
    legend, height = _legend([(s.label, PALETTE[n % len(PALETTE)], False) for n, s in enumerate(series)])
    parts = _frame(chart_id, title, summary, height) + _axes(top, lines, labels, fmt)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    for i, label in enumerate(labels):
        base = HEIGHT - BOTTOM
        for n, one in enumerate(series):
            value = one.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect x="{LEFT + slot * i + slot * 0.18:.1f}" y="{base:.1f}" width="{slot * 0.64:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(label)} — '
                f"{escape(one.label)}: {escape(fmt(value))}</title></rect>"
            )
    parts += legend
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def cumulative_against(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Series,
    reference: tuple[str, int] | None,
    fmt: Callable[[float], str],
) -> Markup:
    """A running total as a line, with a dashed reference line (a target) when there is one."""
    running, total = [], 0
    for value in series.values:
        total += value
        running.append(total)
    top, lines = scale(max([*running, reference[1] if reference else 0], default=0))
    summary = "; ".join(f"{label}: {fmt(value)}" for label, value in zip(labels, running, strict=True))
    legend_items = [(series.label, PALETTE[0], False)]
    if reference:
        summary += f"; {reference[0]}: {fmt(reference[1])}"
        legend_items.append((reference[0], PALETTE[1], True))
    legend, height = _legend(legend_items)
    parts = _frame(chart_id, title, summary, height) + _axes(top, lines, labels, fmt)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    points = [(LEFT + slot * (i + 0.5), HEIGHT - BOTTOM - plot_h * value / top) for i, value in enumerate(running)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="3"/>')
    for (x, y), label, value in zip(points, labels, running, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[0]}"><title>{escape(label)}: '
            f"{escape(fmt(value))}</title></circle>"
        )
    if reference:
        y = HEIGHT - BOTTOM - plot_h * reference[1] / top
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{PALETTE[1]}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
    parts += legend
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def compact(lang_number: Callable[[float, int], str], scale: int, suffix: str) -> Callable[[float], str]:
    """An axis formatter that divides by ``scale`` (e.g. miliar) and keeps one decimal."""
    return lambda value: f"{lang_number(value / scale, 0 if value % scale == 0 else 1)}{suffix}"
