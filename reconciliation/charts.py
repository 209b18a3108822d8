"""Inline SVG charts for the report: no script, no file fetched from anywhere. Pure."""
from __future__ import annotations

from html import escape

COLOURS = {"critical": "#b3261e", "high": "#e8710a", "medium": "#f9ab00", "low": "#1e8e3e", "total": "#1a73e8",
           "p99": "#e8710a", "p50": "#1e8e3e"}


def bars(title: str, values: list[tuple[str, int]], colour: str = COLOURS["total"], width: int = 560) -> str:
    """A horizontal bar chart, one bar per (label, value)."""
    if not values:
        return f"<figure><figcaption>{escape(title)}</figcaption><p>nothing to show</p></figure>"
    top = max(v for _, v in values) or 1
    row, label_width = 22, 150
    height = row * len(values) + 10
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">']
    for i, (label, value) in enumerate(values):
        y = 5 + i * row
        length = int((width - label_width - 60) * value / top)
        parts.append(f'<text x="0" y="{y + 14}">{escape(label)}</text>'
                     f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="14" fill="{colour}"/>'
                     f'<text x="{label_width + length + 4}" y="{y + 14}">{value}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"


def _tick(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2g}"


def trend(title: str, series: dict[str, list[float]], labels: list[str], width: int = 560, height: int = 180,
          unit: str = "") -> str:
    """Lines over time, one per series (e.g. total and critical): a y axis with its unit and a
    grid of four steps, the first and last time on the x axis, a dot on every point (one run is
    one dot, not an empty chart) and the last value printed."""
    points = max((len(v) for v in series.values()), default=0)
    if points == 0:
        return f"<figure><figcaption>{escape(title)}</figcaption><p>no data yet</p></figure>"
    top = max((max(v) for v in series.values() if v), default=1) or 1
    left, right = 60, 30
    step = (width - left - right) / max(1, points - 1)
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height + 30}" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">']
    for i in range(5):  # the grid and the y axis's ticks
        value = top * i / 4
        y = height - (height - 20) * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="{"#999" if i == 0 else "#e0e0e0"}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_tick(value))}</text>')
    if unit:
        parts.append(f'<text x="4" y="12">{escape(unit)}</text>')
    for name, values in series.items():
        coords = [(left + i * step, height - (height - 20) * v / top) for i, v in enumerate(values)]
        colour = COLOURS.get(name, COLOURS["total"])
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in coords)
        x, y = coords[-1]
        parts.append(f'<text x="{x - 20:.1f}" y="{y - 6:.1f}" fill="{colour}">{escape(name)} {_tick(values[-1])}</text>')
    if labels:
        parts.append(f'<text x="{left}" y="{height + 20}">{escape(labels[0])}</text>'
                     f'<text x="{width - right}" y="{height + 20}" text-anchor="end">{escape(labels[-1])}</text>')
    parts.append("</svg>")
    caption = f"{title} ({unit})" if unit else title
    return f"<figure><figcaption>{escape(caption)}</figcaption>{''.join(parts)}</figure>"
