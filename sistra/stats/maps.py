"""Maps of Peru by department and province, drawn on the server as SVG from the INEI boundaries in
sistra/core/data/peru: areas shaded by a count, flows between departments as curved arrows, and a Sankey
diagram of routes. Only areas are drawn — never a point for a person. The projection is equirectangular with
the longitude scaled by cos(latitude) at the centre of Peru, which keeps shapes right at this size."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import dimensions as dim
from .charts import svg_role

PERU_DIR = Path(__file__).resolve().parent.parent / "core" / "data" / "peru"
FILES = {
    "departamento": ("peru_departamental_simple.geojson", "FIRST_IDDP"),
    "provincia": ("peru_provincial_simple.geojson", "FIRST_IDPR"),
}
# sequential blues; index 0 is "none"
CLASS_FILLS = ["#f2f2f2", "#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
SUPPRESSED_FILL = "url(#hatch)"
FLOW_COLOR = "#d9822b"


@dataclass(frozen=True)
class Area:
    code: str
    path: str
    cx: float
    cy: float


@cache
def _features(level: str) -> list[tuple[str, list[list[list[tuple[float, float]]]]]]:
    name, key = FILES[level]
    data = json.loads((PERU_DIR / name).read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        out.append(
            (
                str(feature["properties"][key]),
                [[[(float(x), float(y)) for x, y, *_ in ring] for ring in polygon] for polygon in polygons],
            )
        )
    return out


@cache
def _bounds() -> tuple[float, float, float, float]:
    xs, ys = [], []
    for _code, polygons in _features("departamento"):
        for polygon in polygons:
            for x, y in polygon[0]:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Projection:
    width: int
    height: int
    scale: float
    kx: float
    min_lon: float
    max_lat: float
    pad: float

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.pad + (lon - self.min_lon) * self.kx * self.scale,
            self.pad + (self.max_lat - lat) * self.scale,
        )


@cache
def projection(width: int = 560) -> Projection:
    min_lon, min_lat, max_lon, max_lat = _bounds()
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    pad = 10.0
    scale = (width - 2 * pad) / ((max_lon - min_lon) * kx)
    height = int(2 * pad + (max_lat - min_lat) * scale)
    return Projection(
        width=width, height=height, scale=scale, kx=kx, min_lon=min_lon, max_lat=max_lat, pad=pad
    )


def _ring_path(ring, proj: Projection, tolerance: float) -> tuple[str, list[tuple[float, float]]]:
    points: list[tuple[float, float]] = []
    for lon, lat in ring:
        x, y = proj(lon, lat)
        if points and abs(x - points[-1][0]) < tolerance and abs(y - points[-1][1]) < tolerance:
            continue
        points.append((x, y))
    if len(points) < 3:
        return "", points
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z", points


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        xs, ys = zip(*points, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys), 0.0
    return cx / (3 * area), cy / (3 * area), abs(area) / 2


@cache
def areas(level: str, width: int = 560) -> dict[str, Area]:
    proj = projection(width)
    tolerance = 0.7 if level == "departamento" else 0.9
    out = {}
    for code, polygons in _features(level):
        d_parts, best = [], (0.0, 0.0, -1.0)
        for polygon in polygons:
            for n, ring in enumerate(polygon):
                d, points = _ring_path(ring, proj, tolerance)
                if not d:
                    continue
                d_parts.append(d)
                if n == 0:
                    c = _centroid(points)
                    if c[2] > best[2]:
                        best = c
        out[code] = Area(code=code, path="".join(d_parts), cx=best[0], cy=best[1])
    return out


def classes(values: dict[str, int | None], n: int = 5) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Class 1..n by quantiles of the positive values (0 for no value); the breaks for the legend."""
    positive = sorted(v for v in values.values() if v)
    if not positive:
        return {k: 0 for k in values}, []
    breaks = []
    for k in range(1, n + 1):
        breaks.append(positive[min(len(positive) - 1, math.ceil(k * len(positive) / n) - 1)])
    breaks = sorted(set(breaks))
    lows = [positive[0]] + [b + 1 for b in breaks[:-1]]
    out = {}
    for code, v in values.items():
        if not v:
            out[code] = 0
            continue
        out[code] = next(i + 1 for i, b in enumerate(breaks) if v <= b)
    # spread the classes over the palette when there are fewer breaks than colours
    step = (len(CLASS_FILLS) - 1) / len(breaks)
    out = {code: (0 if c == 0 else max(1, round(c * step))) for code, c in out.items()}
    legend = [(lo, hi) for lo, hi in zip(lows, breaks, strict=True)]
    return out, legend


