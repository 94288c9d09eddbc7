"""Small server-rendered SVG charts (no chart library). Each chart is data for a Jinja
macro: points already placed in the viewBox, so the template only draws."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 320, 140
LEFT, RIGHT, TOP, BOTTOM = 34, 12, 18, 26


@dataclass
class Point:
    label: str
    value: float | None     # percent 0..100, None: no data
    x: float
    y: float | None


@dataclass
class LineChart:
    title: str
    desc: str
    points: list[Point]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def path(self) -> str:
        drawn = [p for p in self.points if p.y is not None]
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in drawn)

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        return [(value, _y(value)) for value in (0, 50, 100)]

    @property
    def baseline(self) -> float:
        return HEIGHT - BOTTOM


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100)


def line_chart(title: str, labels: list[str], values: list[float | None]) -> LineChart:
    step = (WIDTH - LEFT - RIGHT) / max(1, len(labels) - 1)
    points = [Point(label, value, LEFT + step * i, None if value is None else _y(value))
              for i, (label, value) in enumerate(zip(labels, values))]
    shown = "，".join(f"{label} {'无数据' if v is None else f'{v:.0f}%'}"
                     for label, v in zip(labels, values))
    return LineChart(title, f"{title}：{shown}", points)


def svg(chart: LineChart, id: str) -> Markup:
    """The chart as inline SVG, built here in one pass: a county's print view draws twenty of
    them, and a Jinja macro escaping every coordinate costs more than the figures behind it.
    Only the title, description and labels are text; they are escaped."""
    id = escape(id)
    parts = [f'<svg class="town-chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
             f'aria-labelledby="{id}-t {id}-d" preserveAspectRatio="xMidYMid meet">',
             f'<title id="{id}-t">{escape(chart.title)}</title>',
             f'<desc id="{id}-d">{escape(chart.desc)}</desc>']
    for value, y in chart.gridlines:
        parts.append(f'<line x1="{LEFT}" x2="{chart.width - RIGHT}" y1="{y}" y2="{y}" '
                     f'class="town-chart__grid"/><text x="30" y="{y + 4}" text-anchor="end" '
                     f'class="town-chart__axis">{value}%</text>')
    if chart.path:
        parts.append(f'<polyline points="{chart.path}" class="town-chart__line" fill="none"/>')
    for p in chart.points:
        parts.append(f'<text x="{p.x:.1f}" y="{chart.height - 8}" text-anchor="middle" '
                     f'class="town-chart__axis">{escape(p.label)}</text>')
        if p.y is not None:
            parts.append(f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="3.5" class="town-chart__dot"/>'
                         f'<text x="{p.x:.1f}" y="{p.y - 6:.1f}" text-anchor="middle" '
                         f'class="town-chart__value">{p.value:.0f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
