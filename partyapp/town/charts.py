"""Small server-rendered SVG charts (no chart library). Each chart is data for a Jinja
macro: points already placed in the viewBox, so the template only draws."""
from __future__ import annotations

from dataclasses import dataclass

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
