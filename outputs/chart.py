"""The trend chart: items per priority area over recent digests, as inline SVG.

Inline SVG needs no network and no script; the HTML writer also prints the
numbers as a table, for screen readers and mail clients that drop SVG.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from horizon.digest import Digest

WEEKS = 12
# Okabe-Ito colours, darkened where needed for 3:1 contrast on white.
PALETTE = ("#0072b2", "#b35900", "#007a5a", "#a8467f", "#5a5a5a", "#1f5f8b", "#8a6d00", "#000000")
AXIS = 'stroke="#4c6272" stroke-width="1"'
LABEL = 'font-size="14" fill="#212b32" font-family="Arial,sans-serif"'
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 230, 40, 16, 14, 34


@dataclass(frozen=True)
class Row:
    area_id: str
    name: str
    colour: str
    values: list[int | None]  # one per week; None where that digest had no count


@dataclass(frozen=True)
class Chart:
    weeks: list[str]
    rows: list[Row]
    svg: Markup


def trend_chart(digest: Digest, weeks: int = WEEKS) -> Chart | None:
    """The chart for a digest's trend data, or None when there is no history to draw."""
    all_weeks = sorted({w for series in digest.trend.values() for w, _ in series})[-weeks:]
    totals = {w: sum(n for series in digest.trend.values() for week, n in series if week == w) for w in all_weeks}
    while all_weeks and not totals[all_weeks[0]]:  # an empty first digest is no history: it would draw a surge
        all_weeks.pop(0)
    if len(all_weeks) < 2:
        return None
    rows: list = []
    for area in digest.areas:
        series = dict(digest.trend.get(area.id, ()))
        if not series:
            continue
        colour = PALETTE[len(rows) % len(PALETTE)]
        rows.append(Row(area.id, area.name, colour, [series.get(w) for w in all_weeks]))
    if not rows:
        return None
    return Chart(all_weeks, rows, _svg(all_weeks, rows))


def title(weeks: list[str]) -> str:
    """The chart's accessible name."""
    return f"Items per priority area, {weeks[0]} to {weeks[-1]}"


def _svg(weeks: list[str], rows: list[Row]) -> Markup:
    top = max([v for r in rows for v in r.values if v is not None] + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(weeks) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(v: int) -> float:
        return round(TOP + plot_h - v / top * plot_h, 1)

    summary = "; ".join(f"{r.name}: {', '.join('-' if v is None else str(v) for v in r.values)}" for r in rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'style="max-width:{WIDTH}px;height:auto;display:block;" role="img" aria-labelledby="trend-title trend-desc">',
        f'<title id="trend-title">{escape(title(weeks))}</title>',
        f'<desc id="trend-desc">{escape(summary)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" {AXIS}/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" {AXIS}/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end" {LABEL}>{top}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" {LABEL}>0</text>',
    ]
    for i, week in enumerate(weeks):
        parts.append(f'<text x="{x(i)}" y="{HEIGHT - 10}" text-anchor="middle" {LABEL}>{escape(week[-3:])}</text>')
    for row in rows:
        points = [(x(i), y(v)) for i, v in enumerate(row.values) if v is not None]
        if len(points) > 1:
            coords = " ".join(f"{px},{py}" for px, py in points)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{row.colour}" stroke-width="2"/>')
        for px, py in points:
            parts.append(f'<circle cx="{px}" cy="{py}" r="3" fill="{row.colour}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
