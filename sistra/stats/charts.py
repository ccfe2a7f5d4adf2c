"""Charts drawn on the server as SVG: they work without JavaScript, print in the PDF report, and need nothing
inline that the Content-Security-Policy forbids (colours are SVG presentation attributes and classes of
static/stats/stats.css, never style attributes). Every chart has a title and an accessible name, and its
bars link to the records behind them when a link is given."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = ["#1f5f8b", "#d9822b", "#3a8f5c", "#8e44ad", "#c0392b", "#7f8c8d", "#16a085", "#b7950b"]
BAR = "#1f5f8b"
SUPPRESSED_TEXT = "x"


@dataclass(frozen=True)
class Item:
    label: str
    value: float | None  # None: suppressed in a published chart
    href: str | None = None
    display: str | None = None  # the value as shown (e.g. "35 %"), defaults to the number


def _num(value: float | None) -> str:
    if value is None:
        return SUPPRESSED_TEXT
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(value, decimal_pos=1, force_grouping=True)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def svg_role(svg: str) -> str:
    """An image, unless it holds links: an image's content is presentational, so links inside it would be
    unreachable for assistive technology (axe: nested-interactive); a group of links keeps them reachable."""
    return "group" if "<a " in svg else "img"


def _wrap(svg: str, *, title: str, width: int, height: int, css: str) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="{svg_role(svg)}" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>{svg}</svg>"
    )


def hbar(
    items: list[Item],
    *,
    title: str,
    width: int = 620,
    label_width: int = 230,
    color: str = BAR,
    max_value: float | None = None,
) -> SafeString:
    """Horizontal bars, one per item, with the value at the end of the bar."""
    row = 24
    height = max(row * len(items) + 8, 32)
    top = max([i.value for i in items if i.value is not None] or [0])
    scale_max = max_value or top or 1
    bar_space = width - label_width - 70
    parts = []
    if not items:
        parts.append(
            f'<text x="8" y="20" class="chart-empty">{escape(_("Sin datos para estos filtros."))}</text>'
        )
    for n, item in enumerate(items):
        y = 4 + n * row
        length = 0 if item.value is None else max(bar_space * item.value / scale_max, 1 if item.value else 0)
        shown = item.display or _num(item.value)
        label = (
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" class="chart-label">'
            f"{escape(_short(item.label, 34))}</text>"
        )
        bar = (
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{color}" '
            f'class="chart-bar"><title>{escape(item.label)}: {escape(shown)}</title></rect>'
        )
        value = (
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" class="chart-value">'
            f"{escape(shown)}</text>"
        )
        group = label + bar + value
        if item.href:
            group = (
                f'<a href="{escape(item.href)}" class="chart-link">'
                f"<title>{escape(_('Ver los casos'))}: {escape(item.label)}</title>{group}</a>"
            )
        parts.append(group)
    return _wrap("".join(parts), title=title, width=width, height=height, css="chart-hbar")


def columns(
    items: list[Item],
    *,
    title: str,
    width: int = 620,
    height: int = 220,
    color: str = BAR,
    label_every: int = 1,
) -> SafeString:
    """Vertical bars for a series in time (years, months)."""
    bottom, top_pad, left = 28, 18, 8
    n = max(len(items), 1)
    slot = (width - left * 2) / n
    top = max([i.value for i in items if i.value is not None] or [0]) or 1
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" '
        f'stroke="#888" stroke-width="1"/>'
    ]
    if not items:
        parts.append(
            f'<text x="8" y="20" class="chart-empty">{escape(_("Sin datos para estos filtros."))}</text>'
        )
    for k, item in enumerate(items):
        x = left + k * slot
        h = 0 if item.value is None else (height - bottom - top_pad) * item.value / top
        y = height - bottom - h
        shown = item.display or _num(item.value)
        rect = (
            f'<rect x="{x + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{color}" class="chart-bar"><title>{escape(item.label)}: {escape(shown)}</title></rect>'
        )
        value = ""
        if n <= 24:
            value = (
                f'<text x="{x + slot / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="chart-value" '
                f'font-size="10">{escape(shown)}</text>'
            )
        label = ""
        if k % label_every == 0:
            label = (
                f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'class="chart-label" font-size="10">{escape(_short(item.label, 8))}</text>'
            )
        group = rect + value + label
        if item.href:
            group = f'<a href="{escape(item.href)}" class="chart-link">{group}</a>'
        parts.append(group)
    return _wrap("".join(parts), title=title, width=width, height=height, css="chart-columns")


def funnel(items: list[Item], *, title: str, width: int = 620) -> SafeString:
    """The attrition: bars centred, each a share of the first."""
    row = 34
    height = row * len(items) + 8
    first = items[0].value if items and items[0].value else 0
    label_width = 250
    space = width - label_width - 110
    parts = []
    for n, item in enumerate(items):
        y = 4 + n * row
        share = (item.value or 0) / first if first else 0
        w = max(space * share, 1 if item.value else 0)
        x = label_width + (space - w) / 2
        shown = item.display or _num(item.value)
        color = PALETTE[n % len(PALETTE)] if n == 0 else BAR
        group = (
            f'<text x="{label_width - 8}" y="{y + 20}" text-anchor="end" class="chart-label">'
            f"{escape(_short(item.label, 40))}</text>"
            f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{color}" '
            f'class="chart-bar funnel-step"><title>{escape(item.label)}: {escape(shown)}</title></rect>'
            f'<text x="{x + w + 6:.1f}" y="{y + 21}" class="chart-value">{escape(shown)}</text>'
        )
        if item.href:
            group = f'<a href="{escape(item.href)}" class="chart-link">{group}</a>'
        parts.append(group)
    return _wrap("".join(parts), title=title, width=width, height=height, css="chart-funnel")
