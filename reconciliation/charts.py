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


def trend(title: str, series: dict[str, list[int]], labels: list[str], width: int = 560, height: int = 180) -> str:
    """Lines over runs, one per series (e.g. total and critical), with the last value printed."""
    points = max((len(v) for v in series.values()), default=0)
    if points == 0:
        return f"<figure><figcaption>{escape(title)}</figcaption><p>no run yet</p></figure>"
    top = max((max(v) for v in series.values() if v), default=1) or 1
    step = (width - 60) / max(1, points - 1)
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height + 30}" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
             f'<line x1="30" y1="{height}" x2="{width - 30}" y2="{height}" stroke="#999"/>']
    for name, values in series.items():
        coords = [(30 + i * step, height - (height - 20) * v / top) for i, v in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        colour = COLOURS.get(name, COLOURS["total"])
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        x, y = coords[-1]
        parts.append(f'<text x="{x - 20:.1f}" y="{y - 6:.1f}" fill="{colour}">{escape(name)} {values[-1]}</text>')
    if labels:
        parts.append(f'<text x="30" y="{height + 20}">{escape(labels[0])}</text>'
                     f'<text x="{width - 150}" y="{height + 20}">{escape(labels[-1])}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"
