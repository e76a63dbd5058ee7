"""A figure's history (58 -> 84) as a tiny inline SVG: no JavaScript, prints well."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 120
HEIGHT = 36
PAD_X = 6
PAD_Y = 6


def history_svg(values: list[int], label: str) -> Markup:
    """A line through ``values`` (oldest first) with a dot per report.

    The chart is decoration for sighted readers; ``label`` (the values in words)
    is its accessible name, so screen readers get the same history as text.
    """
    if len(values) < 2:
        return Markup("")
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = (WIDTH - 2 * PAD_X) / (len(values) - 1)
    points = []
    for index, value in enumerate(values):
        x = PAD_X + index * step
        y = HEIGHT - PAD_Y - (value - low) / span * (HEIGHT - 2 * PAD_Y)
        if high == low:
            y = HEIGHT / 2
        points.append((round(x, 1), round(y, 1)))
    line = " ".join(f"{x:g},{y:g}" for x, y in points)
    dots = "".join(f'<circle cx="{x:g}" cy="{y:g}" r="2.5"/>' for x, y in points)
    safe_label = escape(label)
    return Markup(
        f'<svg class="history-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{safe_label}"><title>{safe_label}</title>'
        f'<polyline points="{line}"/>{dots}</svg>'
    )