def _fmt(v) -> str:
    return number_format(v, force_grouping=True) if v is not None else "x"


def choropleth(
    level: str,
    values: dict[str, int | None],
    *,
    title: str,
    links: dict[str, str] | None = None,
    flows: list[tuple[str, str, int]] | None = None,
    width: int = 560,
) -> SafeString:
    """Areas shaded by value (None: suppressed, drawn hatched); optional flows between departments."""
    proj = projection(width)
    shapes = areas(level, width)
    known = {k: v for k, v in values.items() if k in shapes}
    cls, legend = classes({k: v for k, v in known.items() if v is not None})
    names = {code: dim.place_label(code) for code in shapes}
    parts = [
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern>'
        f'<marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="11" markerHeight="11" '
        f'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        f'<path d="M0,0L10,5L0,10z" fill="{FLOW_COLOR}"/></marker></defs>',
        '<g class="areas">',
    ]
    for code, area in shapes.items():
        v = known.get(code, 0)
        if code in known and v is None:
            fill, css = SUPPRESSED_FILL, "area area-suppressed"
        else:
            c = cls.get(code, 0)
            fill, css = CLASS_FILLS[c], f"area c{c}"
        label = f"{names[code]}: {_fmt(v)}"
        shape = (
            f'<path d="{area.path}" fill="{fill}" stroke="#fff" stroke-width="0.6" class="{css}" '
            f'data-code="{code}"><title>{escape(label)}</title></path>'
        )
        href = (links or {}).get(code)
        if href:
            shape = f'<a href="{escape(href)}" class="area-link" aria-label="{escape(label)}">{shape}</a>'
        parts.append(shape)
    parts.append("</g>")
    if flows:
        parts.append(_flows(flows, areas("departamento", width)))
    parts.append(_legend(legend, proj, level))
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map map-{level}" '
        f'viewBox="0 0 {proj.width} {proj.height}" '
        f'width="{proj.width}" height="{proj.height}" role="{svg_role("".join(parts))}" '
        f'aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _flows(flows: list[tuple[str, str, int]], dept_areas: dict[str, Area]) -> str:
    drawable = [(o, d, v) for o, d, v in flows if o in dept_areas and d in dept_areas and o != d and v]
    if not drawable:
        return ""
    top = max(v for _o, _d, v in drawable)
    out = ['<g class="flows">']
    for origin, destination, value in sorted(drawable, key=lambda f: f[2]):
        a, b = dept_areas[origin], dept_areas[destination]
        mx, my = (a.cx + b.cx) / 2, (a.cy + b.cy) / 2
        dx, dy = b.cx - a.cx, b.cy - a.cy
        # bend every arrow to its left so that A→B and B→A do not overlap
        qx, qy = mx - dy * 0.2, my + dx * 0.2
        w = 1.2 + 9 * math.sqrt(value / top)
        label = f"{dim.place_label(origin)} → {dim.place_label(destination)}: {_fmt(value)}"
        out.append(
            f'<path d="M{a.cx:.1f},{a.cy:.1f}Q{qx:.1f},{qy:.1f} {b.cx:.1f},{b.cy:.1f}" fill="none" '
            f'stroke="{FLOW_COLOR}" stroke-opacity="0.75" stroke-width="{w:.1f}" stroke-linecap="round" '
            f'marker-end="url(#arrow)" class="flow"><title>{escape(label)}</title></path>'
        )
    out.append("</g>")
    return "".join(out)


def _legend(legend: list[tuple[int, int]], proj: Projection, level: str) -> str:
    x, y = 12, proj.height - 22 * (len(legend) + 2) - 6
    out = [f'<g class="legend"><text x="{x}" y="{y}" font-weight="bold">{escape(_("Víctimas"))}</text>']
    step = (len(CLASS_FILLS) - 1) / max(len(legend), 1)
    for n, (lo, hi) in enumerate(legend):
        c = max(1, round((n + 1) * step))
        yy = y + 8 + n * 20
        text = _fmt(lo) if lo == hi else f"{_fmt(lo)} – {_fmt(hi)}"
        out.append(
            f'<rect x="{x}" y="{yy}" width="16" height="14" fill="{CLASS_FILLS[c]}" stroke="#999" '
            f'stroke-width="0.5"/><text x="{x + 22}" y="{yy + 11}">{escape(text)}</text>'
        )
    yy = y + 8 + len(legend) * 20
    out.append(
        f'<rect x="{x}" y="{yy}" width="16" height="14" fill="{CLASS_FILLS[0]}" stroke="#999" '
        f'stroke-width="0.5"/><text x="{x + 22}" y="{yy + 11}">{escape(_("Sin casos"))}</text>'
    )
    out.append("</g>")
    return "".join(out)


