"""Small inline-SVG charts for the report: no script, no network, no plotting library.

Each function returns one <svg> element as a string; text is escaped. Charts carry a <title> and
aria-label so they read without the picture, and the report prints the figures beside each chart.
"""

from __future__ import annotations

from html import escape

PALETTE = ("#1f5fa8", "#d9822b", "#2e8b57", "#a23b72", "#6b6b6b", "#c0392b", "#17becf")
STATUS_COLOURS = {"complete": "#2e8b57", "partial": "#e0b000", "failed": "#c0392b", "missing": "#9e9e9e"}
SEVERITY_COLOURS = {
    "critical": "#7b1d1d",
    "high": "#c0392b",
    "medium": "#d9822b",
    "low": "#e0b000",
    "info": "#6b8fb3",
}
W, H, PAD_L, PAD_B, PAD_T = 760, 240, 56, 34, 16


def _svg(title: str, body: str, width: int = W, height: int = H) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{t}</title>{body}</svg>'
    )


def _axis(ymax: float, x_labels: list[str], plot_w: float) -> str:
    parts = [f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{PAD_L + plot_w}" y2="{H - PAD_B}" stroke="#444"/>']
    for i in range(5):
        v = ymax * i / 4
        y = H - PAD_B - (H - PAD_B - PAD_T) * i / 4
        parts.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{PAD_L + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{v:,.0f}</text>'
        )
    step = max(1, -(-len(x_labels) * 80 // int(plot_w)))  # about 80 px per label
    for i in range(0, len(x_labels), step):
        x = PAD_L + plot_w * (i + 0.5) / max(1, len(x_labels))
        parts.append(
            f'<text x="{x:.1f}" y="{H - PAD_B + 16}" text-anchor="middle" font-size="11">'
            f"{escape(x_labels[i])}</text>"
        )
    return "".join(parts)


def _legend(names: list[str], colours: list[str], x0: int = PAD_L) -> str:
    out, x = [], x0
    for name, colour in zip(names, colours, strict=True):
        out.append(f'<rect x="{x}" y="{H - 12}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{H - 3}" font-size="11">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(out)


def line_chart(
    title: str,
    x_labels: list[str],
    series: dict[str, list[float | None]],
    marks: dict[int, str] | None = None,
) -> str:
    """Lines over x; a None value is a gap in its line (never drawn as 0). `marks` {x index: why} draws a
    dashed red line at those x, titled with why (e.g. a day whose figures miss a tenant)."""
    plot_w = W - PAD_L - 10
    ymax = max([1.0] + [float(v) for vs in series.values() for v in vs if v is not None]) * 1.1
    n = max(1, len(x_labels))
    body = [_axis(ymax, x_labels, plot_w)]
    for i, why in sorted((marks or {}).items()):
        x = PAD_L + plot_w * (i + 0.5) / n
        body.append(
            f'<line x1="{x:.1f}" y1="{PAD_T}" x2="{x:.1f}" y2="{H - PAD_B}" stroke="{MARK}" '
            f'stroke-dasharray="3 3"><title>{escape(x_labels[i])}: {escape(why)}</title></line>'
        )
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    for (name, values), colour in zip(series.items(), colours, strict=True):
        for run in _runs(values):
            pts = " ".join(
                f"{PAD_L + plot_w * (i + 0.5) / n:.1f},{H - PAD_B - (H - PAD_B - PAD_T) * values[i] / ymax:.1f}"
                for i in run
            )
            if len(run) == 1:  # a lone day between gaps: a dot, as a one-point polyline draws nothing
                x, y = pts.split(",")
                body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"><title>')
                body.append(f"{escape(name)}</title></circle>")
                continue
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"><title>')
            body.append(f"{escape(name)}</title></polyline>")
    names, legend_colours = list(series), colours
    if marks:
        names, legend_colours = [*names, "day short of tenants"], [*colours, MARK]
    body.append(_legend(names, legend_colours))
    return _svg(title, "".join(body), height=H + 14)


#: The colour of a marked x (a day whose figures do not cover every in-scope tenant completely).
MARK = "#c0392b"


def _runs(values: list) -> list[list[int]]:
    """Indexes of the consecutive non-None values: the pieces a line is drawn in."""
    runs: list[list[int]] = []
    for i, v in enumerate(values):
        if v is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def stacked_bars(title: str, x_labels: list[str], stacks: dict[str, list[float]], colours: dict) -> str:
    plot_w = W - PAD_L - 10
    n = max(1, len(x_labels))
    totals = [sum(s[i] for s in stacks.values()) for i in range(len(x_labels))]
    ymax = max([1.0, *totals]) * 1.1
    bw = max(1.0, plot_w / n * 0.8)
    body = [_axis(ymax, x_labels, plot_w)]
    for i, label in enumerate(x_labels):
        y = H - PAD_B
        for name, values in stacks.items():
            h = (H - PAD_B - PAD_T) * values[i] / ymax
            if h <= 0:
                continue
            y -= h
            x = PAD_L + plot_w * i / n + (plot_w / n - bw) / 2
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}" fill="{colours[name]}">'
                f"<title>{escape(label)} {escape(name)}: {values[i]:,}</title></rect>"
            )
    body.append(_legend(list(stacks), [colours[k] for k in stacks]))
    return _svg(title, "".join(body), height=H + 14)


def heatmap(title: str, rows: list[str], cols: list[str], cells: dict[tuple[str, str], str]) -> str:
    """Rows x columns of status cells (complete / partial / failed / missing)."""
    label_w, cell_h = 190, 14
    cell_w = max(1.5, min(24.0, (W - label_w - 10) / max(1, len(cols))))
    height = PAD_T + cell_h * len(rows) + 40
    body = []
    for r_i, row in enumerate(rows):
        y = PAD_T + r_i * cell_h
        body.append(
            f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end" font-size="11">{escape(row)}</text>'
        )
        for c_i, col in enumerate(cols):
            status = cells.get((row, col), "missing")
            body.append(
                f'<rect x="{label_w + c_i * cell_w:.2f}" y="{y}" width="{cell_w:.2f}" height="{cell_h - 2}" '
                f'fill="{STATUS_COLOURS.get(status, "#000")}"><title>{escape(row)} {escape(col)}: '
                f"{escape(status)}</title></rect>"
            )
    step = max(1, -(-80 // int(max(1.0, cell_w)))) if cols else 1  # about 80 px per label
    for c_i in range(0, len(cols), step):
        x = label_w + (c_i + 0.5) * cell_w
        y = PAD_T + cell_h * len(rows) + 12
        body.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="middle" font-size="10">{escape(cols[c_i])}</text>'
        )
    legend_y = height - 10
    x = label_w
    for status, colour in STATUS_COLOURS.items():
        body.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 14}" y="{legend_y}" font-size="11">{status}</text>')
        x += 90
    return _svg(title, "".join(body), height=height)


def bars(title: str, labels: list[str], values: list[float], marker: float | None = None) -> str:
    """Horizontal bars (e.g. revocation latency per credential) with an optional vertical marker (an SLA)."""
    label_w, bar_h = 220, 16
    height = PAD_T + bar_h * max(1, len(labels)) + 30
    vmax = max([1.0, *(v for v in values if v is not None), marker or 0]) * 1.1
    plot_w = W - label_w - 60
    body = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = PAD_T + i * bar_h
        body.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" font-size="11">{escape(label)}</text>'
        )
        if v is None:
            body.append(f'<text x="{label_w + 4}" y="{y + 12}" font-size="11">open (not yet revoked)</text>')
            continue
        colour = "#c0392b" if marker is not None and v > marker else "#2e8b57"
        w = plot_w * v / vmax
        body.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{bar_h - 4}" fill="{colour}">'
            f"<title>{escape(label)}: {v} d</title></rect>"
        )
        body.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 12}" font-size="11">{v} d</text>')
    if marker is not None:
        x = label_w + plot_w * marker / vmax
        body.append(
            f'<line x1="{x:.1f}" y1="{PAD_T}" x2="{x:.1f}" y2="{height - 24}" stroke="#000" '
            'stroke-dasharray="4 3"/>'
        )
        body.append(f'<text x="{x + 3:.1f}" y="{height - 10}" font-size="11">SLA {marker} d</text>')
    return _svg(title, "".join(body), height=height)
