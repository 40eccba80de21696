"""Turning dashboard figures into what the charts draw: points of inline SVG lines.

Kept out of the templates so they hold no arithmetic: a template gets, for each
series, the polyline's points, its largest value and the axis labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from townhall.engagement.dashboards import SERIES, Figures

WIDTH = 640
HEIGHT = 200
LEFT = 48  # room for the axis's numbers
BOTTOM = 24  # room for the weeks


@dataclass(frozen=True)
class Line:
    """One series as an SVG polyline with its markers."""

    key: str
    label: str
    points: str
    dots: list[tuple[float, float, int]]
    total: int


@dataclass(frozen=True)
class Chart:
    """A line chart of weekly counts, with its scale."""

    lines: list[Line]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = BOTTOM
    labels: tuple[tuple[float, str], ...] = ()


def _nice_peak(value: int) -> int:
    """A round number at or above `value`, for the top of the axis."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def weekly_chart(figures: Figures) -> Chart:
    """The dashboard's weekly series as one chart, scaled to the busiest week."""
    weeks = len(figures.weeks)
    peak = _nice_peak(max((max(v, default=0) for v in figures.series.values()), default=0))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - BOTTOM - 8

    def x(i: int) -> float:
        return round(LEFT + (plot_w * i / max(weeks - 1, 1)), 1)

    def y(v: int) -> float:
        return round(8 + plot_h - plot_h * v / peak, 1)

    lines = []
    for key, label in SERIES.items():
        values = figures.series[key]
        dots = [(x(i), y(v), v) for i, v in enumerate(values)]
        lines.append(
            Line(
                key=key,
                label=label,
                points=" ".join(f"{px},{py}" for px, py, _ in dots),
                dots=dots,
                total=sum(values),
            )
        )
    # Label every few weeks so the labels never overlap.
    every = max(1, weeks // 6)
    labels = tuple(
        (x(i), f"{week:%-d %b}") for i, week in enumerate(figures.weeks) if i % every == 0
    )
    return Chart(lines=lines, peak=peak, labels=labels)