def sankey(
    flows: list[tuple[str, str, int]], *, title: str, width: int = 620, max_nodes: int = 12
) -> SafeString:
    """Routes from the place of recruitment (left) to the place of exploitation (right)."""
    flows = [f for f in flows if f[2]]
    if not flows:
        return mark_safe(
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart sankey" viewBox="0 0 {width} 40" '
            f'width="{width}" height="40" role="img" aria-label="{escape(title)}"><title>'
            f'{escape(title)}</title><text x="8" y="24">{escape(_("Sin rutas registradas."))}'
            f"</text></svg>"
        )
    left_tot: dict[str, int] = {}
    right_tot: dict[str, int] = {}
    for o, d, v in flows:
        left_tot[o] = left_tot.get(o, 0) + v
        right_tot[d] = right_tot.get(d, 0) + v
    other = "__other__"

    def keep(totals):
        ranked = sorted(totals, key=lambda k: (-totals[k], k))
        return set(ranked[:max_nodes])

    keep_left, keep_right = keep(left_tot), keep(right_tot)
    merged: dict[tuple[str, str], int] = {}
    for o, d, v in flows:
        key = (o if o in keep_left else other, d if d in keep_right else other)
        merged[key] = merged.get(key, 0) + v
    left: dict[str, int] = {}
    right: dict[str, int] = {}
    for (o, d), v in merged.items():
        left[o] = left.get(o, 0) + v
        right[d] = right.get(d, 0) + v
    total = sum(merged.values())
    gap, node_w, label_w = 6, 14, 150
    n_max = max(len(left), len(right))
    height = max(200, 26 * n_max + 20)
    usable = height - 20 - gap * (n_max - 1)
    k = usable / total

    def place(nodes: dict[str, int]) -> dict[str, list[float]]:
        y = 10.0
        out = {}
        for node in sorted(nodes, key=lambda n: (n == other, -nodes[n], n)):
            out[node] = [y, y]  # top, running offset for links
            y += nodes[node] * k + gap
        return out

    ly, ry = place(left), place(right)
    x0, x1 = label_w, width - label_w
    name = {other: _("Otros")}
    parts = []
    for (o, d), v in sorted(merged.items(), key=lambda item: (ly[item[0][0]][0], ry[item[0][1]][0])):
        h = v * k
        y0 = ly[o][1] + h / 2
        y1 = ry[d][1] + h / 2
        ly[o][1] += h
        ry[d][1] += h
        mid = (x0 + node_w + x1) / 2
        label = f"{name.get(o) or dim.place_label(o)} → {name.get(d) or dim.place_label(d)}: {_fmt(v)}"
        parts.append(
            f'<path d="M{x0 + node_w},{y0:.1f}C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1},{y1:.1f}" '
            f'fill="none" stroke="{FLOW_COLOR}" stroke-opacity="0.45" stroke-width="{max(h, 1):.1f}" '
            f'class="sankey-link"><title>{escape(label)}</title></path>'
        )
    for nodes, pos, x, anchor, tx in (
        (left, ly, x0, "end", x0 - 6),
        (right, ry, x1, "start", x1 + node_w + 6),
    ):
        for node, (top, _off) in pos.items():
            h = max(nodes[node] * k, 1)
            label = str(name.get(node) or dim.place_label(node))
            parts.append(
                f'<rect x="{x}" y="{top:.1f}" width="{node_w}" height="{h:.1f}" fill="#1f5f8b" '
                f'class="sankey-node"><title>{escape(label)}: {_fmt(nodes[node])}</title></rect>'
                f'<text x="{tx}" y="{top + h / 2 + 4:.1f}" text-anchor="{anchor}" class="chart-label">'
                f"{escape(label[:24])} ({_fmt(nodes[node])})</text>"
            )
    heading = (
        f'<text x="{x0}" y="8" text-anchor="end" font-size="10" fill="#555">{escape(_("Captación"))}</text>'
        f'<text x="{x1 + node_w}" y="8" font-size="10" fill="#555">{escape(_("Explotación"))}</text>'
    )
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart sankey" viewBox="0 -4 {width} {height + 4}" '
        f'width="{width}" height="{height + 4}" role="{svg_role("".join(parts))}" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="11"><title>{escape(title)}</title>'
        f"{heading}{''.join(parts)}</svg>"
    )
