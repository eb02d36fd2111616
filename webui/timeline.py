"""The date histogram as server-rendered SVG: stacked bars per month and outlet, each bar a link.

Rendering on the server keeps the page script-free for the chart, so it works
without JavaScript, prints, and needs no charting library shipped in ``static/``.
Colours are CSS classes (``.s0`` …) so the palette lives in the stylesheet.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markupsafe import Markup

from search.timeline import OTHER_OUTLETS, Timeline, bucket_range

WIDTH, HEIGHT, AXIS, TOP = 720, 150, 20, 14
MIN_SLOTS = 12
TICK_WIDTH = 46  # room a YYYY-MM label needs, so none is cut at the right edge
PALETTE_SIZE = 7  # .s0 … .s6, then .s-other


def series_class(index: int, outlet: str) -> str:
    return "s-other" if outlet == OTHER_OUTLETS else f"s{index % PALETTE_SIZE}"


def render_svg(timeline: Timeline, href: Callable[[str, str], str], *, active: tuple[str, str] | None = None) -> Markup:
    """The chart; ``href(since, until)`` gives the link that narrows the search to a bar's dates."""
    n = len(timeline.buckets)
    if n == 0:
        return Markup("")
    peak = max(timeline.peak, 1)
    plot_h = HEIGHT - AXIS - TOP
    slot = WIDTH / max(n, MIN_SLOTS)  # a month or two should not become wall-to-wall bars
    left = (WIDTH - slot * n) / 2
    gap = min(2.0, slot * 0.15)
    parts = [
        f'<svg class="timeline-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" '
        f'aria-label="Matching articles per {timeline.granularity}, by outlet. Select a bar to narrow the dates.">',
        f'<line class="axis" x1="0" y1="{TOP + plot_h}" x2="{WIDTH}" y2="{TOP + plot_h}"/>',
        f'<text class="peak" x="2" y="{TOP - 3}">{peak}</text>',
        f'<line class="grid" x1="0" y1="{TOP}" x2="{WIDTH}" y2="{TOP}"/>',
    ]
    totals = timeline.totals()
    label_every = max(1, round(n / 8))
    for i, bucket in enumerate(timeline.buckets):
        x = left + i * slot
        since, until = (d.isoformat() for d in bucket_range(bucket))
        parts_of = [f"{s.outlet} {s.counts[i]}" for s in timeline.series if s.counts[i]]
        noun = "article" if totals[i] == 1 else "articles"
        tip = f"{bucket}: {totals[i]} {noun}" + (" — " + ", ".join(parts_of) if parts_of else "")
        selected = bucket in timeline.selected or (active is not None and active == (since, until))
        cls = "bar selected" if selected else "bar"
        parts.append(
            f'<a class="{cls}" href="{escape(href(since, until))}" aria-label="{escape(tip)}">'
            f"<title>{escape(tip)}</title>"
            f'<rect class="hitbox" x="{x:.2f}" y="0" width="{slot:.2f}" height="{TOP + plot_h}"/>'
        )
        y = TOP + plot_h
        for k, s in enumerate(timeline.series):
            count = s.counts[i]
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            parts.append(
                f'<rect class="{series_class(k, s.outlet)}" x="{x + gap / 2:.2f}" y="{y:.2f}" '
                f'width="{max(slot - gap, 0.5):.2f}" height="{h:.2f}"/>'
            )
        parts.append("</a>")
        if i % label_every == 0 and x + TICK_WIDTH <= WIDTH:
            parts.append(f'<text class="tick" x="{x + 1:.2f}" y="{HEIGHT - 5}">{escape(bucket)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
