"""Inline SVG charts for report.html: line charts over time and horizontal bars, no scripts.

The report must open offline from a CI artifact or a mail attachment, so the
charts are plain SVG markup written here (axes, ticks, a polyline), styled by
classes the page's inline CSS defines.
"""
from __future__ import annotations

import math
from html import escape

PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (1 for 0)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10 * power


def format_number(value: float) -> str:
    """Short axis labels: 950, 1.2k, 3.4M, 0.25."""
    if value >= 1e6:
        return f"{value / 1e6:.1f}M".replace(".0M", "M")
    if value >= 1e3:
        return f"{value / 1e3:.1f}k".replace(".0k", "k")
    if value != int(value):
        return f"{value:.2f}".rstrip("0")
    return str(int(value))


def line_chart(points: list[tuple[float, float]], *, title: str, x_label: str = "seconds", step: bool = False,
               color: str = PALETTE[0], width: int = 300, height: int = 150) -> str:
    """A line chart of ``points`` (x ascending); ``step`` draws a value as holding until the next point."""
    left, right, top, bottom = 44, 10, 22, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = nice_ceiling(max((x for x, _ in points), default=0.0))
    y_max = nice_ceiling(max((y for _, y in points), default=0.0))

    def sx(x: float) -> float:
        return left + plot_w * x / x_max

    def sy(y: float) -> float:
        return top + plot_h * (1 - y / y_max)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<text class="chart-title" x="{left}" y="14">{escape(title)}</text>']
    for i in range(5):
        value = y_max * i / 4
        y = sy(value)
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">'
                     f"{format_number(value)}</text>")
    for i in range(5):
        value = x_max * i / 4
        x = sx(value)
        parts.append(f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 12}" text-anchor="middle">'
                     f"{format_number(value)}</text>")
    parts.append(f'<text class="axis-label" x="{left + plot_w / 2:.1f}" y="{height - 4}" '
                 f'text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>')
    if points:
        coords: list[tuple[float, float]] = []
        for i, (x, y) in enumerate(points):
            if step and i:
                coords.append((sx(x), sy(points[i - 1][1])))
            coords.append((sx(x), sy(y)))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        last_x, last_y = coords[-1]
        parts.append(f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="{color}"/>')
    else:
        parts.append(f'<text class="empty" x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
                     'text-anchor="middle">no samples</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(rows: list[tuple[str, list[tuple[str, float]]]], colors: dict[str, str], *, title: str,
                 width: int = 640, bar_height: int = 16) -> str:
    """One horizontal bar per row, split into named segments in proportion; a legend on top."""
    label_w, gap, top = 150, 6, 34
    plot_w = width - label_w - 70
    height = top + len(rows) * (bar_height + gap) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<text class="chart-title" x="0" y="14">{escape(title)}</text>']
    x = 0
    for name, color in colors.items():
        parts.append(f'<rect x="{x}" y="20" width="10" height="10" fill="{color}"/>'
                     f'<text class="tick" x="{x + 14}" y="29">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    for i, (label, segments) in enumerate(rows):
        y = top + i * (bar_height + gap)
        total = sum(v for _, v in segments)
        parts.append(f'<text class="tick" x="{label_w - 6}" y="{y + bar_height - 4}" text-anchor="end">'
                     f"{escape(label)}</text>")
        offset = 0.0
        for name, value in segments:
            if value <= 0 or total <= 0:
                continue
            w = plot_w * value / total
            parts.append(f'<rect x="{label_w + offset:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                         f'fill="{colors[name]}"><title>{escape(label)}: {format_number(value)} {escape(name)}'
                         "</title></rect>")
            offset += w
        parts.append(f'<text class="tick" x="{label_w + plot_w + 6}" y="{y + bar_height - 4}">'
                     f"{format_number(total)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def percent_bars(rows: list[tuple[str, float | None]], *, title: str, width: int = 640, bar_height: int = 14,
                 color: str = PALETTE[2]) -> str:
    """One horizontal bar per row showing a percentage (None: not measured) against a 100% track."""
    label_w, gap, top = 150, 6, 22
    plot_w = width - label_w - 60
    height = top + len(rows) * (bar_height + gap) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<text class="chart-title" x="0" y="14">{escape(title)}</text>']
    for i, (label, percent) in enumerate(rows):
        y = top + i * (bar_height + gap)
        parts.append(f'<text class="tick" x="{label_w - 6}" y="{y + bar_height - 3}" text-anchor="end">'
                     f"{escape(label)}</text>")
        parts.append(f'<rect class="track" x="{label_w}" y="{y}" width="{plot_w}" height="{bar_height}"/>')
        if percent is not None:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{plot_w * percent / 100:.1f}" '
                         f'height="{bar_height}" fill="{color}"/>')
        text = "n/a" if percent is None else f"{percent:.1f}%"
        parts.append(f'<text class="tick" x="{label_w + plot_w + 6}" y="{y + bar_height - 3}">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)
