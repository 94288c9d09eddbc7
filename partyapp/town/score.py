"""堡垒指数: a branch score of 1–5 stars from the dashboard's figures. The weights come from
the app configuration (TOWN_SCORE_WEIGHTS) and the formula is shown on the page."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

DEFAULT_WEIGHTS = {"meetings": 0.4, "attendance": 0.2, "replies": 0.25, "commitments": 0.15}
PART_LABELS = {"meetings": "会议达标率", "attendance": "出勤率", "replies": "按时答复率",
               "commitments": "承诺正常率"}
DEFAULT_PRAISE_MIN_STARS = 4
DEFAULT_HELP_MAX_STARS = 2


def weights() -> dict[str, float]:
    configured = current_app.config.get("TOWN_SCORE_WEIGHTS") or DEFAULT_WEIGHTS
    return {part: float(configured.get(part, 0)) for part in PART_LABELS}


def formula_text(w: dict[str, float] | None = None) -> str:
    w = w or weights()
    total = sum(w.values()) or 1
    parts = " + ".join(f"{w[p] / total:g}×{PART_LABELS[p]}" for p in PART_LABELS if w[p])
    return f"堡垒指数 = 1 + 4 ×（{parts}），四舍五入为 1–5 颗星"


@dataclass
class Score:
    parts: dict[str, float]     # each 0..1
    value: float                # 0..1, the weighted mean
    stars: int                  # 1..5

    @property
    def weakest(self) -> str:
        return PART_LABELS[min(self.parts, key=lambda p: self.parts[p])]


def branch_score(parts: dict[str, float], w: dict[str, float] | None = None) -> Score:
    w = w or weights()
    total = sum(w.values()) or 1
    value = sum(w[p] * parts[p] for p in PART_LABELS) / total
    stars = int(1 + 4 * value + 0.5 + 1e-9)   # half up: 0.5 of a star rounds up
    return Score(parts, value, max(1, min(5, stars)))


def praise_min_stars() -> int:
    return int(current_app.config.get("TOWN_PRAISE_MIN_STARS", DEFAULT_PRAISE_MIN_STARS))


def help_max_stars() -> int:
    return int(current_app.config.get("TOWN_HELP_MAX_STARS", DEFAULT_HELP_MAX_STARS))
